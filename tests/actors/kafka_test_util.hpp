#pragma once

// Helpers for tests against a real `switchboard broker` process and kcat.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include "actors/kafka_broker_process.hpp"
#include "routes/config.hpp"

namespace switchboard::test {

/// A valid task_created event line numbered `i` (event id `ev-i`).
inline std::string event_line(int i) {
  return R"({"event_id":"ev-)" + std::to_string(i)
         + R"(","event_type":"task_created","timestamp":"2026-01-01T00:00:00Z",)"
           R"("source":"test","data":{"n":)"
         + std::to_string(i) + "}}";
}

/// A `switchboard broker` child process; stopped when the guard goes. A broker that did
/// not start has an empty bootstrap address, which each test requires to be set.
class broker_process {
public:
  explicit broker_process(const std::vector<std::string>& args = {}) {
    auto started = kafka_broker_process::start(SWITCHBOARD_BINARY, args);
    if (started)
      process_ = std::move(*started);
  }

  /// The first stdout line: `127.0.0.1:PORT`, or empty if the broker did not start.
  const std::string& bootstrap() const {
    static const std::string none;
    return process_ ? process_->bootstrap() : none;
  }

  /// Sends a signal to the broker.
  void signal(int sig) {
    if (process_)
      process_->signal(sig);
  }

  /// Sends `sig` and waits for the exit; returns the exit status, or -signal.
  int stop(int sig = SIGTERM) {
    return process_ ? process_->stop(sig) : -1;
  }

private:
  std::unique_ptr<kafka_broker_process> process_;
};

/// A temporary file removed when the guard goes.
class temp_file {
public:
  explicit temp_file(const std::string& content = {}) {
    char name[] = "/tmp/switchboard-test-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0)
      throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = name;
    std::ofstream{path_, std::ios::binary} << content;
  }

  ~temp_file() {
    std::remove(path_.c_str());
  }

  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  /// Where the file is.
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

/// Runs a shell command (bounded to 30 s) and returns its stdout; `input` is its stdin.
inline std::string shell(const std::string& command, const std::string& input = {}) {
  temp_file in{input};
  std::string full = "timeout 30 " + command + " < " + in.path();
  std::string out;
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe)
    throw std::runtime_error("popen failed: " + full);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
    out.append(buf, n);
  pclose(pipe);
  return out;
}

/// Produces `lines` to `topic` with kcat; with `keyed`, each line is `key:value`.
inline void kcat_produce(const std::string& bootstrap, const std::string& topic,
                         const std::vector<std::string>& lines, bool keyed = false) {
  std::string input;
  for (const auto& line : lines)
    input += line + '\n';
  shell("kcat -b " + bootstrap + " -P -t " + topic + (keyed ? " -K:" : "") + " -X acks=all",
        input);
}

/// Reads every message of `topic` with kcat (to the end) as `format` lines.
inline std::vector<std::string> kcat_consume(const std::string& bootstrap,
                                             const std::string& topic,
                                             const std::string& format = "%s\\n") {
  auto out = shell("kcat -b " + bootstrap + " -C -e -q -t " + topic + " -f '" + format + "'");
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (auto pos = out.find('\n'); pos != std::string::npos; pos = out.find('\n', start)) {
    lines.push_back(out.substr(start, pos - start));
    start = pos + 1;
  }
  return lines;
}

/// Client settings for tests: short fetch waits and fast group coordination.
inline kafka_config test_kafka_config(const std::string& bootstrap, const std::string& group) {
  kafka_config cfg;
  cfg.brokers = bootstrap;
  cfg.group_id = group;
  cfg.consumer = {{"fetch.wait.max.ms", "5"},
                  {"heartbeat.interval.ms", "100"},
                  {"session.timeout.ms", "6000"},
                  {"reconnect.backoff.max.ms", "500"}};
  cfg.producer = {{"reconnect.backoff.max.ms", "500"}};
  return cfg;
}

/// Calls `step` until `done` holds or `seconds` pass; returns `done()`.
inline bool eventually(const std::function<bool()>& done, const std::function<void()>& step,
                       double seconds = 15) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    step();
  }
  return true;
}

} // namespace switchboard::test
