#pragma once

#include <cstdint>

namespace switchboard {

/// xoshiro256** (Blackman and Vigna): 64 random bits per call in a handful of
/// instructions, where the Mersenne Twister's state refills showed in profiles. Not for
/// secrets.
class random_bits {
public:
  /// A generator whose sequence is fixed by `seed` (spread over the state by splitmix64,
  /// as the authors advise).
  explicit random_bits(uint64_t seed) noexcept {
    for (auto& word : state_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  /// The next 64 bits.
  uint64_t operator()() noexcept {
    auto result = rotl(state_[1] * 5, 7) * 9;
    auto t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  /// Smallest value `operator()` returns, for standard distributions.
  static constexpr uint64_t min() noexcept {
    return 0;
  }

  /// Largest value `operator()` returns, for standard distributions.
  static constexpr uint64_t max() noexcept {
    return UINT64_MAX;
  }

  /// The result type, for standard distributions.
  using result_type = uint64_t;

private:
  static uint64_t rotl(uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }

  uint64_t state_[4];
};

} // namespace switchboard
