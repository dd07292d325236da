#pragma once

#include <cstdio>
#include <sstream>
#include <string>

#include "events/error.hpp"
#include "routes/error.hpp"

namespace switchboard::app {

/// Prints a config loading error on stderr, one problem per line, each prefixed with
/// the file name unless the message already names it (unreadable files).
inline void print_config_errors(const std::string& file, const caf::error& err) {
  std::istringstream in{error_text(err)};
  bool named = err == route_errc::unreadable_config;
  std::string line;
  while (std::getline(in, line)) {
    if (named)
      std::fprintf(stderr, "%s\n", line.c_str());
    else
      std::fprintf(stderr, "%s: %s\n", file.c_str(), line.c_str());
  }
}

} // namespace switchboard::app
