#include "monitor/health.hpp"

#include <cstdio>

#include <boost/json.hpp>

namespace switchboard {

namespace {

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c);
  return buf;
}

} // namespace

const char* to_string(health_status status) noexcept {
  switch (status) {
    case health_status::healthy:
      return "healthy";
    case health_status::degraded:
      return "degraded";
    case health_status::unhealthy:
      return "unhealthy";
    case health_status::restarting:
      return "restarting";
    case health_status::down:
      return "down";
  }
  return "unknown";
}

boost::json::value to_json(const component_health& h) {
  boost::json::object out;
  out["status"] = to_string(h.status);
  out["message"] = h.message;
  out["error_rate"] = h.error_rate;
  out["restarts"] = h.restarts;
  out["responsive"] = h.responsive;
  return out;
}

health_tracker::health_tracker(health_settings settings) : settings_(settings) {
  // nop
}

health_tracker::tracked& health_tracker::get(std::string_view component, double now) {
  auto i = components_.find(component);
  if (i == components_.end()) {
    i = components_.emplace(std::string{component}, tracked{}).first;
    i->second.watched_since = now;
  }
  return i->second;
}

void health_tracker::watch(std::string_view component, double now) {
  get(component, now);
}

void health_tracker::heartbeat(std::string_view component, double now) {
  auto& t = get(component, now);
  t.last_heartbeat = now;
  // Only a beat after the mark proves the component came back.
  if (t.restarting_since && now >= *t.restarting_since)
    t.restarting_since.reset();
  if (t.down_since && now >= *t.down_since)
    t.down_since.reset();
}

void health_tracker::report(std::string_view component, uint64_t successes, uint64_t errors,
                            double now) {
  auto& t = get(component, now);
  t.reports.emplace_back(now, std::make_pair(successes, errors));
  prune(t, now);
}

void health_tracker::restarting(std::string_view component, uint32_t restart_count,
                                double now, std::string_view reason) {
  auto& t = get(component, now);
  t.restarts = restart_count;
  t.restarting_since = now;
  t.restart_reason = std::string{reason};
  // Errors of the crashed instance say nothing about the restarted one.
  t.reports.clear();
}

void health_tracker::down(std::string_view component, double now, std::string_view reason) {
  auto& t = get(component, now);
  t.down_since = now;
  t.down_reason = std::string{reason};
}

void health_tracker::unhealthy(std::string_view component, double now,
                               std::string_view reason) {
  auto& t = get(component, now);
  t.unhealthy_since = now;
  t.unhealthy_reason = std::string{reason};
}

void health_tracker::recovered(std::string_view component, double now) {
  get(component, now).unhealthy_since.reset();
  heartbeat(component, now);
}

void health_tracker::forget(std::string_view component) {
  if (auto i = components_.find(component); i != components_.end())
    components_.erase(i);
  if (auto i = last_.find(std::string{component}); i != last_.end())
    last_.erase(i);
}

void health_tracker::prune(tracked& t, double now) const {
  auto start = now - settings_.error_window_seconds;
  while (!t.reports.empty() && t.reports.front().first < start)
    t.reports.pop_front();
}

std::map<std::string, component_health> health_tracker::evaluate(double now) {
  std::map<std::string, component_health> result;
  for (auto& [name, t] : components_) {
    prune(t, now);
    component_health h;
    h.restarts = t.restarts;
    h.last_heartbeat = t.last_heartbeat;
    uint64_t ok = 0;
    uint64_t failed = 0;
    for (auto& r : t.reports) {
      ok += r.second.first;
      failed += r.second.second;
    }
    auto total = ok + failed;
    h.error_rate = total > 0 ? 100.0 * static_cast<double>(failed) / static_cast<double>(total)
                             : 0;
    auto silent_for = now - t.last_heartbeat.value_or(t.watched_since);
    auto window = settings_.error_window_seconds;
    h.responsive = !t.down_since && !t.restarting_since
                   && silent_for <= settings_.heartbeat_timeout_seconds;
    if (t.down_since) {
      h.status = health_status::down;
      h.message = "down: " + (t.down_reason.empty() ? std::string{"no reason given"}
                                                    : t.down_reason);
    } else if (t.restarting_since) {
      h.status = health_status::restarting;
      h.message = "restarting (restart " + std::to_string(t.restarts) + ")";
      if (!t.restart_reason.empty())
        h.message += ": " + t.restart_reason;
    } else if (t.unhealthy_since) {
      h.status = health_status::unhealthy;
      h.message = t.unhealthy_reason.empty() ? std::string{"unhealthy"} : t.unhealthy_reason;
    } else if (silent_for > settings_.heartbeat_timeout_seconds) {
      h.status = health_status::unhealthy;
      h.message = format(t.last_heartbeat ? "no heartbeat for %.1fs"
                                          : "no heartbeat since watched %.1fs ago",
                         silent_for);
    } else if (total >= settings_.min_events
               && h.error_rate > settings_.unhealthy_error_rate) {
      h.status = health_status::unhealthy;
      h.message = format("error rate %.1f%% over the last %gs (unhealthy above %g%%)",
                         h.error_rate, window, settings_.unhealthy_error_rate);
    } else if (total >= settings_.min_events
               && h.error_rate > settings_.degraded_error_rate) {
      h.status = health_status::degraded;
      h.message = format("error rate %.1f%% over the last %gs (degraded above %g%%)",
                         h.error_rate, window, settings_.degraded_error_rate);
    } else {
      h.status = health_status::healthy;
      h.message = "ok";
      if (t.restarts > 0)
        h.message += ", restarted " + std::to_string(t.restarts)
                     + (t.restarts == 1 ? " time" : " times");
    }
    auto prev = last_.find(name);
    h.changed = prev == last_.end() || prev->second.status != h.status;
    result.emplace(name, h);
  }
  last_ = result;
  return result;
}

} // namespace switchboard
