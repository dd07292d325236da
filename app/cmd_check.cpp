#include <cstdio>

#include "app/commands.hpp"
#include "app/config_errors.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

namespace switchboard::app {

int run_check(const check_options& opts) {
  auto cfg = load_config(opts.config);
  if (!cfg) {
    print_config_errors(opts.config, cfg.error());
    return 2;
  }
  std::printf("ok: %zu routes, %zu alert rules\n", cfg->routes->size(), cfg->alert_rules.size());
  return 0;
}

} // namespace switchboard::app
