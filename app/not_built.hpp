#pragma once

#include <cstdio>

namespace switchboard::app {

/// Reports a command that this build does not provide yet; usage error code 2.
inline int not_built(const char* name) {
  std::fprintf(stderr, "switchboard %s: this command is not built yet\n", name);
  return 2;
}

} // namespace switchboard::app
