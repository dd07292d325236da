#pragma once

#include <spdlog/spdlog.h>

namespace switchboard::test {

/// Silences spdlog for its lifetime, keeping expected warnings out of the test output.
struct quiet_log {
  spdlog::level::level_enum was = spdlog::get_level();

  quiet_log() {
    spdlog::set_level(spdlog::level::off);
  }

  ~quiet_log() {
    spdlog::set_level(was);
  }
};

} // namespace switchboard::test
