#include <cstdio>

#include "app/commands.hpp"
#include "bench/bench.hpp"

namespace switchboard::app {

int run_bench(const bench_options& opts) {
  bench::bench_config cfg;
  cfg.seconds = opts.seconds;
  cfg.json = opts.json;
  if (opts.which == "codec")
    return bench::codec(cfg);
  if (opts.which == "kafka")
    return bench::kafka(cfg);
  std::fprintf(stderr, "switchboard bench: unknown benchmark '%s' (try codec or kafka)\n",
               opts.which.c_str());
  return 2;
}

} // namespace switchboard::app
