#pragma once

#include <cstddef>
#include <deque>

namespace switchboard {

/// Settings of z-score anomaly detection.
struct anomaly_options {
  /// |z| at or above which a value is an anomaly.
  double z_threshold = 3;
  /// Values seen before any judgement.
  std::size_t min_samples = 10;
  /// Recent values forming the baseline.
  std::size_t window = 60;
  /// Smallest standard deviation assumed, as a share of |mean|, so that a nearly
  /// constant series does not flag tiny changes.
  double relative_floor = 0.01;
};

/// The judgement of one value against the baseline before it.
struct anomaly_verdict {
  /// The value judged.
  double value = 0;
  /// Mean of the baseline.
  double mean = 0;
  /// Standard deviation of the baseline (after the floor).
  double stddev = 0;
  /// (value - mean) / stddev; 0 before judging.
  double z = 0;
  /// False while fewer than `min_samples` values were seen.
  bool judged = false;
  /// True when judged and |z| >= threshold.
  bool anomaly = false;
};

/// Z-score anomaly detection over a series such as event rates: each value is judged
/// against the mean and variance of the previous `window` values (Welford's update,
/// with removal of the value leaving the window), then joins the baseline.
class anomaly_detector {
public:
  /// A detector with the given settings.
  explicit anomaly_detector(anomaly_options opts = {});

  /// Judges `value`, then adds it to the baseline.
  anomaly_verdict observe(double value);

  /// Values in the baseline.
  std::size_t samples() const noexcept {
    return values_.size();
  }

private:
  anomaly_options opts_;
  std::deque<double> values_;
  double mean_ = 0;
  double m2_ = 0;
};

} // namespace switchboard
