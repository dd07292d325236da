#include "monitor/health.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace switchboard;

namespace {

component_health at(health_tracker& h, const std::string& name, double now) {
  return h.evaluate(now).at(name);
}

} // namespace

TEST_CASE("a missed heartbeat makes a component unhealthy until it beats again") {
  health_tracker h; // 5 s timeout
  h.heartbeat("task", 100);
  auto s = at(h, "task", 104);
  CHECK(s.status == health_status::healthy);
  CHECK(s.message == "ok");
  CHECK(s.changed);
  CHECK_FALSE(at(h, "task", 105).changed);

  CHECK(s.responsive);
  s = at(h, "task", 106.2);
  CHECK(s.status == health_status::unhealthy);
  CHECK(s.message == "no heartbeat for 6.2s");
  CHECK(s.changed);
  CHECK_FALSE(s.responsive);
  CHECK(at(h, "task", 110).message == "no heartbeat for 10.0s");

  h.heartbeat("task", 111);
  s = at(h, "task", 111.5);
  CHECK(s.status == health_status::healthy);
  CHECK(s.changed);
  REQUIRE(s.last_heartbeat);
  CHECK(*s.last_heartbeat == 111);
}

TEST_CASE("a watched component that never beats times out from the watch") {
  health_tracker h;
  h.watch("agent", 0);
  CHECK(at(h, "agent", 5).status == health_status::healthy);
  auto s = at(h, "agent", 7);
  CHECK(s.status == health_status::unhealthy);
  CHECK(s.message == "no heartbeat since watched 7.0s ago");
}

TEST_CASE("restarting shows the count and ends with the next heartbeat") {
  health_tracker h;
  h.heartbeat("document", 0);
  h.restarting("document", 1, 1, "std::runtime_error: boom");
  auto s = at(h, "document", 2);
  CHECK(s.status == health_status::restarting);
  CHECK(s.message == "restarting (restart 1): std::runtime_error: boom");
  CHECK(s.restarts == 1);
  CHECK_FALSE(s.responsive);
  // Restarting outranks a missed heartbeat while the supervisor works on it.
  CHECK(at(h, "document", 30).status == health_status::restarting);
  // A beat from before the mark does not count.
  h.heartbeat("document", 0.5);
  CHECK(at(h, "document", 30).status == health_status::restarting);
  h.heartbeat("document", 31);
  s = at(h, "document", 31);
  CHECK(s.status == health_status::healthy);
  CHECK(s.message == "ok, restarted 1 time");
  h.restarting("document", 2, 40);
  CHECK(at(h, "document", 40).message == "restarting (restart 2)");
  h.heartbeat("document", 41);
  CHECK(at(h, "document", 41).message == "ok, restarted 2 times");
}

TEST_CASE("a high error rate degrades, then flags, then clears with the window") {
  health_settings cfg;
  cfg.error_window_seconds = 10;
  health_tracker h(cfg); // degraded above 5 %, unhealthy above 25 %
  h.heartbeat("agent", 0);
  h.report("agent", 1, 1, 0); // 50 % of 2 events: too few to count
  CHECK(at(h, "agent", 0).status == health_status::healthy);
  h.report("agent", 89, 9, 1); // 10 of 100
  auto s = at(h, "agent", 1);
  CHECK(s.status == health_status::degraded);
  CHECK(s.error_rate == Approx(10));
  CHECK(s.message == "error rate 10.0% over the last 10s (degraded above 5%)");
  h.report("agent", 0, 50, 2); // 60 of 150
  s = at(h, "agent", 2);
  CHECK(s.status == health_status::unhealthy);
  CHECK(s.message == "error rate 40.0% over the last 10s (unhealthy above 25%)");
  // Failing events say nothing about whether the component is alive.
  CHECK(s.responsive);
  // Reports older than the window fall out; clean traffic brings it back.
  h.heartbeat("agent", 12);
  h.report("agent", 100, 0, 12);
  CHECK(at(h, "agent", 12).status == health_status::unhealthy); // 2 is still inside
  s = at(h, "agent", 12.5);
  CHECK(s.status == health_status::healthy);
  CHECK(s.error_rate == 0);
}

TEST_CASE("down lasts until a heartbeat; forget drops a component") {
  health_tracker h;
  h.heartbeat("node-2/analytics", 0);
  h.down("node-2/analytics", 1, "node node-2 left the cluster");
  auto s = at(h, "node-2/analytics", 1);
  CHECK(s.status == health_status::down);
  CHECK(s.message == "down: node node-2 left the cluster");
  CHECK_FALSE(s.responsive);
  h.heartbeat("node-2/analytics", 2);
  CHECK(at(h, "node-2/analytics", 2).status == health_status::healthy);
  h.forget("node-2/analytics");
  CHECK(h.evaluate(3).empty());
  CHECK(h.last().empty());
}

TEST_CASE("a self-reported unhealthy mark outlasts heartbeats until recovered") {
  health_tracker h;
  h.heartbeat("kafka_sink", 0);
  h.unhealthy("kafka_sink", 1, "brokers 127.0.0.1:9092 unreachable");
  h.heartbeat("kafka_sink", 2);
  auto s = at(h, "kafka_sink", 2);
  CHECK(s.status == health_status::unhealthy);
  CHECK(s.message == "brokers 127.0.0.1:9092 unreachable");
  h.recovered("kafka_sink", 3);
  s = at(h, "kafka_sink", 3);
  CHECK(s.status == health_status::healthy);
  CHECK(s.changed);
  // Recovery counts as a heartbeat: the timeout runs from it.
  CHECK(at(h, "kafka_sink", 7.9).status == health_status::healthy);
  CHECK(at(h, "kafka_sink", 8.1).status == health_status::unhealthy);
}

TEST_CASE("component health JSON") {
  health_tracker h;
  h.heartbeat("task", 0);
  auto json = to_json(at(h, "task", 10));
  CHECK(json.at("status") == "unhealthy");
  CHECK(json.at("message") == "no heartbeat for 10.0s");
  CHECK(json.at("restarts") == 0u);
  CHECK(json.at("responsive") == false);
}
