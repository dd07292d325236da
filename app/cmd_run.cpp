#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_service(const run_options&) {
  return not_built("run");
}

} // namespace switchboard::app
