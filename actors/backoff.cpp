#include "actors/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace switchboard {

backoff::backoff(double base, double cap, jitter kind, uint64_t seed)
  : base_(std::max(base, 0.0)), cap_(std::max(cap, base_)), kind_(kind), previous_(base_),
    rng_(seed) {
  // nop
}

double backoff::next() {
  // 2^attempt overflows nothing that matters once it passes the cap.
  auto exponential = std::min(cap_, base_ * std::ldexp(1.0, std::min(attempts_, 60)));
  ++attempts_;
  switch (kind_) {
    case jitter::none:
      return exponential;
    case jitter::full:
      return std::uniform_real_distribution<double>{0, exponential}(rng_);
    case jitter::decorrelated: {
      auto hi = std::max(base_, previous_ * 3);
      previous_ = std::min(cap_, std::uniform_real_distribution<double>{base_, hi}(rng_));
      return previous_;
    }
  }
  return exponential;
}

void backoff::reset() noexcept {
  attempts_ = 0;
  previous_ = base_;
}

} // namespace switchboard
