#include "actors/circuit_breaker.hpp"

#include <algorithm>

namespace switchboard {

const char* to_string(breaker_state s) noexcept {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

circuit_breaker::circuit_breaker(int failure_threshold, double open_seconds,
                                 std::size_t log_capacity)
  : threshold_(std::max(1, failure_threshold)),
    open_seconds_(std::max(0.0, open_seconds)),
    log_capacity_(std::max<std::size_t>(1, log_capacity)) {
  // nop
}

bool circuit_breaker::allow(double now) {
  switch (state_) {
    case breaker_state::closed:
      return true;
    case breaker_state::open:
      if (now < reopens_at())
        return false;
      move_to(breaker_state::half_open, now);
      trial_out_ = true;
      return true;
    case breaker_state::half_open:
      if (trial_out_)
        return false;
      trial_out_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::record_success(double now) {
  failures_ = 0;
  trial_out_ = false;
  if (state_ != breaker_state::closed)
    move_to(breaker_state::closed, now);
}

void circuit_breaker::record_failure(double now) {
  ++failures_;
  trial_out_ = false;
  if (state_ == breaker_state::half_open
      || (state_ == breaker_state::closed && failures_ >= threshold_)) {
    opened_at_ = now;
    move_to(breaker_state::open, now);
  }
}

void circuit_breaker::move_to(breaker_state to, double now) {
  if (log_.size() >= log_capacity_)
    log_.pop_front();
  log_.push_back(breaker_transition{now, state_, to});
  state_ = to;
}

} // namespace switchboard
