#include <cstdio>
#include <random>

#include "app/commands.hpp"
#include "demo/demo.hpp"
#include "events/error.hpp"

namespace switchboard::app {

int run_demo(const demo_options& opts) {
  demo_settings s;
  if (!parse_duration(opts.duration, s.duration_seconds)) {
    std::fprintf(stderr, "switchboard demo: --duration '%s' is not a duration like 30s, "
                         "500ms or 2m\n", opts.duration.c_str());
    return 2;
  }
  if (opts.rate <= 0) {
    std::fprintf(stderr, "switchboard demo: --rate must be positive\n");
    return 2;
  }
  if (opts.error_rate < 0 || opts.error_rate > 100) {
    std::fprintf(stderr, "switchboard demo: --error-rate must be between 0 and 100\n");
    return 2;
  }
  auto mix = parse_mix(opts.mix);
  if (!mix) {
    std::fprintf(stderr, "switchboard demo: %s\n", error_text(mix.error()).c_str());
    return 2;
  }
  if (!opts.kafka.empty() && opts.kafka != "mock" && opts.kafka.find(':') == std::string::npos) {
    std::fprintf(stderr, "switchboard demo: --kafka '%s': expected mock or HOST:PORT\n",
                 opts.kafka.c_str());
    return 2;
  }
  s.kafka = opts.kafka;
  s.rate = opts.rate;
  s.traffic.mix = *mix;
  s.traffic.error_rate = opts.error_rate;
  s.traffic.seed = opts.seed_given ? opts.seed : std::random_device{}();
  s.config_path = opts.config;
  s.http = opts.http;
  s.json = opts.json;
  s.monitoring = !opts.no_monitoring;
  return run_demo_scenario(s);
}

} // namespace switchboard::app
