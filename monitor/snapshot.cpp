#include "monitor/snapshot.hpp"

#include <set>

#include <boost/json.hpp>

namespace switchboard {

namespace {

// Processors are the `processor` label values of the per-processor metrics.
std::set<std::string> processor_names(const metrics_registry& registry) {
  std::set<std::string> names;
  for (const char* metric : {metric_names::events_processed, metric_names::events_failed,
                             metric_names::event_latency}) {
    auto* fam = registry.find(metric);
    if (fam == nullptr)
      continue;
    for (auto& [labels, s] : fam->series_by_labels)
      for (auto& [key, value] : labels)
        if (key == "processor")
          names.insert(value);
  }
  return names;
}

double family_sum(const metrics_registry& registry, const char* name,
                  const std::string& processor) {
  metric_ref ref{name, {{"processor", processor}}, {}};
  return registry.value(ref).value_or(0);
}

} // namespace

boost::json::object dashboard_snapshot(const snapshot_inputs& in) {
  boost::json::object out;
  out["timestamp"] = iso_timestamp_at(in.now);
  out["uptime_seconds"] = in.uptime_seconds;

  boost::json::object health;
  if (in.health != nullptr)
    for (auto& [name, h] : *in.health)
      health[name] = boost::json::object{{"status", to_string(h.status)},
                                         {"message", h.message}};
  out["component_health"] = std::move(health);

  pipeline_figures figures;
  if (in.registry != nullptr)
    figures = derive_figures(*in.registry);
  out["metrics"] = boost::json::object{{"events_per_second", figures.events_per_second},
                                       {"avg_latency_ms", figures.avg_latency_ms},
                                       {"error_rate", figures.error_rate},
                                       {"active_tasks", figures.active_tasks}};

  boost::json::object alerts;
  alerts["active_count"] = in.alerts != nullptr ? in.alerts->active_count() : 0;
  alerts["total_triggered"] = in.alerts != nullptr ? in.alerts->total_triggered() : 0;
  if (in.alerts != nullptr && in.alerts->last_alert())
    alerts["last_alert"] = to_json(*in.alerts->last_alert());
  else
    alerts["last_alert"] = nullptr;
  out["alerts"] = std::move(alerts);

  std::set<std::string> names;
  if (in.registry != nullptr)
    names = processor_names(*in.registry);
  if (in.processor_detail != nullptr)
    for (auto& [name, detail] : *in.processor_detail)
      names.insert(name);
  boost::json::object processors;
  for (auto& name : names) {
    boost::json::object p;
    if (in.registry != nullptr) {
      auto f = derive_figures(*in.registry, name);
      p["events_processed"] = family_sum(*in.registry, metric_names::events_processed, name);
      p["events_failed"] = family_sum(*in.registry, metric_names::events_failed, name);
      p["events_per_second"] = f.events_per_second;
      p["error_rate"] = f.error_rate;
      p["avg_latency_ms"] = f.avg_latency_ms;
      p["p99_latency_ms"] = f.p99_latency_ms;
    }
    if (in.health != nullptr)
      if (auto h = in.health->find(name); h != in.health->end())
        p["status"] = to_string(h->second.status);
    if (in.processor_detail != nullptr)
      if (auto d = in.processor_detail->find(name); d != in.processor_detail->end())
        for (auto& field : d->second)
          p[field.key()] = field.value();
    processors[name] = std::move(p);
  }
  out["processors"] = std::move(processors);
  return out;
}

} // namespace switchboard
