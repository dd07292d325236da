#pragma once

// A scripted http_backend for the server's own tests: its figures move on every
// dashboard call, it validates alert rules and routes like a real backend would, and
// it can be told to stall (answer after the timeout) or to report not ready.

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "events/json_writer.hpp"
#include "monitor/http_api.hpp"

namespace switchboard::testing {

/// Test double of the dashboard actor side.
class fake_backend : public http_backend {
public:
  /// When set, every call waits for its timeout and reports `timeout`.
  std::atomic<bool> stall{false};
  /// When set, readiness reports not ready with `not_ready_reason`.
  std::atomic<bool> not_ready{false};
  /// Reason given while not ready.
  std::string not_ready_reason = "dispatcher has no processors yet";
  /// When set, subscribe() reports the stream unavailable.
  std::atomic<bool> no_stream{false};
  /// The stream alerts and notifications are published on.
  event_hub hub{64};

  fake_backend() {
    rules_["high_error_rate"] = rule("high_error_rate", "error_rate", "gt", 5.0);
    routes_ = boost::json::parse(R"({"routes":[{"name":"documents","source_topics":["events"],)"
                                 R"("target_topics":["documents"],"event_types":["document_*"]}]})");
  }

  /// Every events/s figure reported so far, rounded as served.
  std::vector<double> served_events_per_second() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return served_eps_;
  }

  /// Dashboard snapshots served so far.
  int steps() const {
    return step_ - first_step;
  }

  /// Publishes an alert on the event stream; returns the subscribers reached.
  std::size_t publish_alert(const std::string& name, const std::string& severity) {
    boost::json::object alert{{"name", name},
                              {"severity", severity},
                              {"metric", "error_rate"},
                              {"value", 7.5},
                              {"threshold", 5.0},
                              {"state", "firing"},
                              {"message", name + " is firing"}};
    return hub.publish("alert", to_json(alert));
  }

  /// Publishes a notification on the event stream; returns the subscribers reached.
  std::size_t publish_notification(const std::string& text) {
    boost::json::object note{{"event_type", "user_notification"},
                             {"channel", "sse"},
                             {"message", text}};
    return hub.publish("notification", to_json(note));
  }

  json_result dashboard(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::lock_guard<std::mutex> guard{mtx_};
    int s = ++step_;
    double eps = std::round((1500.0 + 400.0 * std::sin(s / 4.0) + 7.0 * s) * 10.0) / 10.0;
    served_eps_.push_back(eps);
    double latency = std::round((2.0 + 0.8 * std::cos(s / 3.0)) * 100.0) / 100.0;
    boost::json::object health;
    health["dispatcher"] = {{"status", "healthy"}, {"message", "routing 4 routes"}};
    health["document_processor"] = {{"status", "healthy"}, {"message", "ok"}};
    health["task_processor"] = {{"status", "healthy"}, {"message", "ok"}};
    health["agent_processor"] = {{"status", "degraded"},
                                 {"message", "agent-2 error rate 12%"}};
    health["analytics_processor"] = {{"status", "healthy"}, {"message", "ok"}};
    health["notification_processor"] = {{"status", s % 2 == 0 ? "healthy" : "unhealthy"},
                                        {"message", s % 2 == 0 ? "ok" : "webhook breaker open"}};
    boost::json::object procs;
    const char* names[] = {"document", "task", "agent", "analytics", "notification"};
    for (int i = 0; i < 5; ++i) {
      procs[names[i]] = {{"status", i == 2 ? "degraded" : "healthy"},
                         {"queue_depth", (s * (i + 3)) % 40},
                         {"events_per_second", std::round(eps / (i + 2))},
                         {"processed_total", s * 1000 * (5 - i)},
                         {"errors_total", s * i},
                         {"avg_latency_ms", latency + i * 0.25}};
    }
    boost::json::object last_alert{{"name", "high_error_rate"},
                                   {"severity", "warning"},
                                   {"message", "error_rate 7.5 > 5"},
                                   {"timestamp", "2024-05-01T12:00:00Z"}};
    boost::json::object doc;
    doc["timestamp"] = "2024-05-01T12:00:" + two_digits(s % 60) + "Z";
    doc["uptime_seconds"] = 3600 + s;
    doc["component_health"] = std::move(health);
    doc["metrics"] = {{"events_per_second", eps},
                      {"avg_latency_ms", latency},
                      {"p99_latency_ms", latency * 2.5},
                      {"error_rate", 1.5 + (s % 5) * 0.5},
                      {"active_tasks", 10 + s % 7},
                      {"events_total", s * 15000},
                      {"dead_letters_total", s * 3}};
    doc["alerts"] = {{"active_count", 1}, {"total_triggered", 3 + s / 10},
                     {"last_alert", last_alert}};
    doc["processors"] = std::move(procs);
    boost::json::array eps_hist;
    boost::json::array avg_hist;
    boost::json::array p99_hist;
    for (int i = std::max(1, s - 119); i < s; ++i) {
      eps_hist.emplace_back(std::round(1500.0 + 400.0 * std::sin(i / 4.0) + 7.0 * i));
      avg_hist.emplace_back(2.0 + 0.8 * std::cos(i / 3.0));
      p99_hist.emplace_back((2.0 + 0.8 * std::cos(i / 3.0)) * 2.5);
    }
    boost::json::array notes;
    for (int i = 0; i < 4; ++i)
      notes.push_back(boost::json::object{
        {"event_type", "user_notification"},
        {"channel", i % 2 == 0 ? "sse" : "webhook"},
        {"message", "task task-" + std::to_string(s - i) + " completed"}});
    doc["notifications"] = std::move(notes);
    doc["history"] = {{"events_per_second", std::move(eps_hist)},
                      {"avg_latency_ms", std::move(avg_hist)},
                      {"p99_latency_ms", std::move(p99_hist)}};
    return json_result::success(std::move(doc));
  }

