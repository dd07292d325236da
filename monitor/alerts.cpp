#include "monitor/alerts.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include <boost/json.hpp>

#include "events/error.hpp"
#include "events/factory.hpp"
#include "monitor/metrics.hpp"

namespace switchboard {

namespace {

const char* symbol(alert_condition c) {
  switch (c) {
    case alert_condition::gt:
      return ">";
    case alert_condition::gte:
      return ">=";
    case alert_condition::lt:
      return "<";
    case alert_condition::lte:
      return "<=";
    case alert_condition::eq:
      return "==";
    case alert_condition::ne:
      return "!=";
  }
  return "?";
}

bool holds(alert_condition c, double value, double threshold) {
  switch (c) {
    case alert_condition::gt:
      return value > threshold;
    case alert_condition::gte:
      return value >= threshold;
    case alert_condition::lt:
      return value < threshold;
    case alert_condition::lte:
      return value <= threshold;
    case alert_condition::eq:
      return value == threshold;
    case alert_condition::ne:
      return value != threshold;
  }
  return false;
}

std::string number_text(double x) {
  if (std::isnan(x))
    return "no value";
  char buf[32];
  std::snprintf(buf, sizeof(buf), std::fabs(x) >= 1e4 ? "%.0f" : "%.4g", x);
  return buf;
}

caf::error bad_rule(const alert_rule_spec& rule, const std::string& what) {
  return caf::make_error(route_errc::bad_config,
                         "alert rule '" + rule.name + "': " + what);
}

bool valid_rule_name(std::string_view name) {
  // Names travel in URL paths (`DELETE /api/alerts/rules/NAME`), so keep them plain.
  return !name.empty() && name.size() <= 128
         && std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                     || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
            });
}

} // namespace

const char* to_string(alert_state state) noexcept {
  switch (state) {
    case alert_state::inactive:
      return "inactive";
    case alert_state::pending:
      return "pending";
    case alert_state::firing:
      return "firing";
    case alert_state::resolved:
      return "resolved";
  }
  return "unknown";
}

std::string iso_timestamp_at(double unix_seconds) {
  using namespace std::chrono;
  auto since_epoch = duration_cast<system_clock::duration>(duration<double>(unix_seconds));
  return iso_timestamp(system_clock::time_point{since_epoch});
}

boost::json::value to_json(const alert_transition& t) {
  boost::json::object out;
  out["rule"] = t.rule;
  out["metric"] = t.metric;
  out["severity"] = t.severity;
  out["state"] = to_string(t.to);
  out["previous_state"] = to_string(t.from);
  if (std::isnan(t.value))
    out["value"] = nullptr;
  else
    out["value"] = t.value;
  out["threshold"] = t.threshold;
  out["time"] = iso_timestamp_at(t.time);
  out["message"] = t.message;
  return out;
}

alert_engine::alert_engine(std::size_t history_limit) : history_limit_(history_limit) {
  // nop
}

caf::error alert_engine::validate(const alert_rule_spec& rule) {
  if (!valid_rule_name(rule.name))
    return bad_rule(rule, "name must be 1 to 128 letters, digits, '_', '-' or '.'");
  if (auto ref = parse_metric_ref(rule.metric); !ref)
    return bad_rule(rule, error_text(ref.error()));
  static const std::vector<std::string> severities{"info", "warning", "error", "critical"};
  if (std::find(severities.begin(), severities.end(), rule.severity) == severities.end())
    return bad_rule(rule, "severity must be info, warning, error or critical, not '"
                            + rule.severity + "'");
  if (!std::isfinite(rule.threshold))
    return bad_rule(rule, "threshold must be a finite number");
  if (!std::isfinite(rule.cooldown_seconds) || rule.cooldown_seconds < 0)
    return bad_rule(rule, "cooldown_seconds must be a finite number >= 0");
  if (!std::isfinite(rule.for_seconds) || rule.for_seconds < 0)
    return bad_rule(rule, "for_seconds must be a finite number >= 0");
  return {};
}

alert_status* alert_engine::find(std::string_view name) {
  auto i = std::find_if(rules_.begin(), rules_.end(),
                        [&](const alert_status& s) { return s.rule.name == name; });
  return i == rules_.end() ? nullptr : &*i;
}

caf::error alert_engine::add_rule(alert_rule_spec rule) {
  if (auto err = validate(rule))
    return err;
  if (find(rule.name) != nullptr)
    return bad_rule(rule, "a rule with this name exists already");
  alert_status status;
  status.rule = std::move(rule);
  status.last_value = std::numeric_limits<double>::quiet_NaN();
  rules_.push_back(std::move(status));
  return {};
}

caf::error alert_engine::upsert_rule(alert_rule_spec rule) {
  if (auto err = validate(rule))
    return err;
  if (auto* existing = find(rule.name)) {
    existing->rule = std::move(rule);
    return {};
  }
  return add_rule(std::move(rule));
}

