#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/fwd.hpp>
#include <caf/expected.hpp>

namespace switchboard {

/// Label pairs of one series, e.g. `{{"processor", "task"}}`; kept sorted by name.
using label_set = std::vector<std::pair<std::string, std::string>>;

/// What a metric family counts.
enum class metric_kind { counter, gauge, histogram };

/// The Prometheus type name of a kind: counter, gauge or histogram.
const char* to_string(metric_kind kind) noexcept;

/// Upper bounds in seconds of the latency buckets, 0.01 ms up to 10 s. Latency is kept
/// in seconds, the Prometheus base unit; the dashboard figures convert to milliseconds.
const std::vector<double>& latency_buckets_seconds();

/// Names of the metrics the pipeline components report.
namespace metric_names {
/// Counter `{processor}`: events a processor handled.
constexpr const char* events_processed = "events_processed_total";
/// Counter `{processor}`: events a processor failed to handle.
constexpr const char* events_failed = "events_failed_total";
/// Histogram `{processor}`: handling latency in seconds.
constexpr const char* event_latency = "event_latency_seconds";
/// Counter `{reason}`: events sent to the dead-letter topic.
constexpr const char* dead_letters = "dead_letters_total";
/// Gauge: tasks created and not yet completed, failed or refused.
constexpr const char* active_tasks = "active_tasks";
} // namespace metric_names

/// A value that only goes up.
class counter_metric {
public:
  /// Adds `amount`; negative amounts are ignored because counters never go down.
  void inc(double amount = 1) noexcept {
    if (amount > 0)
      value_ += amount;
  }

  /// The current total.
  double value() const noexcept {
    return value_;
  }

private:
  double value_ = 0;
};

/// A value that goes up and down.
class gauge_metric {
public:
  /// Replaces the value.
  void set(double value) noexcept {
    value_ = value;
  }

  /// Adds `amount` (may be negative).
  void inc(double amount = 1) noexcept {
    value_ += amount;
  }

  /// Subtracts `amount`.
  void dec(double amount = 1) noexcept {
    value_ -= amount;
  }

  /// The current value.
  double value() const noexcept {
    return value_;
  }

private:
  double value_ = 0;
};

/// Observations counted into fixed buckets, with sum, count, min and max.
class histogram_metric {
public:
  /// Creates a histogram over ascending finite upper bounds (a `+Inf` bucket is implied).
  explicit histogram_metric(std::shared_ptr<const std::vector<double>> bounds);

  /// Counts one observation; NaN is ignored.
  void observe(double value) noexcept;

  /// Adds the observations of a histogram with the same bounds.
  void merge(const histogram_metric& other);

  /// The finite upper bounds.
  const std::vector<double>& bounds() const noexcept {
    return *bounds_;
  }

  /// Observations per bucket (not cumulative); the last entry is the `+Inf` bucket.
  const std::vector<uint64_t>& bucket_counts() const noexcept {
    return counts_;
  }

  /// Number of observations.
  uint64_t count() const noexcept {
    return count_;
  }

  /// Sum of the observations.
  double sum() const noexcept {
    return sum_;
  }

  /// Mean of the observations, 0 when there are none.
  double mean() const noexcept;

  /// Estimates quantile `q` (0..1) by linear interpolation inside the bucket that holds
  /// it, clamped to the observed min and max; 0 when there are no observations.
  double quantile(double q) const noexcept;

private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

/// Per-second rate of a counter from samples taken at caller-given times.
class rate_window {
public:
  /// Creates a window spanning `window_seconds`.
  explicit rate_window(double window_seconds = 10);

  /// Records the counter's value at time `now` (seconds); older samples beyond the
  /// window are dropped, keeping one at or before the window's start.
  void sample(double now, double value);

  /// Increase per second between the oldest and newest kept samples; 0 with fewer than
  /// two samples.
  double rate() const noexcept;

  /// Increase between the oldest and newest kept samples.
  double increase() const noexcept;

  /// Whether two samples exist, so that `rate` and `increase` cover a time span.
  bool ready() const noexcept {
    return samples_.size() >= 2;
  }

private:
  double window_;
  std::deque<std::pair<double, double>> samples_;
};

/// Batched metric updates a component sends to the registry's owner; plain data that
/// can travel in an actor message.
struct metrics_delta {
  /// Adds to a counter.
  struct counter_add {
    std::string name;
    label_set labels;
    double amount = 0;
  };

  /// Sets a gauge.
  struct gauge_set {
    std::string name;
    label_set labels;
    double value = 0;
  };

  /// Observations for a histogram.
  struct histogram_observe {
    std::string name;
    label_set labels;
    std::vector<double> values;
  };

  /// Help text for a metric the receiver may not know yet.
  struct help_text {
    std::string name;
    std::string text;
  };

  std::vector<counter_add> counters;
  std::vector<gauge_set> gauges;
  std::vector<histogram_observe> histograms;
  std::vector<help_text> help;

  /// Adds `amount` to counter `name{labels}`, folding into an existing entry.
  void add(std::string_view name, const label_set& labels, double amount = 1);

  /// Sets gauge `name{labels}`; a later set of the same series replaces an earlier one.
  void set(std::string_view name, const label_set& labels, double value);

  /// Appends an observation for histogram `name{labels}`.
  void observe(std::string_view name, const label_set& labels, double value);

  /// Attaches help text for `name`.
  void describe(std::string_view name, std::string_view text);

  /// True when the delta carries no update.
  bool empty() const noexcept;

  /// Drops every update, keeping the capacity.
  void clear() noexcept;
};

/// Inspects a counter update for CAF serialization.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_delta::counter_add& x) {
  return f(x.name, x.labels, x.amount);
}

/// Inspects a gauge update for CAF serialization.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_delta::gauge_set& x) {
  return f(x.name, x.labels, x.value);
}