  json_result liveness(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    return json_result::success(boost::json::object{{"status", "alive"},
                                                    {"uptime_seconds", 3600}});
  }

  backend_result<readiness> ready(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return backend_result<readiness>::failure(backend_status::timeout, "");
    readiness r;
    r.ready = !not_ready;
    if (!r.ready)
      r.reason = not_ready_reason;
    return backend_result<readiness>::success(r);
  }

  json_result metrics(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    return json_result::success(boost::json::object{
      {"counters", {{"events_total", 15000}, {"dead_letters_total", 3}}},
      {"gauges", {{"queue_depth", {{"document", 4}, {"task", 2}}}}}});
  }

  text_result prometheus(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return text_result::failure(backend_status::timeout, "");
    int s = step_;
    std::string out;
    out += "# HELP switchboard_events_total Events received by the dispatcher.\n"
           "# TYPE switchboard_events_total counter\n"
           "switchboard_events_total{topic=\"events\"} "
           + std::to_string(15000 + s) + "\n"
           "# HELP switchboard_queue_depth Batches waiting per processor.\n"
           "# TYPE switchboard_queue_depth gauge\n"
           "switchboard_queue_depth{processor=\"document\"} 4\n"
           "switchboard_queue_depth{processor=\"task\"} 2\n"
           "# HELP switchboard_latency_seconds End-to-end event latency.\n"
           "# TYPE switchboard_latency_seconds histogram\n"
           "switchboard_latency_seconds_bucket{le=\"0.001\"} 10\n"
           "switchboard_latency_seconds_bucket{le=\"0.005\"} 90\n"
           "switchboard_latency_seconds_bucket{le=\"+Inf\"} 100\n"
           "switchboard_latency_seconds_sum 0.21\n"
           "switchboard_latency_seconds_count 100\n";
    return text_result::success(std::move(out));
  }

  json_result alerts(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    boost::json::object active{{"name", "high_error_rate"}, {"severity", "warning"},
                               {"state", "firing"}, {"value", 7.5}};
    return json_result::success(boost::json::object{
      {"active", boost::json::array{active}}, {"recent", boost::json::array{active}}});
  }

  json_result alert_rules(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::lock_guard<std::mutex> guard{mtx_};
    boost::json::array list;
    for (auto& [name, r] : rules_)
      list.push_back(r);
    return json_result::success(boost::json::object{{"rules", std::move(list)}});
  }

