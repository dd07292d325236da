#include "monitor/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/json.hpp>

#include "routes/error.hpp"

namespace switchboard {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size()
         && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// promtool's linter refuses counters without `_total`, other kinds with it, and
// camelCase names; refusing them at creation keeps every exposition lint-clean.
std::string name_problem(std::string_view name, metric_kind kind) {
  std::string quoted = "metric name '" + std::string{name} + "'";
  if (!valid_metric_name(name))
    return quoted + " is not a valid Prometheus name ([a-zA-Z_:][a-zA-Z0-9_:]*)";
  if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return quoted + " must be snake_case";
  bool total = ends_with(name, "_total");
  if (kind == metric_kind::counter && !total)
    return quoted + " names a counter and must end in _total";
  if (kind != metric_kind::counter && total)
    return quoted + " ends in _total, which is reserved for counters";
  if (kind == metric_kind::histogram
      && (ends_with(name, "_bucket") || ends_with(name, "_sum") || ends_with(name, "_count")))
    return quoted + " ends in a suffix reserved for histogram series";
  return {};
}

std::string normalize(label_set& labels) {
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!valid_label_name(labels[i].first))
      return "label name '" + labels[i].first + "' is not valid ([a-zA-Z_][a-zA-Z0-9_]*)";
    if (labels[i].first == "le")
      return "label name 'le' is reserved for histogram buckets";
    if (i > 0 && labels[i].first == labels[i - 1].first)
      return "label name '" + labels[i].first + "' appears twice";
  }
  return {};
}

std::string default_help(std::string_view name) {
  static const std::map<std::string_view, std::string_view> known{
    {metric_names::events_processed, "Events a processor handled, failed ones included."},
    {metric_names::events_failed, "Events a processor failed to handle."},
    {metric_names::event_latency, "Time a processor took to handle an event, in seconds."},
    {metric_names::dead_letters, "Events sent to the dead-letter topic."},
    {metric_names::active_tasks, "Tasks created and not yet completed, failed or refused."},
  };
  if (auto i = known.find(name); i != known.end())
    return std::string{i->second};
  std::string text{name};
  std::replace(text.begin(), text.end(), '_', ' ');
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z')
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text + ".";
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), value);
    out.append(buf, res.ptr);
  }
}

void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out.push_back(c);
  }
}

void append_labels(std::string& out, const label_set& labels, const char* le = nullptr) {
  if (labels.empty() && le == nullptr)
    return;
  out.push_back('{');
  bool first = true;
  for (auto& [key, val] : labels) {
    if (!first)
      out.push_back(',');
    first = false;
    out += key;
    out += "=\"";
    append_escaped(out, val, true);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!first)
      out.push_back(',');
    out += "le=\"";
    out += le;
    out.push_back('"');
  }
  out.push_back('}');
}

bool selected(const label_set& labels, const label_set& selector) {
  // Both are sorted by name, so one merge-like pass decides inclusion.
  return std::includes(labels.begin(), labels.end(), selector.begin(), selector.end());
}

template <class F>
void for_selected(const metrics_registry::family* fam, const label_set& selector, F f) {
  if (fam == nullptr)
    return;
  for (auto& [labels, s] : fam->series_by_labels)
    if (selected(labels, selector))
      f(s);
}

// Folds the selected series of a histogram family into one histogram.
std::optional<histogram_metric> merged_histogram(const metrics_registry::family* fam,
                                                 const label_set& selector) {
  if (fam == nullptr || fam->kind != metric_kind::histogram)
    return std::nullopt;
  std::optional<histogram_metric> result;
  for_selected(fam, selector, [&](const metrics_registry::series& s) {
    if (!result)
      result.emplace(*s.histogram);
    else
      result->merge(*s.histogram);
  });
  return result;
}

const std::vector<std::string>& aggregate_names() {
  static const std::vector<std::string> names{"rate", "avg",   "p50", "p90",
                                              "p99",  "count", "sum"};
  return names;
}

} // namespace

