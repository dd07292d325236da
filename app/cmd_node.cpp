#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_node(const node_options&) {
  return not_built("node");
}

} // namespace switchboard::app
