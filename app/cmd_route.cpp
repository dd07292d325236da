#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_route(const route_options&) {
  return not_built("route");
}

} // namespace switchboard::app
