#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "routes/config.hpp"

namespace switchboard {

class dashboard_cache;
class event_hub;
class http_server;

/// The actors of one running pipeline: monitor, sink, dispatcher (which owns the
/// processors) and the dashboard actor that answers REST queries.
struct pipeline {
  caf::actor monitor;
  caf::actor sink;
  caf::actor dispatcher;
  caf::actor dashboard;
  /// Alerts and notifications for event-stream readers.
  std::shared_ptr<event_hub> hub;
  /// The dashboard actor's latest snapshot, for HTTP threads.
  std::shared_ptr<dashboard_cache> snapshot;
};

/// The REST API and web dashboard of a pipeline.
struct http_frontend {
  std::shared_ptr<http_server> server;
};

/// Serves the pipeline's REST API on `address` (`ADDR:PORT`, port 0 picks one); the API
/// token comes from SWITCHBOARD_API_TOKEN unless `api_token` is given.
caf::expected<http_frontend> start_http(caf::actor_system& sys, const pipeline& p,
                                        const std::string& address,
                                        std::optional<std::string> api_token = std::nullopt);

/// How to assemble a pipeline around a config.
struct pipeline_options {
  /// Keep the last N records per topic in the in-process sink (tests inspect them).
  std::size_t keep_per_topic = 0;
  /// Run the monitor (metrics, alerts, health); off only for raw benchmarks.
  bool monitoring = true;
  /// Use this sink instead of the in-process one (e.g. the Kafka sink).
  caf::actor sink;
  /// Or make the sink once the monitor (null without monitoring) exists.
  std::function<caf::actor(const caf::actor& monitor)> make_sink;
  /// Milliseconds between monitor evaluations.
  int monitor_tick_ms = 1000;
};

/// Spawns monitor, sink and dispatcher with the config's routes, processors and rules.
pipeline start_pipeline(caf::actor_system& sys, const switchboard_config& cfg,
                        const pipeline_options& opts = {});

/// Stops the pipeline's actors.
void stop_pipeline(const pipeline& p);

/// The demo's built-in config (config/demo.json compiled into the binary).
const char* builtin_demo_config() noexcept;

/// Asks `who` for JSON text `(snapshot_atom, what)`, or `(snapshot_atom)` when `what` is
/// empty; nothing on timeout.
std::optional<std::string> ask_json(caf::actor_system& sys, const caf::actor& who,
                                    const std::string& what,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(2));

/// Applies the settings every switchboard actor system uses (scheduler fairness).
void configure_actor_system(caf::actor_system_config& cfg);

} // namespace switchboard