caf::error alert_engine::remove_rule(std::string_view name) {
  auto i = std::find_if(rules_.begin(), rules_.end(),
                        [&](const alert_status& s) { return s.rule.name == name; });
  if (i == rules_.end())
    return caf::make_error(route_errc::bad_config,
                           "alert rule '" + std::string{name} + "' does not exist");
  if (auto f = firing_.find(name); f != firing_.end()) {
    // Keep a trace of why the alert left the active set.
    auto t = f->second;
    t.from = alert_state::firing;
    t.to = alert_state::inactive;
    t.message = t.rule + " removed while firing";
    firing_.erase(f);
    record(std::move(t));
  }
  rules_.erase(i);
  return {};
}

std::vector<alert_rule_spec> alert_engine::rules() const {
  std::vector<alert_rule_spec> result;
  result.reserve(rules_.size());
  for (auto& s : rules_)
    result.push_back(s.rule);
  return result;
}

void alert_engine::record(alert_transition t) {
  history_.push_back(std::move(t));
  while (history_.size() > history_limit_)
    history_.pop_front();
}

std::vector<alert_transition> alert_engine::evaluate(const metric_lookup& lookup,
                                                     double now) {
  std::vector<alert_transition> out;
  for (auto& s : rules_) {
    auto& rule = s.rule;
    auto value = lookup(rule.metric);
    double v = value ? *value : std::numeric_limits<double>::quiet_NaN();
    bool active = value && holds(rule.condition, v, rule.threshold);
    bool cooling = s.last_fired && now < *s.last_fired + rule.cooldown_seconds;
    s.last_value = v;
    auto comparison = rule.metric + " is " + number_text(v) + " (" + symbol(rule.condition)
                      + " " + number_text(rule.threshold) + ")";
    auto move_to = [&](alert_state to, std::string message) {
      alert_transition t{rule.name, rule.metric, rule.severity, s.state, to,
                         v,         rule.threshold, now,         std::move(message)};
      s.state = to;
      s.since = now;
      out.push_back(t);
      return t;
    };
    auto fire = [&] {
      auto message = rule.name + ": " + comparison;
      if (!rule.description.empty())
        message += ". " + rule.description;
      auto t = move_to(alert_state::firing, std::move(message));
      s.last_fired = now;
      ++s.times_fired;
      ++total_triggered_;
      firing_[rule.name] = t;
      last_alert_ = t;
      record(std::move(t));
    };
    switch (s.state) {
      case alert_state::inactive:
      case alert_state::resolved:
        if (active && rule.for_seconds <= 0 && !cooling)
          fire();
        else if (active)
          move_to(alert_state::pending,
                  rule.name + " pending: " + comparison
                    + (cooling ? ", in cooldown" : ", waiting "
                                                     + number_text(rule.for_seconds) + "s"));
        else if (s.state == alert_state::resolved)
          move_to(alert_state::inactive, rule.name + " inactive: " + comparison);
        break;
      case alert_state::pending:
        if (!active)
          move_to(alert_state::inactive, rule.name + " no longer pending: " + comparison);
        else if (now - s.since >= rule.for_seconds && !cooling)
          fire();
        break;
      case alert_state::firing:
        if (!active) {
          firing_.erase(rule.name);
          record(move_to(alert_state::resolved, rule.name + " resolved: " + comparison));
        }
        break;
    }
  }
  return out;
}

std::vector<alert_transition>
alert_engine::evaluate(const std::map<std::string, double>& values, double now) {
  return evaluate(
    [&](const std::string& metric) -> std::optional<double> {
      auto i = values.find(metric);
      if (i == values.end())
        return std::nullopt;
      return i->second;
    },
    now);
}

std::vector<alert_transition> alert_engine::active() const {
  std::vector<alert_transition> result;
  for (auto& s : rules_)
    if (auto i = firing_.find(s.rule.name); i != firing_.end())
      result.push_back(i->second);
  return result;
}

std::size_t alert_engine::active_count() const noexcept {
  return firing_.size();
}

std::vector<alert_rule_spec> default_alert_rules() {
  auto gt = [](std::string name, std::string metric, double threshold, std::string severity,
               double for_seconds, double cooldown_seconds, std::string description) {
    alert_rule_spec r;
    r.name = std::move(name);
    r.metric = std::move(metric);
    r.condition = alert_condition::gt;
    r.threshold = threshold;
    r.severity = std::move(severity);
    r.for_seconds = for_seconds;
    r.cooldown_seconds = cooldown_seconds;
    r.description = std::move(description);
    return r;
  };
  return {gt("high_error_rate", "error_rate", 5, "error", 5, 60,
             "More than 5 percent of events failed processing"),
          gt("high_latency", "p99_latency_ms", 100, "warning", 10, 60,
             "p99 processing latency is above 100 ms"),
          gt("dead_letters_rising", "dead_letters_per_second", 1, "warning", 5, 120,
             "Events are being dead-lettered at more than 1 per second")};
}

} // namespace switchboard
