#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace switchboard {

/// How a component is doing, from best to worst.
enum class health_status { healthy, degraded, unhealthy, restarting, down };

/// The text name of a status: healthy, degraded, unhealthy, restarting or down.
const char* to_string(health_status status) noexcept;

/// Thresholds of the health evaluation.
struct health_settings {
  /// Seconds without a heartbeat after which a component is unhealthy.
  double heartbeat_timeout_seconds = 5;
  /// Seconds of error and success reports that make up the error rate.
  double error_window_seconds = 60;
  /// Error rate in percent above which a component is degraded.
  double degraded_error_rate = 5;
  /// Error rate in percent above which a component is unhealthy.
  double unhealthy_error_rate = 25;
  /// Events the window must hold before its error rate counts, so one failure out of
  /// two events does not flag a component.
  uint64_t min_events = 10;
};

/// The evaluated health of one component.
struct component_health {
  /// The status.
  health_status status = health_status::healthy;
  /// Why, as a short sentence (`no heartbeat for 6.2s`).
  std::string message;
  /// Errors per reported event over the window, in percent.
  double error_rate = 0;
  /// Times the component was restarted.
  uint32_t restarts = 0;
  /// When the last heartbeat arrived, if any.
  std::optional<double> last_heartbeat;
  /// True while the component is alive and beating: not down, not restarting and not
  /// silent past the heartbeat timeout (a high error rate leaves it responsive).
  bool responsive = true;
  /// Whether the status differs from the previous evaluation (true on the first).
  bool changed = false;
};

/// The JSON form `{status, message, error_rate, restarts, responsive}`.
boost::json::value to_json(const component_health& h);

/// Tracks heartbeats, error reports and restarts of components with a caller-supplied
/// clock (seconds) and turns them into a status per component.
class health_tracker {
public:
  /// Creates a tracker with the given thresholds.
  explicit health_tracker(health_settings settings = {});

  /// Starts expecting heartbeats from `component`, counting the timeout from `now`.
  void watch(std::string_view component, double now);

  /// Notes a heartbeat; it also ends a `restarting` or `down` state begun earlier.
  void heartbeat(std::string_view component, double now);

  /// Adds handled and failed event counts to the component's error window.
  void report(std::string_view component, uint64_t successes, uint64_t errors, double now);

  /// Marks the component as being restarted for the `restart_count`th time.
  void restarting(std::string_view component, uint32_t restart_count, double now,
                  std::string_view reason = {});

  /// Marks the component down (gone for good, e.g. its node left) until it beats again.
  void down(std::string_view component, double now, std::string_view reason);

  /// Marks the component unhealthy for a reason it reports itself (e.g. its brokers are
  /// unreachable) until `recovered`; heartbeats do not clear it, since the component is
  /// alive but cannot do its work.
  void unhealthy(std::string_view component, double now, std::string_view reason);

  /// Ends an `unhealthy` mark; also counts as a heartbeat.
  void recovered(std::string_view component, double now);

  /// Stops tracking a component.
  void forget(std::string_view component);

  /// Evaluates every tracked component at time `now`.
  std::map<std::string, component_health> evaluate(double now);

  /// The result of the last evaluation.
  const std::map<std::string, component_health>& last() const noexcept {
    return last_;
  }

  /// The settings in use.
  const health_settings& settings() const noexcept {
    return settings_;
  }

private:
  struct tracked {
    double watched_since = 0;
    std::optional<double> last_heartbeat;
    std::deque<std::pair<double, std::pair<uint64_t, uint64_t>>> reports;
    uint32_t restarts = 0;
    std::optional<double> restarting_since;
    std::string restart_reason;
    std::optional<double> down_since;
    std::string down_reason;
    std::optional<double> unhealthy_since;
    std::string unhealthy_reason;
  };

  tracked& get(std::string_view component, double now);

  void prune(tracked& t, double now) const;

  health_settings settings_;
  std::map<std::string, tracked, std::less<>> components_;
  std::map<std::string, component_health> last_;
};

} // namespace switchboard
