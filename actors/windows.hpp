#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

#include "actors/error.hpp"
#include "actors/stats.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// The shape of an analytics window.
enum class window_kind : uint8_t { tumbling, sliding, session };

/// The stable name of a window kind, e.g. `sliding`.
const char* to_string(window_kind k) noexcept;

/// Memory limits of a window aggregator.
struct window_limits {
  /// Distinct keys tracked at once; events of further keys count under `other`.
  std::size_t max_keys = 1024;
  /// Latencies kept per pane (a uniform sample beyond that).
  std::size_t max_samples = 4096;
  /// Seed of the sampling, so that runs repeat.
  uint64_t seed = 1;
};

/// One closed window of one key.
struct window_result {
  /// The window's shape.
  window_kind kind = window_kind::tumbling;
  /// The key, usually an event type.
  std::string key;
  /// Start time in seconds (inclusive); a session's first event.
  double start = 0;
  /// End time in seconds (exclusive); a session's last event.
  double end = 0;
  /// Events in the window.
  uint64_t count = 0;
  /// Events per second over the window; for a session over its span, 0 when the
  /// session is a single instant.
  double rate = 0;
  /// Events that carried a latency.
  uint64_t latency_count = 0;
  /// Median latency, in the unit given to `add`.
  double p50 = 0;
  /// 95th percentile latency.
  double p95 = 0;
  /// 99th percentile latency.
  double p99 = 0;
};

/// Counts, rates and latency percentiles per key over tumbling, sliding or session
/// windows. Time is given by the caller: `add` stamps events, `advance` closes the
/// windows that ended and returns them.
///
/// Tumbling windows are `[k*size, (k+1)*size)`; sliding windows end every `slide`
/// seconds and span `size` (a multiple of `slide`); a session closes after `gap`
/// seconds without events. A window is reported only when it holds events, and a
/// key with no events left in any open window is forgotten, so memory follows the
/// active keys (bounded by `max_keys`) and never the silent time in between.
class window_aggregator {
public:
  /// Checks a window spec and builds the aggregator; `bad_setting` names the problem.
  static caf::expected<window_aggregator> make(const window_spec& spec,
                                               window_limits limits = {});

  /// Counts one event of `key` at time `t` with an optional latency; false when the
  /// event is late (its window has already been reported) and was dropped.
  bool add(const std::string& key, double t, std::optional<double> latency = std::nullopt);

  /// Closes every window that ended at or before `now` and returns them ordered by
  /// end time, then key.
  std::vector<window_result> advance(double now);

  /// The window's shape.
  window_kind kind() const noexcept {
    return kind_;
  }

  /// Keys with open windows.
  std::size_t keys() const noexcept {
    return keys_.size();
  }

  /// Events dropped as late.
  uint64_t late() const noexcept {
    return late_;
  }

private:
  struct pane {
    int64_t index; // pane start = index * step (tumbling, sliding)
    double first;  // first event time (session)
    double last;   // last event time (session)
    uint64_t count;
    sample_reservoir latencies;
  };

  struct key_state {
    std::deque<pane> panes;
    int64_t next_end = 0; // index of the next window end to report
  };

  window_aggregator(window_kind kind, double size, double step, double gap,
                    window_limits limits);

  pane new_pane(int64_t index, double t);

  key_state* state_for(const std::string& key);

  void add_sample(pane& p, std::optional<double> latency);

  static void accumulate(window_result& r, std::vector<double>& samples, const pane& p);

  static void finish(window_result& r, std::vector<double>& samples);

  void advance_panes(const std::string& key, key_state& st, int64_t now_index,
                     std::vector<window_result>& out);

  window_result close_session(const std::string& key, const pane& p) const;

  window_kind kind_;
  double size_;
  double step_;
  int64_t panes_per_window_;
  double gap_;
  window_limits limits_;
  uint64_t samples_made_ = 0;
  int64_t closed_index_; // panes below this index belong to reported windows
  double watermark_;     // latest time given to advance
  uint64_t late_ = 0;
  std::unordered_map<std::string, key_state> keys_;
  std::vector<window_result> closed_early_;
};

} // namespace switchboard
