#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_demo(const demo_options&) {
  return not_built("demo");
}

} // namespace switchboard::app
