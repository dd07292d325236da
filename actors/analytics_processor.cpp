#include "actors/processors.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "actors/anomaly.hpp"
#include "actors/processor_base.hpp"
#include "actors/windows.hpp"
#include "events/error.hpp"

namespace switchboard {

namespace {

// Metrics events emitted per tick; the rest are counted as suppressed so that a burst
// of closing windows cannot flood the dispatcher.
constexpr std::size_t max_metrics_per_tick = 50;

// Event types tracked by name; further types are counted under `other`.
constexpr std::size_t max_types = 1024;

// The analytics processor's own events must not feed its windows back.
constexpr std::string_view own_source = "processor.analytics";

std::optional<double> latency_of(const event& ev) {
  for (auto key : {"latency_ms", "duration_ms"}) {
    double v = 0;
    if (!ev.data()[key].get(v) && std::isfinite(v))
      return v;
  }
  return std::nullopt;
}

std::string format_z(double z) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", z);
  return buf;
}

class analytics_processor : public counting_processor {
public:
  explicit analytics_processor(const processors_config& cfg) {
    auto specs = cfg.windows;
    if (specs.empty())
      specs.emplace_back();
    for (const auto& spec : specs) {
      auto w = window_aggregator::make(spec);
      if (w)
        windows_.push_back(std::move(*w));
      else
        window_errors_.push_back(error_text(w.error()));
    }
    anomaly_.z_threshold = cfg.anomaly_z_threshold;
  }

  std::string_view name() const override {
    return "analytics";
  }

  void tick(processor_context& ctx) override {
    std::size_t budget = max_metrics_per_tick;
    for (std::size_t i = 0; i < windows_.size(); ++i) {
      for (const auto& r : windows_[i].advance(ctx.now())) {
        ++windows_closed_;
        if (i == 0) {
          last_window_[r.key] = r.count;
          judge(r, ctx);
        }
        if (budget == 0) {
          ++suppressed_;
          continue;
        }
        --budget;
        emit_metrics(r, ctx);
      }
    }
  }

protected:
  void on_event(const event_ptr& ev, processor_context& ctx) override {
    if (ev->source() == own_source) {
      ++own_skipped_;
      return;
    }
    auto key = std::string{ev->event_type()};
    if (totals_.count(key) == 0 && totals_.size() >= max_types)
      key = "other";
    ++totals_[key];
    auto latency = latency_of(*ev);
    for (auto& w : windows_)
      w.add(key, ctx.now(), latency);
  }

  void add_stats(boost::json::object& out) const override {
    boost::json::object totals;
    for (const auto& [k, n] : totals_)
      totals[k] = n;
    out["events_by_type"] = std::move(totals);
    boost::json::object last;
    for (const auto& [k, n] : last_window_)
      last[k] = n;
    out["last_window"] = std::move(last);
    boost::json::array windows;
    uint64_t late = 0;
    for (const auto& w : windows_) {
      boost::json::object one;
      one["kind"] = to_string(w.kind());
      one["keys"] = w.keys();
      one["late"] = w.late();
      late += w.late();
      windows.push_back(std::move(one));
    }
    out["windows"] = std::move(windows);
    boost::json::array errors;
    for (const auto& e : window_errors_)
      errors.emplace_back(e);
    out["window_errors"] = std::move(errors);
    out["windows_closed"] = windows_closed_;
    out["metrics_suppressed"] = suppressed_;
    out["anomalies"] = anomalies_;
    out["late_events"] = late;
    out["own_events_skipped"] = own_skipped_;
  }

private:
  void emit_metrics(const window_result& r, processor_context& ctx) {
    json_fields data;
    data.set("window", to_string(r.kind));
    data.set("key", r.key);
    data.set("start", r.start);
    data.set("end", r.end);
    data.set("count", r.count);
    data.set("rate", r.rate);
    data.set("latency_count", r.latency_count);
    data.set("p50", r.p50);
    data.set("p95", r.p95);
    data.set("p99", r.p99);
    emit(ctx, ctx.factory().create_analytics_event("metrics", "event_rate", r.rate, {},
                                                   std::move(data)));
  }

  void judge(const window_result& r, processor_context& ctx) {
    auto i = detectors_.find(r.key);
    if (i == detectors_.end()) {
      if (detectors_.size() >= max_types)
        return;
      i = detectors_.emplace(r.key, anomaly_detector{anomaly_}).first;
    }
    auto v = i->second.observe(r.rate);
    if (!v.anomaly)
      return;
    ++anomalies_;
    auto title = "Anomalous rate of " + r.key + " (z = " + format_z(v.z) + ")";
    char message[160];
    std::snprintf(message, sizeof(message),
                  "%.2f events/s in the %s window against a mean of %.2f (stddev %.2f)",
                  r.rate, to_string(r.kind), v.mean, v.stddev);
    json_fields extra;
    extra.set("key", r.key);
    extra.set("rate", r.rate);
    extra.set("mean", v.mean);
    extra.set("stddev", v.stddev);
    extra.set("z", v.z);
    extra.set("window_end", r.end);
    emit(ctx, ctx.factory().create_notification_event("alert", "operations", title, message,
                                                      "warning", {}, std::move(extra)));
  }

  std::vector<window_aggregator> windows_;
  std::vector<std::string> window_errors_;
  anomaly_options anomaly_;
  std::map<std::string, anomaly_detector> detectors_;
  std::map<std::string, uint64_t> totals_;
  std::map<std::string, uint64_t> last_window_;
  uint64_t windows_closed_ = 0;
  uint64_t suppressed_ = 0;
  uint64_t anomalies_ = 0;
  uint64_t own_skipped_ = 0;
};

} // namespace

std::unique_ptr<processor_logic> make_analytics_processor(const processors_config& cfg) {
  return std::make_unique<analytics_processor>(cfg);
}

} // namespace switchboard
