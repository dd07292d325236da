#include "monitor/snapshot.hpp"

#include <set>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace switchboard;

namespace {

std::set<std::string> keys(const boost::json::value& v) {
  std::set<std::string> result;
  for (auto& field : v.as_object())
    result.insert(std::string{field.key()});
  return result;
}

} // namespace

TEST_CASE("the dashboard snapshot has the documented shape and figures") {
  metrics_registry reg(10);
  reg.sample(1000);
  reg.counter("events_processed_total", {{"processor", "task"}}).inc(300);
  reg.counter("events_processed_total", {{"processor", "agent"}}).inc(100);
  reg.counter("events_failed_total", {{"processor", "agent"}}).inc(40);
  reg.gauge("active_tasks").set(12);
  for (int i = 0; i < 10; ++i)
    reg.histogram("event_latency_seconds", {{"processor", "task"}}).observe(0.004);
  reg.sample(1002);

  health_tracker health;
  health.heartbeat("task", 1000);
  health.heartbeat("agent", 990);
  auto report = health.evaluate(1002);

  alert_engine alerts;
  REQUIRE_FALSE(alerts.add_rule(default_alert_rules().at(0)));
  auto lookup = [&](const std::string& m) { return reg.value(m); };
  alerts.evaluate(lookup, 1000);
  alerts.evaluate(lookup, 1006);
  REQUIRE(alerts.active_count() == 1);

  std::map<std::string, boost::json::object> detail{
    {"task", boost::json::object{{"tasks_completed", 250}}},
    {"notification", boost::json::object{{"delivered", 3}}}};

  snapshot_inputs in;
  in.now = 1002.5;
  in.uptime_seconds = 2.5;
  in.registry = &reg;
  in.health = &report;
  in.alerts = &alerts;
  in.processor_detail = &detail;
  boost::json::value snap = dashboard_snapshot(in);

  CHECK(keys(snap) == std::set<std::string>{"timestamp", "uptime_seconds", "component_health",
                                            "metrics", "alerts", "processors"});
  CHECK(snap.at("timestamp") == "1970-01-01T00:16:42.500Z");
  CHECK(snap.at("uptime_seconds") == 2.5);

  auto& ch = snap.at("component_health");
  CHECK(keys(ch) == std::set<std::string>{"agent", "task"});
  CHECK(keys(ch.at("task")) == std::set<std::string>{"status", "message"});
  CHECK(ch.at("task").at("status") == "healthy");
  CHECK(ch.at("agent").at("status") == "unhealthy");
  CHECK(ch.at("agent").at("message") == "no heartbeat for 12.0s");

  auto& m = snap.at("metrics");
  CHECK(keys(m) == std::set<std::string>{"events_per_second", "avg_latency_ms", "error_rate",
                                         "active_tasks"});
  CHECK(m.at("events_per_second").as_double() == Approx(200));
  CHECK(m.at("avg_latency_ms").as_double() == Approx(4));
  CHECK(m.at("error_rate").as_double() == Approx(10));
  CHECK(m.at("active_tasks").as_double() == 12);

  auto& a = snap.at("alerts");
  CHECK(keys(a) == std::set<std::string>{"active_count", "total_triggered", "last_alert"});
  CHECK(a.at("active_count") == 1u);
  CHECK(a.at("total_triggered") == 1u);
  CHECK(a.at("last_alert").at("rule") == "high_error_rate");
  CHECK(a.at("last_alert").at("state") == "firing");

  auto& p = snap.at("processors");
  CHECK(keys(p) == std::set<std::string>{"agent", "notification", "task"});
  CHECK(p.at("task").at("events_processed").as_double() == 300);
  CHECK(p.at("task").at("events_per_second").as_double() == Approx(150));
  CHECK(p.at("task").at("p99_latency_ms").as_double() == Approx(4));
  CHECK(p.at("task").at("status") == "healthy");
  CHECK(p.at("task").at("tasks_completed") == 250);
  CHECK(p.at("agent").at("error_rate").as_double() == Approx(40));
  CHECK(p.at("agent").at("events_failed").as_double() == 40);
  CHECK(p.at("notification").at("delivered") == 3);
  CHECK_FALSE(p.at("notification").as_object().contains("status"));
}

TEST_CASE("a snapshot without inputs has empty sections") {
  snapshot_inputs in;
  boost::json::value snap = dashboard_snapshot(in);
  CHECK(snap.at("component_health").as_object().empty());
  CHECK(snap.at("processors").as_object().empty());
  CHECK(snap.at("metrics").at("events_per_second") == 0.0);
  CHECK(snap.at("alerts").at("last_alert").is_null());
  CHECK(snap.at("alerts").at("active_count") == 0u);
}
