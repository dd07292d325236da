#include "demo/pipeline.hpp"

#include <algorithm>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/dispatcher.hpp"
#include "actors/memory_sink.hpp"
#include "actors/processors.hpp"
#include "actors/protocol.hpp"
#include "monitor/actor_backend.hpp"
#include "monitor/dashboard_actor.hpp"
#include "monitor/event_stream.hpp"
#include "monitor/http_server.hpp"
#include "monitor/monitor_actor.hpp"

namespace switchboard {

pipeline start_pipeline(caf::actor_system& sys, const switchboard_config& cfg,
                        const pipeline_options& opts) {
  pipeline p;
  if (opts.monitoring) {
    monitor_config mc;
    mc.alert_rules = cfg.alert_rules;
    mc.health.heartbeat_timeout_seconds = cfg.processors.heartbeat_timeout_seconds;
    mc.tick_ms = opts.monitor_tick_ms;
    p.monitor = spawn_monitor(sys, mc);
  }
  if (opts.sink)
    p.sink = opts.sink;
  else if (opts.make_sink)
    p.sink = opts.make_sink(p.monitor);
  else
    p.sink = spawn_memory_sink(sys, memory_sink_config{opts.keep_per_topic});
  p.dispatcher = spawn_dispatcher(sys, pipeline_dispatcher(cfg, p.sink, p.monitor));
  if (p.monitor) {
    set_monitor_dispatcher(p.monitor, p.dispatcher);
    p.hub = std::make_shared<event_hub>();
    dashboard_config dbc;
    dbc.monitor = p.monitor;
    dbc.dispatcher = p.dispatcher;
    dbc.routes = cfg.routes;
    dbc.hub = p.hub;
    p.snapshot = std::make_shared<dashboard_cache>();
    dbc.cache = p.snapshot;
    p.dashboard = spawn_dashboard(sys, std::move(dbc));
  }
  return p;
}

caf::expected<http_frontend> start_http(caf::actor_system& sys, const pipeline& p,
                                        const std::string& address,
                                        std::optional<std::string> api_token) {
  http_server_config hc;
  hc.address = address;
  hc.api_token = api_token ? *api_token : api_token_from_environment();
  auto backend = std::make_shared<actor_backend>(sys, p.dashboard, p.hub, p.snapshot);
  http_frontend fe;
  fe.server = std::make_shared<http_server>(backend, hc);
  if (auto err = fe.server->start())
    return err;
  return fe;
}

void stop_pipeline(const pipeline& p) {
  for (auto* a : {&p.dashboard, &p.dispatcher, &p.sink, &p.monitor})
    if (*a)
      caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
}

std::optional<std::string> ask_json(caf::actor_system& sys, const caf::actor& who,
                                    const std::string& what,
                                    std::chrono::milliseconds timeout) {
  if (!who)
    return std::nullopt;
  caf::scoped_actor self{sys};
  std::optional<std::string> result;
  auto on_reply = [&](std::string& json) { result = std::move(json); };
  auto on_error = [&](caf::error&) {};
  if (what.empty())
    self->request(who, timeout, snapshot_atom::value).receive(on_reply, on_error);
  else
    self->request(who, timeout, snapshot_atom::value, what).receive(on_reply, on_error);
  return result;
}

void configure_actor_system(caf::actor_system_config& cfg) {
  // A busy actor yields after a bounded number of messages so others get the core.
  cfg.set("scheduler.max-throughput", 64);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // An idle worker polls its queue every 50 us and by default tries to steal from the
  // other only every fifth time, so work piling up behind a busy actor waited up to a
  // quarter of a millisecond: the two cores were busy 91% of the time at flat out, 96%
  // stealing every time (idle cost the same: the polls happen anyway).
  cfg.set("work-stealing.moderate-steal-interval", size_t{1});
  // One worker per core: CAF's default of at least four makes idle workers spin and
  // steal on a two-core machine, which halved pipeline throughput here.
  cfg.set("scheduler.max-threads",
          static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
}

} // namespace switchboard