const char* to_string(metric_kind kind) noexcept {
  switch (kind) {
    case metric_kind::counter:
      return "counter";
    case metric_kind::gauge:
      return "gauge";
    case metric_kind::histogram:
      return "histogram";
  }
  return "untyped";
}

const std::vector<double>& latency_buckets_seconds() {
  static const std::vector<double> bounds{
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
    0.025,   0.05,     0.1,     0.25,   0.5,     1,      2.5,   5,      10};
  return bounds;
}

// -- histogram_metric ---------------------------------------------------------

histogram_metric::histogram_metric(std::shared_ptr<const std::vector<double>> bounds)
  : bounds_(std::move(bounds)), counts_(bounds_->size() + 1, 0) {
  // nop
}

void histogram_metric::observe(double value) noexcept {
  if (std::isnan(value))
    return;
  auto i = std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin();
  ++counts_[static_cast<size_t>(i)];
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
}

void histogram_metric::merge(const histogram_metric& other) {
  if (*other.bounds_ != *bounds_)
    throw std::invalid_argument("histograms with different buckets cannot be merged");
  if (other.count_ == 0)
    return;
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double histogram_metric::mean() const noexcept {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

double histogram_metric::quantile(double q) const noexcept {
  if (count_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = q * static_cast<double>(count_);
  uint64_t below = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    auto in_bucket = counts_[i];
    if (in_bucket == 0 || static_cast<double>(below + in_bucket) < rank) {
      below += in_bucket;
      continue;
    }
    // The bucket spans (lower, upper]; the observed extremes narrow the outer buckets.
    double lower = i == 0 ? std::min(min_, (*bounds_)[0]) : (*bounds_)[i - 1];
    double upper = i < bounds_->size() ? (*bounds_)[i] : max_;
    lower = std::max(lower, min_);
    upper = std::min(upper, max_);
    double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
    return std::clamp(lower + (upper - lower) * fraction, min_, max_);
  }
  return max_;
}

// -- rate_window --------------------------------------------------------------

rate_window::rate_window(double window_seconds) : window_(window_seconds) {
  // nop
}

void rate_window::sample(double now, double value) {
  if (!samples_.empty() && now <= samples_.back().first) {
    // A repeated or out-of-order time updates the latest sample instead of adding one.
    samples_.back().second = value;
    return;
  }
  samples_.emplace_back(now, value);
  auto start = now - window_;
  while (samples_.size() > 2 && samples_[1].first <= start)
    samples_.pop_front();
}

double rate_window::increase() const noexcept {
  if (samples_.size() < 2)
    return 0;
  return std::max(0.0, samples_.back().second - samples_.front().second);
}

double rate_window::rate() const noexcept {
  if (samples_.size() < 2)
    return 0;
  auto dt = samples_.back().first - samples_.front().first;
  return dt > 0 ? increase() / dt : 0;
}

// -- metrics_delta ------------------------------------------------------------

namespace {

template <class Vec>
auto* find_entry(Vec& entries, std::string_view name, const label_set& labels) {
  // Batches touch few series, and the last one touched is the likeliest next.
  for (auto i = entries.rbegin(); i != entries.rend(); ++i)
    if (i->name == name && i->labels == labels)
      return &*i;
  return static_cast<typename Vec::value_type*>(nullptr);
}

} // namespace

void metrics_delta::add(std::string_view name, const label_set& labels, double amount) {
  if (auto* e = find_entry(counters, name, labels))
    e->amount += amount;
  else
    counters.push_back({std::string{name}, labels, amount});
}

void metrics_delta::set(std::string_view name, const label_set& labels, double value) {
  if (auto* e = find_entry(gauges, name, labels))
    e->value = value;
  else
    gauges.push_back({std::string{name}, labels, value});
}

void metrics_delta::observe(std::string_view name, const label_set& labels, double value) {
  if (auto* e = find_entry(histograms, name, labels))
    e->values.push_back(value);
  else
    histograms.push_back({std::string{name}, labels, {value}});
}

void metrics_delta::describe(std::string_view name, std::string_view text) {
  help.push_back({std::string{name}, std::string{text}});
}

bool metrics_delta::empty() const noexcept {
  return counters.empty() && gauges.empty() && histograms.empty() && help.empty();
}

void metrics_delta::clear() noexcept {
  counters.clear();
  gauges.clear();
  histograms.clear();
  help.clear();
}

// -- names and references -----------------------------------------------------

bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty())
    return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
              || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) noexcept {
  if (name.empty() || name.substr(0, 2) == "__")
    return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
              || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

caf::expected<metric_ref> parse_metric_ref(std::string_view text) {
  auto fail = [&](size_t pos, const std::string& what) {
    return caf::make_error(route_errc::bad_config, "metric '" + std::string{text}
                                                     + "' at offset " + std::to_string(pos)
                                                     + ": " + what);
  };
  metric_ref ref;
  size_t pos = 0;
  while (pos < text.size() && text[pos] != '{')
    ++pos;
  std::string_view head = text.substr(0, pos);
  std::string_view tail;
  if (pos < text.size()) {
    auto close = text.find('}', pos);
    if (close == std::string_view::npos)
      return fail(pos, "missing '}'");
    // Parse `k="v",k="v"` between the braces.
    size_t i = pos + 1;
    while (i < close) {
      auto eq = text.find('=', i);
      if (eq == std::string_view::npos || eq > close)
        return fail(i, "expected label=\"value\"");
      std::string key{text.substr(i, eq - i)};
      if (!valid_label_name(key))
        return fail(i, "label name '" + key + "' is not valid");
      if (eq + 1 >= close || text[eq + 1] != '"')
        return fail(eq + 1, "label value must be quoted");
      std::string value;
      size_t j = eq + 2;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size())
          ++j;
        value.push_back(text[j]);
      }
      if (j >= text.size())
        return fail(eq + 1, "unterminated label value");
      ref.selector.emplace_back(std::move(key), std::move(value));
      close = text.find('}', j + 1);
      if (close == std::string_view::npos)
        return fail(j, "missing '}'");
      i = j + 1;
      if (i < close && text[i] == ',')
        ++i;
      else if (i != close)
        return fail(i, "expected ',' or '}'");
    }
    tail = text.substr(close + 1);
  }
  // An aggregate suffix comes after the selector, or after the name without one; a
  // colon followed by anything else is part of the name (recording-rule style).
  auto take_aggregate = [&](std::string_view s, std::string_view& rest) {
    auto colon = s.rfind(':');
    if (colon != std::string_view::npos) {
      std::string agg{s.substr(colon + 1)};
      auto& known = aggregate_names();
      if (std::find(known.begin(), known.end(), agg) != known.end()) {
        ref.aggregate = std::move(agg);
        rest = s.substr(0, colon);
        return true;
      }
    }
    rest = s;
    return false;
  };
  if (!tail.empty()) {
    std::string_view rest;
    if (!take_aggregate(tail, rest) || !rest.empty())
      return fail(text.size() - tail.size(),
                  "expected :rate, :avg, :p50, :p90, :p99, :count or :sum after '}'");
  } else {
    take_aggregate(head, head);
  }
  ref.name = std::string{head};
  if (!valid_metric_name(ref.name))
    return fail(0, "'" + ref.name + "' is not a valid metric name");
  if (auto err = normalize(ref.selector); !err.empty())
    return fail(pos, err);
  return ref;
}

