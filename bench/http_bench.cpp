#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <httplib.h>

#include "actors/protocol.hpp"
#include "bench/bench.hpp"
#include "demo/generator.hpp"
#include "demo/pipeline.hpp"
#include "events/error.hpp"
#include "monitor/http_server.hpp"

namespace switchboard::bench {

namespace {

using clock_type = std::chrono::steady_clock;

/// What the HTTP load achieved.
struct load_result {
  /// `wrk` or `httplib clients`.
  std::string tool;
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  uint64_t requests = 0;
  uint64_t failures = 0;
};

/// Concurrent connections of the load, and wrk's threads.
constexpr int connections = 4;

bool have_wrk() {
  return std::system("command -v wrk >/dev/null 2>&1") == 0;
}

// Milliseconds from a wrk duration such as `812.00us`, `1.23ms` or `2.01s`.
double wrk_ms(const std::string& value, const std::string& unit) {
  double v = std::stod(value);
  if (unit == "us")
    return v / 1000;
  if (unit == "s")
    return v * 1000;
  if (unit == "m")
    return v * 60000;
  return v;
}

// Runs wrk against `url` for `seconds`; the requests it could not complete count as
// failures.
load_result wrk_load(const std::string& url, double seconds) {
  load_result out;
  out.tool = "wrk";
  auto cmd = "wrk -t1 -c" + std::to_string(connections) + " -d"
             + std::to_string(std::max(1, static_cast<int>(seconds + 0.5))) + "s --latency "
             + url + " 2>&1";
  std::string text;
  if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
      text.append(buf, n);
    ::pclose(pipe);
  }
  std::smatch m;
  if (std::regex_search(text, m, std::regex{R"(Requests/sec:\s+([0-9.]+))"}))
    out.requests_per_second = std::stod(m[1].str());
  if (std::regex_search(text, m, std::regex{R"((\d+) requests in)"}))
    out.requests = std::stoull(m[1].str());
  if (std::regex_search(text, m, std::regex{R"(\s50%\s+([0-9.]+)(us|ms|s|m)\b)"}))
    out.p50_ms = wrk_ms(m[1].str(), m[2].str());
  if (std::regex_search(text, m, std::regex{R"(\s99%\s+([0-9.]+)(us|ms|s|m)\b)"}))
    out.p99_ms = wrk_ms(m[1].str(), m[2].str());
  if (std::regex_search(text, m, std::regex{R"(Non-2xx or 3xx responses:\s+(\d+))"}))
    out.failures += std::stoull(m[1].str());
  if (std::regex_search(text, m, std::regex{R"(Socket errors:.*timeout (\d+))"}))
    out.failures += std::stoull(m[1].str());
  if (out.requests == 0)
    std::fprintf(stderr, "bench http: wrk produced no figures:\n%s\n", text.c_str());
  return out;
}

// Keep-alive clients on their own threads, each sending the next request when the
// previous one answered.
load_result client_load(const std::string& host, uint16_t port, const std::string& path,
                        double seconds) {
  load_result out;
  out.tool = "httplib clients";
  std::atomic<uint64_t> failures{0};
  std::vector<std::vector<double>> latencies(connections);
  std::vector<std::thread> threads;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  for (int i = 0; i < connections; ++i)
    threads.emplace_back([&, i] {
      httplib::Client cli{host, port};
      cli.set_keep_alive(true);
      while (clock_type::now() < deadline) {
        auto t0 = clock_type::now();
        auto res = cli.Get(path);
        auto took = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        if (!res || res->status != 200)
          ++failures;
        else
          latencies[i].push_back(took);
      }
    });
  for (auto& t : threads)
    t.join();
  std::chrono::duration<double> took = clock_type::now() - start;
  std::vector<double> all;
  for (auto& l : latencies)
    all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  out.requests = all.size();
  out.failures = failures;
  out.requests_per_second = static_cast<double>(all.size()) / took.count();
  if (!all.empty()) {
    out.p50_ms = all[all.size() / 2];
    out.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return out;
}

// Events processed so far and the generator's elapsed seconds.
std::pair<uint64_t, double> progress(caf::actor_system& sys, const caf::actor& gen) {
  caf::scoped_actor self{sys};
  std::pair<uint64_t, double> out{0, 0};
  self->request(gen, std::chrono::seconds(10), stats_atom::value)
    .receive([&](generation_report& r) { out = {r.processed, r.seconds}; },
             [](caf::error&) {});
  return out;
}

// The pipeline's events/s while `during` runs.
template <class F>
double measure(caf::actor_system& sys, const caf::actor& gen, F during) {
  auto [n0, t0] = progress(sys, gen);
  during();
  auto [n1, t1] = progress(sys, gen);
  return t1 > t0 ? static_cast<double>(n1 - n0) / (t1 - t0) : 0;
}

} // namespace

int http(const bench_config& bc) {
  auto cfg = parse_config(builtin_demo_config());
  if (!cfg) {
    std::fprintf(stderr, "%s\n", error_text(cfg.error()).c_str());
    return 1;
  }
  caf::actor_system_config sys_cfg;
  configure_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto p = start_pipeline(sys, *cfg, pipeline_options{});
  auto web = start_http(sys, p, "127.0.0.1:0", std::string{});
  if (!web) {
    std::fprintf(stderr, "bench http: %s\n", error_text(web.error()).c_str());
    stop_pipeline(p);
    return 1;
  }
  auto& server = *web->server;
  generator_config gc;
  gc.traffic.error_rate = 0;
  gc.traffic.seed = 42;
  gc.rate = 0;
  // Warm-up, quiet, loaded, quiet again, with room to spare.
  gc.duration_seconds = 4 * bc.seconds + 30;
  gc.batch_size = cfg->processors.batch_size;
  gc.max_inflight = cfg->processors.max_inflight_batches;
  gc.dispatcher = p.dispatcher;
  auto gen = spawn_generator(sys, gc);
  auto idle = [&] { std::this_thread::sleep_for(std::chrono::duration<double>(bc.seconds)); };
  // The first second fills trackers and caches; it is not measured.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto quiet_before = measure(sys, gen, idle);
  load_result load;
  auto url = server.url() + "/api/dashboard";
  auto loaded = measure(sys, gen, [&] {
    load = have_wrk() ? wrk_load(url, bc.seconds)
                      : client_load(server.host(), server.port(), "/api/dashboard", bc.seconds);
  });
  // A second quiet run after the load tells drift over time apart from the load's cost.
  auto quiet_after = measure(sys, gen, idle);
  server.stop();
  caf::anon_send_exit(gen, caf::exit_reason::user_shutdown);
  stop_pipeline(p);
  auto quiet = (quiet_before + quiet_after) / 2;
  auto ratio = quiet > 0 ? loaded / quiet : 0;
  if (bc.json) {
    std::printf("{\"tool\":\"%s\",\"connections\":%d,\"requests_per_second\":%.0f,"
                "\"requests\":%llu,\"failures\":%llu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                "\"events_per_second_quiet\":%.0f,\"events_per_second_quiet_before\":%.0f,"
                "\"events_per_second_quiet_after\":%.0f,\"events_per_second_loaded\":%.0f,"
                "\"loaded_to_quiet\":%.3f}\n",
                load.tool.c_str(), connections, load.requests_per_second,
                static_cast<unsigned long long>(load.requests),
                static_cast<unsigned long long>(load.failures), load.p50_ms, load.p99_ms, quiet,
                quiet_before, quiet_after, loaded, ratio);
    return load.requests > 0 ? 0 : 1;
  }
  std::printf("http benchmark: GET /api/dashboard over loopback while the demo pipeline runs "
              "flat out, %.1fs per run\n",
              bc.seconds);
  std::printf("  %-44s %s, %d connections\n", "load", load.tool.c_str(), connections);
  std::printf("  %-44s %12.0f requests/s (%llu requests, %llu failed)\n", "dashboard requests",
              load.requests_per_second, static_cast<unsigned long long>(load.requests),
              static_cast<unsigned long long>(load.failures));
  std::printf("  %-44s p50 %.3f ms  p99 %.3f ms\n", "request latency", load.p50_ms, load.p99_ms);
  std::printf("  %-44s %12.0f events/s (before %.0f, after %.0f)\n", "pipeline without HTTP load",
              quiet, quiet_before, quiet_after);
  std::printf("  %-44s %12.0f events/s\n", "pipeline under HTTP load", loaded);
  std::printf("  %-44s %12.2f\n", "loaded / unloaded", ratio);
  return load.requests > 0 ? 0 : 1;
}

} // namespace switchboard::bench
