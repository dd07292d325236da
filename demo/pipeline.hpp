#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "routes/config.hpp"

namespace switchboard {

/// The actors of one running pipeline: monitor, sink, dispatcher (which owns the processors).
struct pipeline {
  caf::actor monitor;
  caf::actor sink;
  caf::actor dispatcher;
};

/// How to assemble a pipeline around a config.
struct pipeline_options {
  /// Keep the last N records per topic in the in-process sink (tests inspect them).
  std::size_t keep_per_topic = 0;
  /// Run the monitor (metrics, alerts, health); off only for raw benchmarks.
  bool monitoring = true;
  /// Use this sink instead of the in-process one (e.g. the Kafka sink).
  caf::actor sink;
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
