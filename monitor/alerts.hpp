#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>
#include <caf/error.hpp>

#include "routes/config.hpp"

namespace switchboard {

/// Where an alert rule is in its lifecycle.
enum class alert_state {
  /// The condition does not hold.
  inactive,
  /// The condition holds and waits for `for_seconds` (or for the cooldown to end).
  pending,
  /// The alert is raised.
  firing,
  /// The condition stopped holding after firing; inactive at the next evaluation.
  resolved,
};

/// The text name of a state: inactive, pending, firing or resolved.
const char* to_string(alert_state state) noexcept;

/// One state change of one rule, for turning into `alert` events and for history.
struct alert_transition {
  /// The rule's name.
  std::string rule;
  /// The metric the rule watches.
  std::string metric;
  /// The rule's severity.
  std::string severity;
  /// State before the change.
  alert_state from = alert_state::inactive;
  /// State after the change.
  alert_state to = alert_state::inactive;
  /// The metric's value at the change (NaN when the metric had no value).
  double value = 0;
  /// The rule's threshold.
  double threshold = 0;
  /// When the change happened (caller's clock, seconds).
  double time = 0;
  /// A sentence describing the change.
  std::string message;
};

/// The ISO 8601 UTC text of Unix time in seconds, e.g. `2026-11-23T10:00:00.123Z`.
std::string iso_timestamp_at(double unix_seconds);

/// The JSON form of a transition: `{rule, metric, severity, state, previous_state,
/// value, threshold, time, message}` with `time` in ISO 8601 (times are Unix seconds).
boost::json::value to_json(const alert_transition& t);

/// A rule's current standing.
struct alert_status {
  /// The rule as configured.
  alert_rule_spec rule;
  /// Current state.
  alert_state state = alert_state::inactive;
  /// When the current state began.
  double since = 0;
  /// The value seen at the last evaluation (NaN when there was none).
  double last_value = 0;
  /// When the rule last fired, if ever.
  std::optional<double> last_fired;
  /// Times this rule fired.
  uint64_t times_fired = 0;
};

/// Resolves a metric name to its current value; nothing when it has no value yet.
using metric_lookup = std::function<std::optional<double>(const std::string& metric)>;

/// Evaluates alert rules against metric values with a caller-supplied clock (Unix
/// seconds in the monitor, any monotonic seconds in tests).
class alert_engine {
public:
  /// Creates an engine keeping at most `history_limit` transitions.
  explicit alert_engine(std::size_t history_limit = 100);

  /// Checks a rule: a non-empty unique-able name, a valid metric reference, a known
  /// severity, a finite threshold and non-negative finite durations.
  static caf::error validate(const alert_rule_spec& rule);

  /// Adds a rule after validation; refuses a name already in use.
  caf::error add_rule(alert_rule_spec rule);

  /// Replaces the rule of the same name (keeping its state) or adds it.
  caf::error upsert_rule(alert_rule_spec rule);

  /// Removes a rule; an error when no rule has that name. A firing alert of the rule
  /// leaves the active set.
  caf::error remove_rule(std::string_view name);

  /// The rules in the order they were added.
  std::vector<alert_rule_spec> rules() const;

  /// Every rule's standing, in the order the rules were added.
  const std::vector<alert_status>& statuses() const noexcept {
    return rules_;
  }

  /// Evaluates every rule at time `now` and returns the transitions, in rule order.
  std::vector<alert_transition> evaluate(const metric_lookup& lookup, double now);

  /// Evaluates with values from a map; a metric missing from it has no value.
  std::vector<alert_transition> evaluate(const std::map<std::string, double>& values,
                                         double now);

  /// The firing alerts: the transitions that raised them.
  std::vector<alert_transition> active() const;

  /// Number of firing alerts.
  std::size_t active_count() const noexcept;

  /// Recent firings and resolutions, oldest first, at most the history limit (the
  /// pending steps in between are only returned by `evaluate`).
  const std::deque<alert_transition>& history() const noexcept {
    return history_;
  }

  /// Times any rule fired since creation.
  uint64_t total_triggered() const noexcept {
    return total_triggered_;
  }

  /// The most recent firing, if any.
  const std::optional<alert_transition>& last_alert() const noexcept {
    return last_alert_;
  }

private:
  alert_status* find(std::string_view name);

  void record(alert_transition t);

  std::vector<alert_status> rules_;
  std::map<std::string, alert_transition, std::less<>> firing_;
  std::deque<alert_transition> history_;
  std::size_t history_limit_;
  uint64_t total_triggered_ = 0;
  std::optional<alert_transition> last_alert_;
};

/// The default rules: high error rate (error_rate > 5 percent), high latency
/// (p99_latency_ms > 100) and dead letters rising (dead_letters_per_second > 1).
std::vector<alert_rule_spec> default_alert_rules();

} // namespace switchboard
