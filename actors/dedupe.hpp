#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/ordered_table.hpp"

namespace switchboard {

/// Drops repeats of the same key seen within a time window. The window counts from
/// the first sighting: a key repeated forever passes once per window.
class deduplicator {
public:
  /// Repeats within `window_seconds` are dropped; at most `max_keys` keys are held
  /// (beyond that the oldest is forgotten early).
  explicit deduplicator(double window_seconds, std::size_t max_keys = 100000);

  /// True when `key` should pass at `now`; false for a repeat within the window.
  bool admit(const std::string& key, double now);

  /// Repeats dropped.
  uint64_t dropped() const noexcept {
    return dropped_;
  }

  /// Keys held.
  std::size_t size() const noexcept {
    return seen_.size();
  }

  /// Keys forgotten before their window ended because the table was full.
  uint64_t evicted() const noexcept {
    return evicted_;
  }

private:
  void expire(double now);

  double window_;
  ordered_table<double> seen_;
  uint64_t dropped_ = 0;
  uint64_t evicted_ = 0;
};

} // namespace switchboard
