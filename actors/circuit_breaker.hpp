#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace switchboard {

/// The state of a circuit breaker.
enum class breaker_state : uint8_t { closed, open, half_open };

/// The stable name of a breaker state, e.g. `half_open`.
const char* to_string(breaker_state s) noexcept;

/// One state change of a breaker.
struct breaker_transition {
  /// When it happened, in the caller's seconds.
  double at = 0;
  /// State before.
  breaker_state from = breaker_state::closed;
  /// State after.
  breaker_state to = breaker_state::closed;
};

/// A circuit breaker for one endpoint: closed until `failure_threshold` consecutive
/// failures open it; after `open_seconds` it lets one trial through (half-open),
/// which closes it on success and opens it again on failure.
class circuit_breaker {
public:
  /// A closed breaker; keeps the last `log_capacity` transitions.
  circuit_breaker(int failure_threshold, double open_seconds, std::size_t log_capacity = 64);

  /// Whether a request may go out at `now`; in half-open state only the one trial
  /// may, and a true answer there claims it.
  bool allow(double now);

  /// Records a successful request.
  void record_success(double now);

  /// Records a failed request.
  void record_failure(double now);

  /// The current state (an open breaker whose wait is over still reads open until
  /// `allow` is asked).
  breaker_state state() const noexcept {
    return state_;
  }

  /// When an open breaker will allow a trial.
  double reopens_at() const noexcept {
    return opened_at_ + open_seconds_;
  }

  /// Failures since the last success.
  int consecutive_failures() const noexcept {
    return failures_;
  }

  /// The most recent transitions, oldest first.
  const std::deque<breaker_transition>& transitions() const noexcept {
    return log_;
  }

private:
  void move_to(breaker_state to, double now);

  int threshold_;
  double open_seconds_;
  std::size_t log_capacity_;
  breaker_state state_ = breaker_state::closed;
  int failures_ = 0;
  double opened_at_ = 0;
  bool trial_out_ = false;
  std::deque<breaker_transition> log_;
};

} // namespace switchboard