  json_result add_alert_rule(const boost::json::value& rule_json,
                             std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::vector<std::string> errors;
    auto* obj = rule_json.if_object();
    if (obj == nullptr)
      return json_result::failure(backend_status::invalid, "invalid alert rule",
                                  {"alert_rule: expected an object"});
    auto* name = obj->if_contains("name");
    if (name == nullptr || !name->is_string() || name->as_string().empty())
      errors.emplace_back("alert_rule.name: expected a non-empty string");
    auto* metric = obj->if_contains("metric");
    if (metric == nullptr || !metric->is_string())
      errors.emplace_back("alert_rule.metric: expected a string");
    auto* cond = obj->if_contains("condition");
    static const std::set<std::string> conditions{"gt", "gte", "lt", "lte", "eq", "ne"};
    if (cond == nullptr || !cond->is_string()
        || conditions.count(std::string{cond->as_string()}) == 0)
      errors.emplace_back("alert_rule.condition: expected one of gt, gte, lt, lte, eq, ne");
    auto* threshold = obj->if_contains("threshold");
    if (threshold == nullptr || !threshold->is_number())
      errors.emplace_back("alert_rule.threshold: expected a number");
    if (!errors.empty())
      return json_result::failure(backend_status::invalid, "invalid alert rule",
                                  std::move(errors));
    std::lock_guard<std::mutex> guard{mtx_};
    std::string key{name->as_string()};
    if (rules_.count(key) != 0)
      return json_result::failure(backend_status::conflict,
                                  "an alert rule named '" + key + "' exists already");
    rules_[key] = rule_json;
    return json_result::success(rule_json);
  }

  json_result remove_alert_rule(const std::string& name,
                                std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::lock_guard<std::mutex> guard{mtx_};
    if (rules_.erase(name) == 0)
      return json_result::failure(backend_status::not_found,
                                  "no alert rule named '" + name + "'");
    return json_result::success(boost::json::object{{"removed", name}});
  }

  json_result routes(std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::lock_guard<std::mutex> guard{mtx_};
    return json_result::success(routes_);
  }

  json_result replace_routes(const boost::json::value& config,
                             std::chrono::milliseconds timeout) override {
    if (stalled(timeout))
      return json_result::failure(backend_status::timeout, "");
    std::vector<std::string> errors;
    auto* obj = config.if_object();
    auto* list = obj != nullptr ? obj->if_contains("routes") : nullptr;
    if (list == nullptr || !list->is_array()) {
      errors.emplace_back("routes: expected an array");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < list->as_array().size(); ++i) {
        auto path = "routes[" + std::to_string(i) + "]";
        auto* route = list->as_array()[i].if_object();
        auto* name = route != nullptr ? route->if_contains("name") : nullptr;
        if (name == nullptr || !name->is_string())
          errors.push_back(path + ".name: expected a string");
        else if (!seen.insert(std::string{name->as_string()}).second)
          errors.push_back(path + ".name: duplicate route name '"
                           + std::string{name->as_string()} + "'");
      }
    }
    if (!errors.empty())
      return json_result::failure(backend_status::invalid,
                                  "invalid route config; the running routes stay",
                                  std::move(errors));
    std::lock_guard<std::mutex> guard{mtx_};
    routes_ = config;
    return json_result::success(boost::json::object{
      {"applied", true}, {"routes", list->as_array().size()}});
  }

  std::shared_ptr<event_subscription> subscribe() override {
    if (no_stream)
      return nullptr;
    auto sub = hub.subscribe();
    std::lock_guard<std::mutex> guard{mtx_};
    last_subscription_ = sub;
    return sub;
  }

  /// The subscription handed out last, if its reader still holds it.
  std::shared_ptr<event_subscription> last_subscription() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return last_subscription_.lock();
  }

private:
  static boost::json::value rule(const char* name, const char* metric, const char* cond,
                                 double threshold) {
    return boost::json::object{{"name", name}, {"metric", metric}, {"condition", cond},
                               {"threshold", threshold}, {"severity", "warning"}};
  }

  static std::string two_digits(int x) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%02d", x);
    return buf;
  }

  bool stalled(std::chrono::milliseconds timeout) {
    if (!stall)
      return false;
    // A stalled actor never answers: the caller's timeout is what ends the wait.
    std::this_thread::sleep_for(timeout);
    return true;
  }

  mutable std::mutex mtx_;
  // Starting part-way into the simulated run gives the page a history to chart.
  static constexpr int first_step = 90;
  std::atomic<int> step_{first_step};
  std::vector<double> served_eps_;
  std::map<std::string, boost::json::value> rules_;
  boost::json::value routes_;
  std::weak_ptr<event_subscription> last_subscription_;
};

} // namespace switchboard::testing
