#include "demo/demo.hpp"

#include <cstdio>
#include <thread>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/kafka_broker.hpp"
#include "actors/kafka_error.hpp"
#include "actors/kafka_source.hpp"
#include "actors/protocol.hpp"
#include "demo/feeder.hpp"
#include "demo/pipeline.hpp"
#include "demo/service.hpp"
#include "monitor/http_server.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

boost::json::value parse_or_null(const std::optional<std::string>& text) {
  if (!text)
    return nullptr;
  boost::json::error_code ec;
  auto v = boost::json::parse(*text, ec);
  return ec ? boost::json::value{} : v;
}

double num(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (auto* key : path) {
    if (!cur->is_object())
      return 0;
    cur = cur->get_object().if_contains(key);
    if (cur == nullptr)
      return 0;
  }
  return json_number(cur);
}

generation_report ask_report(caf::actor_system& sys, const caf::actor& gen, bool final_report,
                             std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  generation_report r;
  auto ok = [&](generation_report& rep) { r = rep; };
  auto err = [&](caf::error&) {};
  if (final_report)
    self->request(gen, timeout, stop_atom::value).receive(ok, err);
  else
    self->request(gen, timeout, stats_atom::value).receive(ok, err);
  return r;
}

boost::json::object build_summary(const demo_settings& s, const generation_report& rep,
                                  const boost::json::value& dispatcher,
                                  const boost::json::value& dashboard,
                                  const boost::json::value& alerts) {
  boost::json::object gen;
  gen["generated"] = rep.generated;
  gen["target_rate"] = s.rate;
  gen["duration_seconds"] = rep.seconds;
  gen["events_per_second"] = rep.seconds > 0 ? static_cast<double>(rep.generated) / rep.seconds : 0;
  gen["malformed_injected"] = rep.malformed;
  gen["failing_injected"] = rep.failing;
  gen["by_family"] = boost::json::value_from(rep.by_family);

  boost::json::object proc;
  proc["processed"] = rep.processed;
  proc["dead_lettered"] = rep.dead_lettered;
  proc["unmatched"] = rep.unmatched;
  proc["events_per_second"] =
    rep.seconds > 0 ? static_cast<double>(rep.processed) / rep.seconds : 0;
  proc["avg_latency_ms"] = num(dispatcher, {"latency", "avg_ms"});
  proc["p99_latency_ms"] = num(dispatcher, {"latency", "p99_ms"});
  proc["derived_events"] = num(dispatcher, {"derived"});
  if (dispatcher.is_object()) {
    if (auto* pub = dispatcher.get_object().if_contains("published"))
      proc["published"] = *pub;
    if (auto* dl = dispatcher.get_object().if_contains("dead_letters"))
      proc["dead_letters_by_kind"] = *dl;
    if (auto* recent = dispatcher.get_object().if_contains("recent_dead_letters"))
      proc["recent_dead_letters"] = *recent;
  }

  boost::json::object health;
  if (dashboard.is_object())
    if (auto* ch = dashboard.get_object().if_contains("component_health"))
      if (ch->is_object())
        health = ch->get_object();

  boost::json::object al;
  al["active_count"] = num(alerts, {"active_count"});
  al["total_triggered"] = num(alerts, {"total_triggered"});
  boost::json::array fired;
  if (alerts.is_object())
    if (auto* recent = alerts.get_object().if_contains("recent"); recent && recent->is_array())
      for (auto& t : recent->get_array()) {
        auto& o = t.get_object();
        if (o.if_contains("state") && o.at("state") == "firing") {
          boost::json::object f;
          f["name"] = o.at("rule");
          f["severity"] = o.at("severity");
          f["at"] = o.at("time");
          fired.push_back(std::move(f));
        }
      }
  al["fired"] = std::move(fired);

  boost::json::object out;
  out["generation"] = std::move(gen);
  out["processing"] = std::move(proc);
  out["health"] = std::move(health);
  out["alerts"] = std::move(al);
  return out;
}