// -- metrics_registry ---------------------------------------------------------

metrics_registry::metrics_registry(double rate_window_seconds)
  : rate_window_(rate_window_seconds) {
  // nop
}

metrics_registry::family& metrics_registry::declare(std::string_view name, metric_kind kind) {
  auto i = families_.find(name);
  if (i != families_.end()) {
    if (i->second.kind != kind)
      throw std::invalid_argument("metric '" + std::string{name} + "' is a "
                                  + to_string(i->second.kind) + ", not a "
                                  + to_string(kind));
    return i->second;
  }
  if (auto err = name_problem(name, kind); !err.empty())
    throw std::invalid_argument(err);
  family fam;
  fam.kind = kind;
  if (auto h = pending_help_.find(name); h != pending_help_.end()) {
    fam.help = std::move(h->second);
    pending_help_.erase(h);
  } else {
    fam.help = default_help(name);
  }
  if (kind == metric_kind::histogram)
    fam.bounds = std::make_shared<const std::vector<double>>(latency_buckets_seconds());
  return families_.emplace(std::string{name}, std::move(fam)).first->second;
}

metrics_registry::series&
metrics_registry::get(std::string_view name, label_set& labels, metric_kind kind) {
  auto& fam = declare(name, kind);
  if (auto err = normalize(labels); !err.empty())
    throw std::invalid_argument("metric '" + std::string{name} + "': " + err);
  auto i = fam.series_by_labels.find(labels);
  if (i != fam.series_by_labels.end())
    return i->second;
  series s;
  s.labels = labels;
  if (kind == metric_kind::histogram)
    s.histogram.emplace(fam.bounds);
  if (kind == metric_kind::counter && last_sample_) {
    // Counted from zero since the previous sample, so its first rate is not lost.
    s.rate.emplace(rate_window_);
    s.rate->sample(*last_sample_, 0);
  }
  return fam.series_by_labels.emplace(std::move(labels), std::move(s)).first->second;
}

