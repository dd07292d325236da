#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_broker(const broker_options&) {
  return not_built("broker");
}

} // namespace switchboard::app
