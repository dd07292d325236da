#pragma once

#include <cstdint>
#include <random>

namespace switchboard {

/// How a backoff delay is randomised.
enum class jitter : uint8_t {
  /// base * 2^attempt, capped.
  none,
  /// Uniform in [0, min(cap, base * 2^attempt)] ("full jitter").
  full,
  /// Uniform in [base, previous * 3], capped ("decorrelated jitter").
  decorrelated,
};

/// Exponential backoff with jitter: the delays before successive retries. Seeded, so
/// that a run repeats.
class backoff {
public:
  /// Delays starting at `base` and never above `cap` (same unit as `base`).
  backoff(double base, double cap, jitter kind = jitter::full, uint64_t seed = 1);

  /// The delay before the next retry; advances the sequence.
  double next();

  /// Starts the sequence over (after a success).
  void reset() noexcept;

  /// Delays handed out since the last reset.
  int attempts() const noexcept {
    return attempts_;
  }

private:
  double base_;
  double cap_;
  jitter kind_;
  int attempts_ = 0;
  double previous_;
  std::mt19937_64 rng_;
};

} // namespace switchboard