counter_metric& metrics_registry::counter(std::string_view name, label_set labels) {
  return get(name, labels, metric_kind::counter).counter;
}

gauge_metric& metrics_registry::gauge(std::string_view name, label_set labels) {
  return get(name, labels, metric_kind::gauge).gauge;
}

histogram_metric& metrics_registry::histogram(std::string_view name, label_set labels) {
  return *get(name, labels, metric_kind::histogram).histogram;
}

void metrics_registry::describe(std::string_view name, std::string_view help) {
  if (auto i = families_.find(name); i != families_.end())
    i->second.help = std::string{help};
  else
    pending_help_[std::string{name}] = std::string{help};
}

void metrics_registry::describe_histogram(std::string_view name, std::string_view help,
                                          std::vector<double> bounds) {
  if (bounds.empty())
    throw std::invalid_argument("histogram '" + std::string{name} + "' needs buckets");
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw std::invalid_argument("histogram '" + std::string{name}
                                  + "' buckets must be finite and ascending");
  auto& fam = declare(name, metric_kind::histogram);
  fam.help = std::string{help};
  if (*fam.bounds != bounds) {
    if (!fam.series_by_labels.empty())
      throw std::invalid_argument("histogram '" + std::string{name}
                                  + "' already has series with other buckets");
    fam.bounds = std::make_shared<const std::vector<double>>(std::move(bounds));
  }
}

std::size_t metrics_registry::merge(const metrics_delta& delta) {
  std::size_t applied = 0;
  auto apply = [&](auto& entry, metric_kind kind, auto update) {
    label_set labels = entry.labels;
    try {
      update(get(entry.name, labels, kind));
      ++applied;
    } catch (const std::invalid_argument&) {
      ++rejected_;
    }
  };
  for (auto& h : delta.help)
    describe(h.name, h.text);
  for (auto& c : delta.counters)
    apply(c, metric_kind::counter, [&](series& s) { s.counter.inc(c.amount); });
  for (auto& g : delta.gauges)
    apply(g, metric_kind::gauge, [&](series& s) { s.gauge.set(g.value); });
  for (auto& h : delta.histograms)
    apply(h, metric_kind::histogram, [&](series& s) {
      for (auto v : h.values)
        s.histogram->observe(v);
    });
  return applied;
}

void metrics_registry::sample(double now) {
  for (auto& [name, fam] : families_) {
    if (fam.kind != metric_kind::counter)
      continue;
    for (auto& [labels, s] : fam.series_by_labels) {
      if (!s.rate)
        s.rate.emplace(rate_window_);
      s.rate->sample(now, s.counter.value());
    }
  }
  last_sample_ = now;
}

const metrics_registry::family* metrics_registry::find(std::string_view name) const noexcept {
  auto i = families_.find(name);
  return i == families_.end() ? nullptr : &i->second;
}

std::optional<double> metrics_registry::value(std::string_view text) const {
  auto ref = parse_metric_ref(text);
  if (!ref)
    return std::nullopt;
  return value(*ref);
}

