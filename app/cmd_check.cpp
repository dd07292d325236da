#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_check(const check_options&) {
  return not_built("check");
}

} // namespace switchboard::app
