#include <cstdio>

#include "app/commands.hpp"
#include "app/config_errors.hpp"
#include "demo/service.hpp"
#include "routes/config.hpp"

namespace switchboard::app {

int run_service(const run_options& opts) {
  auto cfg = load_config(opts.config);
  if (!cfg) {
    print_config_errors(opts.config, cfg.error());
    return 2;
  }
  if (!opts.kafka.empty())
    cfg->kafka.brokers = opts.kafka;
  if (cfg->kafka.brokers.empty()) {
    std::fprintf(stderr,
                 "switchboard run: no Kafka brokers: set kafka.brokers in %s or pass "
                 "--kafka HOST:PORT (`switchboard broker` runs a development broker)\n",
                 opts.config.c_str());
    return 2;
  }
  if (cfg->kafka.group_id.empty()) {
    std::fprintf(stderr, "switchboard run: %s: kafka.group_id must not be empty\n",
                 opts.config.c_str());
    return 2;
  }
  return run_kafka_service(*cfg, opts.http);
}

} // namespace switchboard::app
