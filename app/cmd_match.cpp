#include "app/commands.hpp"
#include "app/not_built.hpp"

namespace switchboard::app {

int run_match(const match_options&) {
  return not_built("match");
}

} // namespace switchboard::app
