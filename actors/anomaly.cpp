#include "actors/anomaly.hpp"

#include <algorithm>
#include <cmath>

namespace switchboard {

anomaly_detector::anomaly_detector(anomaly_options opts) : opts_(opts) {
  // The baseline never holds more than `window` values, so judging cannot wait longer.
  opts_.window = std::max<std::size_t>(opts_.window, 2);
  opts_.min_samples = std::min(opts_.min_samples, opts_.window);
}

anomaly_verdict anomaly_detector::observe(double value) {
  anomaly_verdict v;
  v.value = value;
  if (!std::isfinite(value))
    return v;
  auto n = values_.size();
  v.mean = mean_;
  auto variance = n > 1 ? m2_ / static_cast<double>(n - 1) : 0.0;
  v.stddev = std::max(std::sqrt(std::max(variance, 0.0)), opts_.relative_floor * std::abs(mean_));
  if (n >= opts_.min_samples && n > 0) {
    v.judged = true;
    if (v.stddev > 0)
      v.z = (value - mean_) / v.stddev;
    else if (value != mean_)
      v.z = value > mean_ ? HUGE_VAL : -HUGE_VAL;
    v.anomaly = std::abs(v.z) >= opts_.z_threshold;
  }
  if (n == opts_.window) {
    // Welford's update run backwards removes the oldest value.
    auto old = values_.front();
    values_.pop_front();
    auto m = static_cast<double>(n - 1);
    auto old_mean = mean_;
    mean_ = m > 0 ? (old_mean * static_cast<double>(n) - old) / m : 0;
    m2_ -= (old - old_mean) * (old - mean_);
    m2_ = std::max(m2_, 0.0);
  }
  values_.push_back(value);
  auto k = static_cast<double>(values_.size());
  auto delta = value - mean_;
  mean_ += delta / k;
  m2_ += delta * (value - mean_);
  return v;
}

} // namespace switchboard
