#pragma once

#include <map>
#include <string>

#include <boost/json/fwd.hpp>

#include "monitor/alerts.hpp"
#include "monitor/health.hpp"
#include "monitor/metrics.hpp"

namespace switchboard {

/// Everything the dashboard snapshot is computed from.
struct snapshot_inputs {
  /// Unix time of the snapshot in seconds.
  double now = 0;
  /// Seconds since the pipeline started.
  double uptime_seconds = 0;
  /// The metrics, sampled for rates by the caller.
  const metrics_registry* registry = nullptr;
  /// The last health evaluation per component.
  const std::map<std::string, component_health>* health = nullptr;
  /// The alert engine.
  const alert_engine* alerts = nullptr;
  /// Extra figures per processor (e.g. the task processor's state counts), merged over
  /// the figures derived from the registry.
  const std::map<std::string, boost::json::object>* processor_detail = nullptr;
};

/// The dashboard snapshot: `{timestamp, uptime_seconds, component_health{name:{status,
/// message}}, metrics{events_per_second, avg_latency_ms, error_rate, active_tasks},
/// alerts{active_count, total_triggered, last_alert}, processors{name:{...}}}`. A null
/// input contributes an empty section.
boost::json::object dashboard_snapshot(const snapshot_inputs& in);

} // namespace switchboard
