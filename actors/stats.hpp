#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace switchboard {

/// The nearest-rank `p`-th percentile (0 < p <= 100) of `samples`, which it reorders;
/// 0 when empty.
double percentile(std::vector<double>& samples, double p);

/// Count, sum, minimum and maximum of a series of durations or values.
struct summary_stats {
  /// Values added.
  uint64_t count = 0;
  /// Sum of the values.
  double total = 0;
  /// Smallest value; 0 while empty.
  double min = 0;
  /// Largest value; 0 while empty.
  double max = 0;

  /// Adds one value.
  void add(double x) noexcept;

  /// The mean; 0 while empty.
  double mean() const noexcept {
    return count == 0 ? 0 : total / static_cast<double>(count);
  }
};

/// The most recent `capacity` values of a series, for recent averages and percentiles.
class sample_ring {
public:
  /// A ring keeping the last `capacity` values (at least one).
  explicit sample_ring(std::size_t capacity);

  /// Adds a value, overwriting the oldest when full.
  void add(double x);

  /// Values held.
  std::size_t size() const noexcept {
    return values_.size();
  }

  /// Mean of the held values; 0 while empty. Constant time: the agent pool asks for it
  /// on every assignment.
  double mean() const noexcept;

  /// Nearest-rank percentile of the held values; 0 while empty.
  double percentile(double p) const;

private:
  std::size_t capacity_;
  std::size_t next_ = 0;
  std::vector<double> values_;
  double total_ = 0;
};

/// A uniform sample of at most `capacity` values of a series of any length
/// (reservoir sampling, seeded so that runs repeat), with the exact count.
class sample_reservoir {
public:
  /// A reservoir of at most `capacity` values drawing from a generator seeded with `seed`.
  explicit sample_reservoir(std::size_t capacity, uint64_t seed = 1);

  /// Offers one value.
  void add(double x);

  /// Values offered so far.
  uint64_t seen() const noexcept {
    return seen_;
  }

  /// The values kept; all of them while `seen() <= capacity`.
  const std::vector<double>& values() const noexcept {
    return values_;
  }

private:
  std::size_t capacity_;
  uint64_t seen_ = 0;
  std::vector<double> values_;
  std::mt19937_64 rng_;
};

} // namespace switchboard
