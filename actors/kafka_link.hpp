#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include "actors/kafka_client.hpp"

namespace switchboard {

/// To a Kafka source or sink: `(kafka_fault_atom, reason)` makes librdkafka raise a
/// fabricated fatal error in its client, to exercise the recovery (tests and drills).
using kafka_fault_atom = caf::atom_constant<caf::atom("kfault")>;

/// A Kafka actor's self-message: librdkafka has something for `poll`.
using kafka_wake_atom = caf::atom_constant<caf::atom("kwake")>;

/// A change of a Kafka client's reachability, for the monitor.
struct kafka_link_change {
  /// True when the brokers became unreachable, false when they are back.
  bool down = false;
  /// One sentence for the health page and the log.
  std::string message;
};

/// Tracks whether a Kafka client is usable — it reaches its brokers and is not recovering
/// from a fatal error — and decides what to log: one warning when the brokers become
/// unreachable, reminders at growing intervals (1 s, 2 s, 4 s ... up to 60 s) while they
/// stay so, one line when they are back; an error line for each fatal error and one when
/// the client was recreated; other client errors are logged once per kind and then only
/// counted. Times are seconds on the caller's clock.
class kafka_link {
public:
  /// Tracks the link of `component` (`kafka_source`, `kafka_sink`) to `brokers`.
  kafka_link(std::string component, std::string brokers);

  /// Takes an error the client reported; returns a change when it means the brokers
  /// just became unreachable or the client failed fatally.
  std::optional<kafka_link_change> on_error(const kafka_client_error& err, double now);

  /// Takes the client's view (`brokers_down()`, `fatal_pending()`), polled regularly;
  /// returns a change when the link just became usable again.
  std::optional<kafka_link_change> on_tick(bool brokers_down, bool fatal_pending, double now);

  /// Whether the brokers are unreachable.
  bool down() const noexcept {
    return down_;
  }

  /// Whether the client is recovering from a fatal error.
  bool failed() const noexcept {
    return failed_;
  }

  /// Fatal errors the client recovered from.
  uint64_t recoveries() const noexcept {
    return recoveries_;
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
  bool failed_ = false;
  uint64_t recoveries_ = 0;
  double down_since_ = 0;
  double next_reminder_ = 0;
  double reminder_gap_ = 1;
  int reminders_ = 0;
  uint64_t errors_ = 0;
  uint32_t logged_kinds_ = 0;
};

/// Wakes an actor with `(kafka_wake_atom)` when its client has something for `poll`
/// (`kafka_client::set_wakeup`), with at most one wake-up message outstanding; holds the
/// actor weakly, so an actor owning its client does not keep itself alive.
class kafka_waker {
public:
  /// Wakes `target`.
  explicit kafka_waker(caf::weak_actor_ptr target) : target_(std::move(target)) {
    // nop
  }

  /// Called from a librdkafka thread: sends the wake-up unless one is outstanding.
  void wake();

  /// Called by the actor on a wake-up, before it polls.
  void rearm() noexcept {
    pending_.store(false, std::memory_order_release);
  }

private:
  caf::weak_actor_ptr target_;
  std::atomic<bool> pending_{false};
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
