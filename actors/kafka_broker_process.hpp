#pragma once

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include <sys/types.h>

namespace switchboard {

/// `switchboard broker` running as a child process, for benchmarks and tests that need a
/// broker they can stop, kill or take down from outside. Its stderr is discarded.
/// Destruction stops it (SIGTERM, then SIGKILL after 5 s) and reaps it.
class kafka_broker_process {
public:
  /// Runs `binary broker args...` and waits up to `timeout_ms` for the bootstrap address
  /// it prints first.
  static caf::expected<std::unique_ptr<kafka_broker_process>>
  start(const std::string& binary, const std::vector<std::string>& args = {},
        int timeout_ms = 10000);

  ~kafka_broker_process();

  kafka_broker_process(const kafka_broker_process&) = delete;
  kafka_broker_process& operator=(const kafka_broker_process&) = delete;

  /// The broker's bootstrap address, `127.0.0.1:PORT`.
  const std::string& bootstrap() const noexcept {
    return bootstrap_;
  }

  /// The broker's process id, or -1 once it was stopped.
  pid_t pid() const noexcept {
    return pid_;
  }

  /// Sends `sig` (SIGUSR1 takes the broker down, SIGUSR2 brings it back).
  void signal(int sig);

  /// Sends `sig`, waits for the exit and returns the exit status, or minus the signal
  /// that ended the process; -1 if it was stopped already.
  int stop(int sig = SIGTERM);

private:
  kafka_broker_process(pid_t pid, std::string bootstrap);

  pid_t pid_;
  std::string bootstrap_;
};

} // namespace switchboard