void print_text(const boost::json::object& sum) {
  auto& g = sum.at("generation").as_object();
  auto& p = sum.at("processing").as_object();
  auto& a = sum.at("alerts").as_object();
  auto n = [](const boost::json::value& v) { return num(v, {}); };
  std::printf("\n== switchboard demo summary ==\n\n");
  std::printf("Event generation\n");
  std::printf("  generated           %.0f events in %.1f s (%.0f/s, target %.0f/s)\n",
              n(g.at("generated")), n(g.at("duration_seconds")), n(g.at("events_per_second")),
              n(g.at("target_rate")));
  std::string fams;
  for (auto& [f, v] : g.at("by_family").as_object())
    fams += "  " + std::string{f} + "=" + std::to_string(static_cast<uint64_t>(n(v)));
  std::printf("  by family          %s\n", fams.c_str());
  std::printf("  injected errors     %.0f malformed, %.0f failing\n",
              n(g.at("malformed_injected")), n(g.at("failing_injected")));
  std::printf("\nProcessing\n");
  std::printf("  processed           %.0f\n", n(p.at("processed")));
  std::printf("  dead-lettered       %.0f\n", n(p.at("dead_lettered")));
  std::printf("  unmatched           %.0f\n", n(p.at("unmatched")));
  std::printf("  derived events      %.0f (emitted by processors)\n", n(p.at("derived_events")));
  std::printf("  throughput          %.0f events/s\n", n(p.at("events_per_second")));
  std::printf("  latency             avg %.3f ms, p99 %.3f ms (ingest to processed)\n",
              n(p.at("avg_latency_ms")), n(p.at("p99_latency_ms")));
  std::printf("\nComponent health\n");
  for (auto& [name, h] : sum.at("health").as_object()) {
    auto& ho = h.as_object();
    std::printf("  %-24s %-10s %s\n", std::string{name}.c_str(),
                std::string{ho.at("status").as_string()}.c_str(),
                std::string{ho.at("message").as_string()}.c_str());
  }
  std::printf("\nAlerts\n");
  std::printf("  active %.0f, triggered %.0f\n", n(a.at("active_count")),
              n(a.at("total_triggered")));
  for (auto& f : a.at("fired").as_array()) {
    auto& fo = f.as_object();
    std::printf("  fired  %-24s %-9s at %s\n", std::string{fo.at("name").as_string()}.c_str(),
                std::string{fo.at("severity").as_string()}.c_str(),
                std::string{fo.at("at").as_string()}.c_str());
  }
  std::printf("\n");
}

} // namespace

bool parse_duration(const std::string& text, double& seconds) {
  if (text.empty())
    return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || v < 0)
    return false;
  std::string unit{end};
  if (unit.empty() || unit == "s")
    seconds = v;
  else if (unit == "ms")
    seconds = v / 1000;
  else if (unit == "m")
    seconds = v * 60;
  else if (unit == "h")
    seconds = v * 3600;
  else
    return false;
  return true;
}

namespace {

// Where the demo traffic comes from and how its outcome is counted: the generator
// straight into the dispatcher, or the feeder into Kafka with the Kafka source's
// acknowledgements counting what was consumed.
struct traffic {
  caf::actor gen;
  caf::actor source;

