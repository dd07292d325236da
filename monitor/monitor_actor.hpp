#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "monitor/health.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// Settings of the monitor actor.
struct monitor_config {
  /// Alert rules evaluated every tick.
  std::vector<alert_rule_spec> alert_rules;
  /// Heartbeat timeout and error-rate thresholds.
  health_settings health;
  /// Milliseconds between evaluations.
  int tick_ms = 1000;
  /// Seconds the counter rates span.
  double rate_window_seconds = 10;
  /// Receives fired alerts as `alert` events (an input batch on topic `events`); may be null.
  caf::actor dispatcher;
};

/// Spawns the monitor: metrics registry, alert engine and health tracker in one actor.
///
/// Components send `(stats_atom, component, json)`, `(heartbeat_atom, component)`,
/// `(health_atom, component, status, message)` and `(notify_atom, json)` or
/// `(notify_atom, std::vector<std::string>)` (a processor's batch). Queries:
/// `(snapshot_atom, what)` returns JSON text (Prometheus text for `prometheus`) for what
/// in dashboard, metrics, prometheus, alerts, health, rules, notifications, figures.
/// `(rules_atom, "add", json)` returns an empty string or the validation error;
/// `(rules_atom, "delete", name)` returns whether the rule existed.
/// `(subscribe_atom, actor)` streams `(notify_atom, json)` of alerts and health changes
/// and `(notify_atom, std::vector<std::string>)` of processor notification batches.
caf::actor spawn_monitor(caf::actor_system& sys, monitor_config cfg);

/// Sets the dispatcher that receives fired alerts (it is spawned after the monitor).
void set_monitor_dispatcher(caf::actor monitor, caf::actor dispatcher);

} // namespace switchboard