std::optional<double> metrics_registry::value(const metric_ref& ref) const {
  auto& derived = derived_metric_names();
  bool by_processor = ref.selector.size() == 1 && ref.selector[0].first == "processor";
  if (ref.aggregate.empty() && (ref.selector.empty() || by_processor)
      && std::find(derived.begin(), derived.end(), ref.name) != derived.end()) {
    auto f = derive_figures(*this, by_processor ? ref.selector[0].second : std::string{});
    static const std::map<std::string_view, double pipeline_figures::*> fields{
      {"events_per_second", &pipeline_figures::events_per_second},
      {"avg_latency_ms", &pipeline_figures::avg_latency_ms},
      {"p50_latency_ms", &pipeline_figures::p50_latency_ms},
      {"p90_latency_ms", &pipeline_figures::p90_latency_ms},
      {"p99_latency_ms", &pipeline_figures::p99_latency_ms},
      {"error_rate", &pipeline_figures::error_rate},
      {"active_tasks", &pipeline_figures::active_tasks},
      {"dead_letters_total", &pipeline_figures::dead_letters_total},
      {"dead_letters_per_second", &pipeline_figures::dead_letters_per_second},
    };
    return f.*(fields.at(ref.name));
  }
  auto* fam = find(ref.name);
  if (fam == nullptr)
    return std::nullopt;
  if (fam->kind == metric_kind::histogram) {
    auto h = merged_histogram(fam, ref.selector);
    if (!h)
      return std::nullopt;
    const auto& agg = ref.aggregate;
    if (agg.empty() || agg == "avg")
      return h->mean();
    if (agg == "p50" || agg == "p90" || agg == "p99")
      return h->quantile(std::stod(agg.substr(1)) / 100);
    if (agg == "count")
      return static_cast<double>(h->count());
    if (agg == "sum")
      return h->sum();
    return std::nullopt;
  }
  if (!ref.aggregate.empty() && ref.aggregate != "rate")
    return std::nullopt;
  if (ref.aggregate == "rate" && fam->kind != metric_kind::counter)
    return std::nullopt;
  std::optional<double> total;
  for_selected(fam, ref.selector, [&](const series& s) {
    double v = 0;
    if (ref.aggregate == "rate")
      v = s.rate ? s.rate->rate() : 0;
    else
      v = fam->kind == metric_kind::counter ? s.counter.value() : s.gauge.value();
    total = total.value_or(0) + v;
  });
  return total;
}

boost::json::value metrics_registry::to_json() const {
  boost::json::object out;
  for (auto& [name, fam] : families_) {
    boost::json::array series_json;
    for (auto& [labels, s] : fam.series_by_labels) {
      boost::json::object entry;
      boost::json::object labels_json;
      for (auto& [k, v] : labels)
        labels_json[k] = v;
      entry["labels"] = std::move(labels_json);
      switch (fam.kind) {
        case metric_kind::counter:
          entry["value"] = s.counter.value();
          entry["rate"] = s.rate ? s.rate->rate() : 0.0;
          break;
        case metric_kind::gauge:
          entry["value"] = s.gauge.value();
          break;
        case metric_kind::histogram: {
          auto& h = *s.histogram;
          entry["count"] = h.count();
          entry["sum"] = h.sum();
          entry["mean"] = h.mean();
          entry["p50"] = h.quantile(0.5);
          entry["p90"] = h.quantile(0.9);
          entry["p99"] = h.quantile(0.99);
          boost::json::array buckets;
          uint64_t cumulative = 0;
          for (size_t i = 0; i < h.bucket_counts().size(); ++i) {
            cumulative += h.bucket_counts()[i];
            boost::json::object b;
            if (i < h.bounds().size())
              b["le"] = h.bounds()[i];
            else
              b["le"] = "+Inf";
            b["count"] = cumulative;
            buckets.push_back(std::move(b));
          }
          entry["buckets"] = std::move(buckets);
          break;
        }
      }
      series_json.push_back(std::move(entry));
    }
    boost::json::object fam_json;
    fam_json["type"] = to_string(fam.kind);
    fam_json["help"] = fam.help;
    fam_json["series"] = std::move(series_json);
    out[name] = std::move(fam_json);
  }
  return out;
}

