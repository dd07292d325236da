#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "app/commands.hpp"
#include "bench/bench.hpp"

namespace switchboard::app {

namespace {

using bench_fn = int (*)(const bench::bench_config&);

const std::vector<std::pair<std::string, bench_fn>>& benchmarks() {
  static const std::vector<std::pair<std::string, bench_fn>> all{
    {"codec", bench::codec},
    {"match", bench::match},
    {"pipeline", bench::pipeline},
    {"kafka", bench::kafka},
    {"http", bench::http},
  };
  return all;
}

} // namespace

int run_bench(const bench_options& opts) {
  bench::bench_config cfg;
  cfg.seconds = opts.seconds;
  cfg.json = opts.json;
  cfg.events = opts.events;
  std::string names;
  int rc = 0;
  bool found = false;
  for (auto& [name, fn] : benchmarks()) {
    names += names.empty() ? name : ", " + name;
    if (opts.which == name || opts.which == "all") {
      found = true;
      rc = std::max(rc, fn(cfg));
    }
  }
  if (!found) {
    std::fprintf(stderr, "switchboard bench: unknown benchmark '%s' (one of %s, or all)\n",
                 opts.which.c_str(), names.c_str());
    return 2;
  }
  return rc;
}

} // namespace switchboard::app
