#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "monitor/event_stream.hpp"

namespace switchboard {

/// How a backend call ended; the HTTP server maps each to a status code.
enum class backend_status : uint8_t {
  /// The call succeeded (200, or 201 for a created alert rule).
  ok,
  /// The request was refused by validation; `errors` lists why (400).
  invalid,
  /// The named item does not exist (404).
  not_found,
  /// The item exists already (409).
  conflict,
  /// No answer within the timeout (503).
  timeout,
  /// The backend cannot answer now, e.g. shutting down (503).
  unavailable,
};

/// The stable name of a backend status, e.g. `timeout`.
const char* to_string(backend_status status) noexcept;

/// What a backend call returns: a value, or why there is none.
template <class T>
struct backend_result {
  /// How the call ended.
  backend_status status = backend_status::ok;
  /// The answer when `status` is `ok`.
  T value{};
  /// One sentence saying what went wrong when `status` is not `ok`.
  std::string message;
  /// Every validation problem when `status` is `invalid`, each naming its JSON path.
  std::vector<std::string> errors;

  /// True when the call succeeded.
  bool ok() const noexcept {
    return status == backend_status::ok;
  }

  /// A successful result carrying `x`.
  static backend_result success(T x) {
    backend_result r;
    r.value = std::move(x);
    return r;
  }

  /// A failed result with a summary sentence and optional validation errors.
  static backend_result failure(backend_status st, std::string msg,
                                std::vector<std::string> errs = {}) {
    backend_result r;
    r.status = st;
    r.message = std::move(msg);
    r.errors = std::move(errs);
    return r;
  }
};

/// A JSON document or why there is none.
using json_result = backend_result<boost::json::value>;

/// A text document (Prometheus exposition) or why there is none.
using text_result = backend_result<std::string>;

/// Whether the node accepts traffic, and why not.
struct readiness {
  /// True when every required component is up.
  bool ready = false;
  /// Why the node is not ready (empty when ready).
  std::string reason;
};

/// Everything the HTTP API needs from the running system.
///
/// The server calls these from its own worker threads; an implementation must be
/// thread-safe and must return within `timeout` (the actor-side implementation asks
/// the dashboard actor with that timeout and reports `backend_status::timeout` when it
/// passes). No method may block an actor.
class http_backend {
public:
  virtual ~http_backend();

  /// The dashboard snapshot: `timestamp`, `uptime_seconds`,
  /// `component_health{name:{status,message}}`, `metrics{events_per_second,
  /// avg_latency_ms, p99_latency_ms, error_rate, active_tasks}`,
  /// `alerts{active_count, total_triggered, last_alert}`,
  /// `processors{name:{status, queue_depth, events_per_second, processed_total,
  /// errors_total, avg_latency_ms}}`; optionally `notifications` (recent, newest
  /// first) and `history{events_per_second, avg_latency_ms, p99_latency_ms}` (one
  /// sample a second, oldest first, at most 120) so a new page starts with its charts.
  /// `error_rate` is in percent.
  virtual json_result dashboard(std::chrono::milliseconds timeout) = 0;

  /// Liveness: a small document such as `{"status":"alive","uptime_seconds":N}`.
  virtual json_result liveness(std::chrono::milliseconds timeout) = 0;

  /// Readiness: whether the pipeline accepts traffic, with the reason if not.
  virtual backend_result<readiness> ready(std::chrono::milliseconds timeout) = 0;

  /// All metrics as JSON (counters, gauges, histograms with labels).
  virtual json_result metrics(std::chrono::milliseconds timeout) = 0;

  /// All metrics in the Prometheus text exposition format 0.0.4.
  virtual text_result prometheus(std::chrono::milliseconds timeout) = 0;

  /// Alerts: `{"active":[...], "recent":[...]}`.
  virtual json_result alerts(std::chrono::milliseconds timeout) = 0;

  /// The alert rules in effect: `{"rules":[...]}`.
  virtual json_result alert_rules(std::chrono::milliseconds timeout) = 0;

  /// Validates and adds one alert rule given as a JSON object; returns the stored rule,
  /// `invalid` with the problems, or `conflict` when the name is taken.
  virtual json_result add_alert_rule(const boost::json::value& rule,
                                     std::chrono::milliseconds timeout) = 0;

  /// Removes the alert rule called `name`; `not_found` when there is none.
  virtual json_result remove_alert_rule(const std::string& name,
                                        std::chrono::milliseconds timeout) = 0;

  /// The route table in effect, as its config section: `{"routes":[...]}`.
  virtual json_result routes(std::chrono::milliseconds timeout) = 0;

  /// Validates a new route config and swaps it in atomically; on `invalid` the running
  /// routes stay and `errors` names every problem with its JSON path.
  virtual json_result replace_routes(const boost::json::value& config,
                                     std::chrono::milliseconds timeout) = 0;

  /// Opens a subscription to alerts and notifications (events `alert`,
  /// `notification`); nullptr when the stream is unavailable.
  virtual std::shared_ptr<event_subscription> subscribe() = 0;
};

} // namespace switchboard
