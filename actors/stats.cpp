#include "actors/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace switchboard {

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty())
    return 0;
  auto n = samples.size();
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
  auto index = std::min(n - 1, rank > 0 ? rank - 1 : 0);
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                   samples.end());
  return samples[index];
}

void summary_stats::add(double x) noexcept {
  if (count == 0 || x < min)
    min = x;
  if (count == 0 || x > max)
    max = x;
  ++count;
  total += x;
}

sample_ring::sample_ring(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {
  values_.reserve(capacity_);
}

void sample_ring::add(double x) {
  if (values_.size() < capacity_) {
    values_.push_back(x);
    total_ += x;
    return;
  }
  total_ += x - values_[next_];
  values_[next_] = x;
  next_ = (next_ + 1) % capacity_;
  // Adding and subtracting rounds a little each time; summing afresh once per lap
  // keeps the error to what one lap can gather.
  if (next_ == 0)
    total_ = std::accumulate(values_.begin(), values_.end(), 0.0);
}

double sample_ring::mean() const noexcept {
  if (values_.empty())
    return 0;
  return total_ / static_cast<double>(values_.size());
}

double sample_ring::percentile(double p) const {
  auto copy = values_;
  return switchboard::percentile(copy, p);
}

sample_reservoir::sample_reservoir(std::size_t capacity, uint64_t seed)
  : capacity_(capacity > 0 ? capacity : 1), rng_(seed) {
  // nop
}

void sample_reservoir::add(double x) {
  ++seen_;
  if (values_.size() < capacity_) {
    values_.push_back(x);
    return;
  }
  // Algorithm R: the new value replaces a kept one with probability capacity / seen.
  std::uniform_int_distribution<uint64_t> pick(0, seen_ - 1);
  auto slot = pick(rng_);
  if (slot < capacity_)
    values_[slot] = x;
}

} // namespace switchboard