/// Inspects histogram observations for CAF serialization.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_delta::histogram_observe& x) {
  return f(x.name, x.labels, x.values);
}

/// Inspects a help text for CAF serialization.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_delta::help_text& x) {
  return f(x.name, x.text);
}

/// Inspects a whole delta for CAF serialization.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_delta& x) {
  return f(x.counters, x.gauges, x.histograms, x.help);
}

/// A reference to a metric value by name: a derived pipeline figure (`error_rate`), a
/// registry family summed over series (`dead_letters_total`), one label subset
/// (`events_processed_total{processor="task"}`) and an optional aggregate suffix
/// (`:rate`, `:avg`, `:p50`, `:p90`, `:p99`, `:count`, `:sum`).
struct metric_ref {
  /// Family or derived name.
  std::string name;
  /// Labels a series must carry to be included.
  label_set selector;
  /// Aggregate suffix without the colon; empty for the plain value.
  std::string aggregate;
};

/// Parses a metric reference; the error names the offending position.
caf::expected<metric_ref> parse_metric_ref(std::string_view text);

/// Whether `name` is a valid Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
bool valid_metric_name(std::string_view name) noexcept;

/// Whether `name` is a valid Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`, no `__`).
bool valid_label_name(std::string_view name) noexcept;

/// Counters, gauges and histograms with labels, owned by a single thread (no locks).
/// References returned by the accessors stay valid for the registry's lifetime, so an
/// owner can keep them for cheap updates on its hot path.
class metrics_registry {
public:
  /// One series of a family.
  struct series {
    label_set labels;
    counter_metric counter;
    gauge_metric gauge;
    std::optional<histogram_metric> histogram;
    std::optional<rate_window> rate;
  };

  /// A named family of series of one kind.
  struct family {
    metric_kind kind = metric_kind::counter;
    std::string help;
    std::shared_ptr<const std::vector<double>> bounds;
    std::map<label_set, series> series_by_labels;
  };

  /// Creates an empty registry whose counter rates span `rate_window_seconds`.
  explicit metrics_registry(double rate_window_seconds = 10);

  /// The counter `name{labels}`, created on first use. Throws std::invalid_argument
  /// when `name` or a label name is invalid or `name` is a family of another kind.
  counter_metric& counter(std::string_view name, label_set labels = {});

  /// The gauge `name{labels}`, created on first use; throws like `counter`.
  gauge_metric& gauge(std::string_view name, label_set labels = {});

  /// The histogram `name{labels}`, created on first use with the family's bounds
  /// (latency buckets unless `describe_histogram` chose others); throws like `counter`.
  histogram_metric& histogram(std::string_view name, label_set labels = {});

  /// Sets the help text of `name` (the family need not exist yet).
  void describe(std::string_view name, std::string_view help);

  /// Declares histogram family `name` with its help text and bucket bounds (ascending,
  /// finite); throws std::invalid_argument on bad bounds or a kind clash.
  void describe_histogram(std::string_view name, std::string_view help,
                          std::vector<double> bounds);

  /// Applies a delta; updates with bad names or a kind clash are skipped and counted
  /// in `rejected_updates`. Returns the number of updates applied.
  std::size_t merge(const metrics_delta& delta);

  /// Updates refused by `merge` since creation.
  uint64_t rejected_updates() const noexcept {
    return rejected_;
  }

  /// Samples every counter series at time `now` (seconds) for `rate` queries; a
  /// series created since the previous sample counts as 0 at that sample's time.
  void sample(double now);

  /// Families by name.
  const std::map<std::string, family, std::less<>>& families() const noexcept {
    return families_;
  }

  /// The family `name` or null.
  const family* find(std::string_view name) const noexcept;

  /// Resolves a metric reference against the registry and the derived pipeline
  /// figures; nothing when it names no known figure or family.
  std::optional<double> value(const metric_ref& ref) const;

  /// Parses `text` as a metric reference and resolves it.
  std::optional<double> value(std::string_view text) const;

  /// The JSON snapshot: `{name: {type, help, series: [{labels, value | histogram}]}}`.
  boost::json::value to_json() const;

  /// The Prometheus text exposition format (version 0.0.4).
  std::string to_prometheus() const;

private:
  series& get(std::string_view name, label_set& labels, metric_kind kind);

  family& declare(std::string_view name, metric_kind kind);

  double rate_window_;
  std::map<std::string, family, std::less<>> families_;
  std::map<std::string, std::string, std::less<>> pending_help_;
  std::optional<double> last_sample_;
  uint64_t rejected_ = 0;
};

/// Pipeline figures derived from the well-known metrics over the rate window.
struct pipeline_figures {
  /// Rate of `events_processed_total` over all processors.
  double events_per_second = 0;
  /// Mean of `event_latency_seconds` over all processors, in milliseconds.
  double avg_latency_ms = 0;
  /// Estimated median latency.
  double p50_latency_ms = 0;
  /// Estimated 90th percentile latency.
  double p90_latency_ms = 0;
  /// Estimated 99th percentile latency.
  double p99_latency_ms = 0;
  /// Failed per handled events over the rate window in percent (all time until the
  /// window has two samples).
  double error_rate = 0;
  /// The `active_tasks` gauge.
  double active_tasks = 0;
  /// Total dead-lettered events.
  double dead_letters_total = 0;
  /// Rate of `dead_letters_total`.
  double dead_letters_per_second = 0;
};

/// Computes the derived figures, optionally only over series labelled `processor=name`.
pipeline_figures derive_figures(const metrics_registry& registry,
                                std::string_view processor = {});

/// Names resolvable as derived figures: events_per_second, avg_latency_ms, ...
const std::vector<std::string>& derived_metric_names();

} // namespace switchboard
