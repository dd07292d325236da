#include "demo/service.hpp"

#include <csignal>
#include <algorithm>
#include <cstdio>
#include <thread>

#include <pthread.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/kafka_error.hpp"
#include "actors/kafka_sink.hpp"
#include "actors/kafka_source.hpp"
#include "actors/protocol.hpp"
#include "events/error.hpp"
#include "monitor/http_server.hpp"

namespace switchboard {

namespace {

// The Kafka source's credit must cover its throughput times the round trip of a batch:
// through the dispatcher to the sink, linger.ms (5) in the producer, the broker's
// acks=all answer and the delivery report back, 10-50 ms on a busy 2-core machine. The
// processors' default of 8 batches of 256 capped a copy near 100k events/s; 16,384
// events (64 batches of 256) let it pass 300k events/s, at the cost of that many
// decoded events held in memory (~20 MiB of 360-byte events).
constexpr std::size_t kafka_min_inflight_events = 16384;

void set_default(std::map<std::string, std::string>& props, const char* key,
                 const char* value) {
  props.emplace(key, value);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

// Asks `who` to stop with `(stop_atom, ms)` and waits for its count of what is left.
std::optional<uint64_t> ask_stop(caf::actor_system& sys, const caf::actor& who, int ms) {
  caf::scoped_actor self{sys};
  std::optional<uint64_t> left;
  self->request(who, std::chrono::milliseconds(ms + 5000), stop_atom::value, ms)
    .receive([&](uint64_t n) { left = n; }, [&](caf::error&) {});
  return left;
}

} // namespace

kafka_config service_kafka_config(const kafka_config& cfg) {
  auto out = cfg;
  // librdkafka's reconnect backoff grows to 10 s by default; a service should notice a
  // broker that came back within a couple of seconds.
  for (auto* props : {&out.consumer, &out.producer}) {
    set_default(*props, "reconnect.backoff.ms", "100");
    set_default(*props, "reconnect.backoff.max.ms", "2000");
  }
  return out;
}

caf::expected<kafka_service> start_kafka_service(caf::actor_system& sys,
                                                 const switchboard_config& cfg,
                                                 const kafka_service_options& opts) {
  auto kafka = service_kafka_config(cfg.kafka);
  caf::error sink_error;
  pipeline_options popts;
  popts.make_sink = [&](const caf::actor& monitor) {
    kafka_sink_config kc;
    kc.kafka = kafka;
    kc.dead_letter_topic = cfg.topics.dead_letters;
    kc.monitor = monitor;
    auto sink = spawn_kafka_sink(sys, kc);
    if (!sink) {
      sink_error = sink.error();
      return caf::actor{};
    }
    return *sink;
  };
  popts.monitor_tick_ms = opts.monitor_tick_ms;
  kafka_service svc;
  svc.p = start_pipeline(sys, cfg, popts);
  if (sink_error) {
    stop_pipeline(svc.p);
    return sink_error;
  }
  kafka_source_config sc;
  sc.kafka = kafka;
  sc.topics = input_topics(cfg);
  sc.dispatcher = svc.p.dispatcher;
  sc.monitor = svc.p.monitor;
  sc.batch_size = std::max<std::size_t>(1, cfg.processors.batch_size);
  sc.max_inflight = cfg.processors.max_inflight_batches;
  if (!cfg.processors.max_inflight_configured)
    sc.max_inflight = std::max(sc.max_inflight,
                               (kafka_min_inflight_events + sc.batch_size - 1) / sc.batch_size);
  auto source = spawn_kafka_source(sys, sc);
  if (!source) {
    stop_pipeline(svc.p);
    return source.error();
  }
  svc.source = *source;
  svc.topics = sc.topics;
  if (opts.http != "off" && svc.p.dashboard) {
    auto fe = start_http(sys, svc.p, opts.http);
    if (!fe) {
      stop_kafka_service(sys, svc, 0);
      return fe.error();
    }
    svc.web = std::move(*fe);
  }
  return svc;
}

bool stop_kafka_service(caf::actor_system& sys, kafka_service& svc, int drain_ms) {
  bool clean = true;
  if (svc.web) {
    svc.web->server->stop();
    svc.web.reset();
  }
  if (svc.source) {
    auto left = ask_stop(sys, svc.source, drain_ms);
    clean = left && *left == 0;
    caf::anon_send_exit(svc.source, caf::exit_reason::user_shutdown);
    svc.source = nullptr;
  }
  if (svc.p.sink) {
    auto left = ask_stop(sys, svc.p.sink, drain_ms);
    if (!left || *left > 0) {
      clean = false;
      spdlog::warn("kafka_sink: {} records still unacknowledged at shutdown",
                   left ? *left : 0);
    }
  }
  stop_pipeline(svc.p);
  return clean;
}

void configure_kafka_actor_system(caf::actor_system_config& cfg) {
  configure_actor_system(cfg);
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<int>(cores));
  // Idle work-stealing workers poll with 50 us sleeps: in a profile of the Kafka copy a
  // sixth of all CPU went to their context switches, next to librdkafka's threads.
  // Work-sharing workers wait on a condition variable (in paired benchmark runs the
  // copy took 4.0-5.8 us of CPU per event with them, 5.3-6.1 us with work-stealing).
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

void log_to_stderr() {
  static bool done = false;
  if (done)
    return;
  done = true;
  auto logger = spdlog::stderr_color_mt("switchboard");
  logger->set_level(spdlog::get_level());
  spdlog::set_default_logger(logger);
}

int run_kafka_service(const switchboard_config& cfg, const std::string& http) {
  // Block the stop signals before the actor system and librdkafka start their threads,
  // so they inherit the mask and only the sigwait below sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  log_to_stderr();
  caf::actor_system_config sys_cfg;
  configure_kafka_actor_system(sys_cfg);
  caf::actor_system sys{sys_cfg};
  kafka_service_options opts;
  opts.http = http;
  auto svc = start_kafka_service(sys, cfg, opts);
  if (!svc) {
    std::fprintf(stderr, "switchboard run: %s\n", error_text(svc.error()).c_str());
    return svc.error() == kafka_errc::bad_config ? 2 : 1;
  }
  spdlog::info("switchboard run: brokers {}, group {}, input topics {}, dead letters to {}{}",
               cfg.kafka.brokers, cfg.kafka.group_id, join(svc->topics),
               cfg.topics.dead_letters,
               svc->web ? ", REST API on " + svc->web->server->url() : std::string{});
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("switchboard run: {} received; draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
  bool clean = stop_kafka_service(sys, *svc);
  spdlog::info("switchboard run: stopped{}", clean ? "" : " (some inputs will be consumed again)");
  return 0;
}

} // namespace switchboard
