#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>

#include "actors/kafka_client.hpp"

namespace switchboard {

/// A change of a Kafka client's reachability, for the monitor.
struct kafka_link_change {
  /// True when the brokers became unreachable, false when they are back.
  bool down = false;
  /// One sentence for the health page and the log.
  std::string message;
};

/// Tracks whether a Kafka client reaches its brokers and decides what to log: one
/// warning when they become unreachable, reminders at growing intervals (1 s, 2 s, 4 s ...
/// up to 60 s) while they stay so, one line when they are back; other client errors are
/// logged once per kind and then only counted. Times are seconds on the caller's clock.
class kafka_link {
public:
  /// Tracks the link of `component` (`kafka_source`, `kafka_sink`) to `brokers`.
  kafka_link(std::string component, std::string brokers);

  /// Takes an error the client reported; returns a change when it means the brokers
  /// just became unreachable.
  std::optional<kafka_link_change> on_error(const kafka_client_error& err, double now);

  /// Takes the client's view of its brokers (`brokers_down()`), polled regularly;
  /// returns a change when the brokers just became reachable again.
  std::optional<kafka_link_change> on_tick(bool brokers_down, double now);

  /// Whether the brokers are unreachable.
  bool down() const noexcept {
    return down_;
  }

  /// Client errors reported so far.
  uint64_t errors() const noexcept {
    return errors_;
  }

  /// Reminders logged during the current outage.
  int reminders() const noexcept {
    return reminders_;
  }

  /// Seconds until the next reminder while down, on the caller's clock.
  double next_reminder() const noexcept {
    return next_reminder_;
  }

private:
  std::string component_;
  std::string brokers_;
  bool down_ = false;
  double down_since_ = 0;
  double next_reminder_ = 0;
  double reminder_gap_ = 1;
  int reminders_ = 0;
  uint64_t errors_ = 0;
  uint32_t logged_kinds_ = 0;
};

/// Tells `monitor` (if any) about a link change of `component`:
/// `(health_atom, component, "unhealthy"|"healthy", message)`.
void report_link_change(const caf::actor& monitor, const std::string& component,
                        const kafka_link_change& change);

/// Sends `monitor` (if any) a component's statistics `(stats_atom, component, json)` and
/// a heartbeat.
void report_kafka_stats(const caf::actor& monitor, const std::string& component,
                        std::string json);

} // namespace switchboard