std::string metrics_registry::to_prometheus() const {
  std::string out;
  for (auto& [name, fam] : families_) {
    out += "# HELP ";
    out += name;
    out.push_back(' ');
    append_escaped(out, fam.help, false);
    out += "\n# TYPE ";
    out += name;
    out.push_back(' ');
    out += to_string(fam.kind);
    out.push_back('\n');
    for (auto& [labels, s] : fam.series_by_labels) {
      if (fam.kind != metric_kind::histogram) {
        out += name;
        append_labels(out, labels);
        out.push_back(' ');
        append_number(out, fam.kind == metric_kind::counter ? s.counter.value()
                                                            : s.gauge.value());
        out.push_back('\n');
        continue;
      }
      auto& h = *s.histogram;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < h.bucket_counts().size(); ++i) {
        cumulative += h.bucket_counts()[i];
        std::string le;
        if (i < h.bounds().size())
          append_number(le, h.bounds()[i]);
        else
          le = "+Inf";
        out += name;
        out += "_bucket";
        append_labels(out, labels, le.c_str());
        out.push_back(' ');
        out += std::to_string(cumulative);
        out.push_back('\n');
      }
      out += name;
      out += "_sum";
      append_labels(out, labels);
      out.push_back(' ');
      append_number(out, h.sum());
      out += '\n';
      out += name;
      out += "_count";
      append_labels(out, labels);
      out.push_back(' ');
      out += std::to_string(h.count());
      out.push_back('\n');
    }
  }
  return out;
}

// -- derived figures ----------------------------------------------------------

const std::vector<std::string>& derived_metric_names() {
  static const std::vector<std::string> names{
    "events_per_second", "avg_latency_ms",    "p50_latency_ms",
    "p90_latency_ms",    "p99_latency_ms",    "error_rate",
    "active_tasks",      "dead_letters_total", "dead_letters_per_second"};
  return names;
}

pipeline_figures derive_figures(const metrics_registry& registry,
                                std::string_view processor) {
  pipeline_figures f;
  label_set selector;
  if (!processor.empty())
    selector.emplace_back("processor", std::string{processor});
  double processed = 0;
  double processed_recent = 0;
  bool windowed = false;
  for_selected(registry.find(metric_names::events_processed), selector,
               [&](const metrics_registry::series& s) {
                 processed += s.counter.value();
                 if (s.rate) {
                   f.events_per_second += s.rate->rate();
                   processed_recent += s.rate->increase();
                   windowed = windowed || s.rate->ready();
                 }
               });
  double failed = 0;
  double failed_recent = 0;
  for_selected(registry.find(metric_names::events_failed), selector,
               [&](const metrics_registry::series& s) {
                 failed += s.counter.value();
                 if (s.rate)
                   failed_recent += s.rate->increase();
               });
  // Over the rate window once sampling runs, so an error burst that ends clears again.
  auto ratio = [](double part, double whole) { return whole > 0 ? 100 * part / whole : 0; };
  f.error_rate = windowed ? ratio(failed_recent, processed_recent) : ratio(failed, processed);
  if (auto h = merged_histogram(registry.find(metric_names::event_latency), selector)) {
    f.avg_latency_ms = h->mean() * 1000;
    f.p50_latency_ms = h->quantile(0.5) * 1000;
    f.p90_latency_ms = h->quantile(0.9) * 1000;
    f.p99_latency_ms = h->quantile(0.99) * 1000;
  }
  for_selected(registry.find(metric_names::active_tasks), selector,
               [&](const metrics_registry::series& s) { f.active_tasks += s.gauge.value(); });
  for_selected(registry.find(metric_names::dead_letters), selector,
               [&](const metrics_registry::series& s) {
                 f.dead_letters_total += s.counter.value();
                 if (s.rate)
                   f.dead_letters_per_second += s.rate->rate();
               });
  return f;
}

} // namespace switchboard