  generation_report report(caf::actor_system& sys, bool final_report,
                           std::chrono::milliseconds timeout) const {
    auto r = ask_report(sys, gen, final_report, timeout);
    if (!source)
      return r;
    if (final_report) {
      // Wait for the consumer to acknowledge every generated event (bounded).
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (consumed_outcome(sys, r) < r.generated && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    consumed_outcome(sys, r);
    return r;
  }

  // Copies the source's counts into `r`; returns the events acknowledged so far.
  uint64_t consumed_outcome(caf::actor_system& sys, generation_report& r) const {
    auto stats = parse_or_null(ask_json(sys, source, ""));
    r.processed = static_cast<uint64_t>(num(stats, {"processed"}));
    r.unmatched = static_cast<uint64_t>(num(stats, {"unmatched"}));
    r.dead_lettered = static_cast<uint64_t>(num(stats, {"dead_lettered"}));
    return static_cast<uint64_t>(num(stats, {"acknowledged"}));
  }
};

// Waits until the Kafka source holds partitions, so a fresh group reading from the end
// of a shared topic misses none of the demo's events.
void await_assignment(caf::actor_system& sys, const caf::actor& source) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto stats = parse_or_null(ask_json(sys, source, ""));
    if (num(stats, {"assigned_partitions"}) > 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace

int run_demo_scenario(const demo_settings& s) {
  auto cfg = s.config_path.empty() ? parse_config(builtin_demo_config())
                                   : load_config(s.config_path);
  if (!cfg) {
    std::fprintf(stderr, "%s\n", error_text(cfg.error()).c_str());
    return 2;
  }
  caf::actor_system_config sys_cfg;
  if (s.kafka.empty())
    configure_actor_system(sys_cfg);
  else
    configure_kafka_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  std::unique_ptr<kafka_broker> mock;
  std::optional<kafka_service> svc;
  pipeline p;
  std::optional<http_frontend> web;
  std::string http = s.monitoring ? s.http : std::string{"off"};
  // Standard output carries the summary alone (`--json` is read by scripts).
  log_to_stderr();
  if (!s.kafka.empty()) {
    if (s.kafka == "mock") {
      auto broker = kafka_broker::make();
      if (!broker) {
        std::fprintf(stderr, "switchboard demo: %s\n", error_text(broker.error()).c_str());
        return 1;
      }
      mock = std::move(*broker);
      cfg->kafka.brokers = mock->bootstrap();
      for (auto& topic : input_topics(*cfg))
        if (auto err = mock->create_topic(topic, cfg->topics.partitions))
          std::fprintf(stderr, "switchboard demo: %s\n", error_text(err).c_str());
    } else {
      cfg->kafka.brokers = s.kafka;
      // A group of its own, reading from the end: events of earlier runs stay out.
      cfg->kafka.group_id = "switchboard-demo-" + std::to_string(s.traffic.seed);
      cfg->kafka.consumer.emplace("auto.offset.reset", "latest");
    }
    kafka_service_options kopts;
    kopts.http = http;
    auto started = start_kafka_service(sys, *cfg, kopts);
    if (!started) {
      std::fprintf(stderr, "switchboard demo: %s\n", error_text(started.error()).c_str());
      return started.error() == kafka_errc::bad_config ? 2 : 1;
    }
    svc = std::move(*started);
    p = svc->p;
    if (svc->web)
      std::fprintf(stderr, "dashboard: %s\n", svc->web->server->url().c_str());
    std::fprintf(stderr, "kafka: brokers %s%s, input topic %s\n", cfg->kafka.brokers.c_str(),
                 mock ? " (in-process development broker)" : "", svc->topics.front().c_str());
    if (!mock)
      await_assignment(sys, svc->source);
  } else {
    pipeline_options popts;
    popts.monitoring = s.monitoring;
    p = start_pipeline(sys, *cfg, popts);
    if (http != "off") {
      auto fe = start_http(sys, p, http);
      if (!fe) {
        std::fprintf(stderr, "switchboard demo: %s (choose another --http ADDR:PORT or --http off)\n",
                     error_text(fe.error()).c_str());
        stop_pipeline(p);
        return 1;
      }
      web = std::move(*fe);
      std::fprintf(stderr, "dashboard: %s\n", web->server->url().c_str());
    }
  }
  traffic src;
  if (svc) {
    feeder_config fc;
    fc.traffic = s.traffic;
    fc.rate = s.rate;
    fc.duration_seconds = s.duration_seconds;
    fc.topic = svc->topics.front();
    fc.kafka = service_kafka_config(cfg->kafka);
    auto feeder = spawn_kafka_feeder(sys, fc);
    if (!feeder) {
      std::fprintf(stderr, "switchboard demo: %s\n", error_text(feeder.error()).c_str());
      stop_kafka_service(sys, *svc, 0);
      return 1;
    }
    src.gen = *feeder;
    src.source = svc->source;
  } else {
    generator_config gc;
    gc.traffic = s.traffic;
    gc.rate = s.rate;
    gc.duration_seconds = s.duration_seconds;
    gc.batch_size = cfg->processors.batch_size;
    gc.max_inflight = cfg->processors.max_inflight_batches;
    gc.dispatcher = p.dispatcher;
    src.gen = spawn_generator(sys, gc);
  }

  bool tty = s.progress && !s.json && isatty(STDERR_FILENO);
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(s.duration_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(tty ? 500 : 100));
    if (!tty)
      continue;
    auto r = src.report(sys, false, std::chrono::seconds(1));
    auto alerts = parse_or_null(ask_json(sys, p.monitor, "alerts"));
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "\r  %5.1fs  generated %9llu  processed %9llu  dead %7llu  %8.0f ev/s  "
                 "alerts %2.0f active ",
                 t, static_cast<unsigned long long>(r.generated),
                 static_cast<unsigned long long>(r.processed),
                 static_cast<unsigned long long>(r.dead_lettered),
                 t > 0 ? static_cast<double>(r.processed) / t : 0.0,
                 num(alerts, {"active_count"}));
    std::fflush(stderr);
  }
  auto rep = src.report(sys, true, std::chrono::seconds(60));
  if (tty)
    std::fprintf(stderr, "\n");
  // One more monitor evaluation so the summary includes the last second.
  if (p.monitor)
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto dispatcher = parse_or_null(ask_json(sys, p.dispatcher, ""));
  auto dashboard = parse_or_null(ask_json(sys, p.monitor, "dashboard"));
  auto alerts = parse_or_null(ask_json(sys, p.monitor, "alerts"));
  auto summary = build_summary(s, rep, dispatcher, dashboard, alerts);
  if (s.json)
    std::printf("%s\n", to_json(boost::json::value(summary)).c_str());
  else
    print_text(summary);
  caf::anon_send_exit(src.gen, caf::exit_reason::user_shutdown);
  if (web)
    web->server->stop();
  if (svc)
    stop_kafka_service(sys, *svc, 5000);
  else
    stop_pipeline(p);
  bool accounted = rep.processed + rep.dead_lettered + rep.unmatched == rep.generated;
  if (!accounted)
    std::fprintf(stderr, "switchboard demo: %lld events unaccounted for\n",
                 static_cast<long long>(rep.generated) - static_cast<long long>(rep.processed
                                                 + rep.dead_lettered + rep.unmatched));
  return accounted ? 0 : 1;
}

} // namespace switchboard
