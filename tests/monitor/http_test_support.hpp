#pragma once

// Helpers shared by the HTTP tests: a served fake backend and outside clients.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "monitor/http_server.hpp"
#include "http_fake_backend.hpp"

namespace switchboard::testing {

/// Output and exit status of a shell command.
struct command_result {
  std::string out;
  int status = -1;
};

/// Runs `cmd` through the shell and collects its standard output and exit status.
inline command_result run_command(const std::string& cmd) {
  command_result result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr)
    return result;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    result.out.append(buf.data(), n);
  int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

/// True when `program` is on the PATH.
inline bool have_program(const std::string& program) {
  return run_command("command -v " + program + " >/dev/null 2>&1").status == 0;
}

/// A fake backend served on 127.0.0.1 with a picked port.
struct served_fake {
  std::shared_ptr<fake_backend> backend = std::make_shared<fake_backend>();
  std::unique_ptr<http_server> server;

  explicit served_fake(std::string token = "s3cret-token",
                       std::chrono::milliseconds timeout = std::chrono::milliseconds{100}) {
    http_server_config cfg;
    cfg.address = "127.0.0.1:0";
    cfg.api_token = std::move(token);
    cfg.backend_timeout = timeout;
    cfg.keepalive_interval = std::chrono::milliseconds{200};
    cfg.max_stream_clients = 3;
    server = std::make_unique<http_server>(backend, cfg);
    auto err = server->start();
    REQUIRE(!err);
    REQUIRE(server->port() != 0);
  }

  /// `http://127.0.0.1:PORT`.
  std::string url() const {
    return server->url();
  }
};

} // namespace switchboard::testing
