#include "monitor/alerts.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <string>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "events/error.hpp"
#include "monitor/metrics.hpp"

using namespace switchboard;

namespace {

alert_rule_spec rule(std::string name, std::string metric, alert_condition c, double threshold,
                     double for_seconds = 0, double cooldown_seconds = 0) {
  alert_rule_spec r;
  r.name = std::move(name);
  r.metric = std::move(metric);
  r.condition = c;
  r.threshold = threshold;
  r.for_seconds = for_seconds;
  r.cooldown_seconds = cooldown_seconds;
  r.severity = "error";
  return r;
}

// A manual clock and a settable metric value, evaluated step by step.
struct fixture {
  alert_engine engine;
  std::map<std::string, double> values;
  double now = 1000;

  std::vector<alert_transition> at(double t, double error_rate) {
    now = t;
    values["error_rate"] = error_rate;
    return engine.evaluate(values, now);
  }

  alert_state state() const {
    return engine.statuses().at(0).state;
  }
};

} // namespace

TEST_CASE("an alert goes pending, fires, resolves and becomes inactive") {
  fixture f;
  auto r = rule("errors", "error_rate", alert_condition::gt, 5, 10, 0);
  r.description = "Too many failures";
  REQUIRE_FALSE(f.engine.add_rule(r));

  CHECK(f.at(1000, 1).empty());
  CHECK(f.state() == alert_state::inactive);

  auto t = f.at(1001, 7.5);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::inactive);
  CHECK(t[0].to == alert_state::pending);
  CHECK(f.engine.active_count() == 0);

  CHECK(f.at(1005, 8).empty()); // still waiting for 10 s
  CHECK(f.state() == alert_state::pending);

  t = f.at(1011, 9);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::pending);
  CHECK(t[0].to == alert_state::firing);
  CHECK(t[0].rule == "errors");
  CHECK(t[0].severity == "error");
  CHECK(t[0].value == 9);
  CHECK(t[0].threshold == 5);
  CHECK(t[0].time == 1011);
  CHECK(t[0].message == "errors: error_rate is 9 (> 5). Too many failures");
  CHECK(f.engine.active_count() == 1);
  CHECK(f.engine.total_triggered() == 1);
  REQUIRE(f.engine.last_alert());
  CHECK(f.engine.last_alert()->time == 1011);

  CHECK(f.at(1020, 12).empty()); // firing stays firing without re-firing
  CHECK(f.engine.total_triggered() == 1);

  t = f.at(1030, 2);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::firing);
  CHECK(t[0].to == alert_state::resolved);
  CHECK(t[0].message == "errors resolved: error_rate is 2 (> 5)");
  CHECK(f.engine.active_count() == 0);

  t = f.at(1031, 2);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::resolved);
  CHECK(t[0].to == alert_state::inactive);

  // History keeps the firing and the resolution.
  REQUIRE(f.engine.history().size() == 2);
  CHECK(f.engine.history()[0].to == alert_state::firing);
  CHECK(f.engine.history()[1].to == alert_state::resolved);
}

TEST_CASE("a condition that clears while pending never fires") {
  fixture f;
  REQUIRE_FALSE(f.engine.add_rule(rule("errors", "error_rate", alert_condition::gt, 5, 10)));
  f.at(0, 6);
  auto t = f.at(9, 4);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::pending);
  CHECK(t[0].to == alert_state::inactive);
  // The wait restarts: 10 s from the new start, not from the first.
  f.at(10, 6);
  CHECK(f.at(19, 6).empty());
  CHECK(f.at(20, 6).at(0).to == alert_state::firing);
  CHECK(f.engine.total_triggered() == 1);
}

TEST_CASE("cooldown suppresses a re-fire until it ends") {
  fixture f;
  REQUIRE_FALSE(
    f.engine.add_rule(rule("errors", "error_rate", alert_condition::gt, 5, 0, 60)));
  CHECK(f.at(100, 10).at(0).to == alert_state::firing); // for 0: fires at once
  CHECK(f.at(110, 1).at(0).to == alert_state::resolved);
  // True again inside the cooldown: pending, not firing.
  auto t = f.at(120, 10);
  REQUIRE(t.size() == 1);
  CHECK(t[0].from == alert_state::resolved);
  CHECK(t[0].to == alert_state::pending);
  CHECK(t[0].message.find("cooldown") != std::string::npos);
  CHECK(f.at(159, 10).empty());
  CHECK(f.engine.total_triggered() == 1);
  // The cooldown ends at 160 with the condition still true: it fires again.
  t = f.at(160, 10);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == alert_state::firing);
  CHECK(f.engine.total_triggered() == 2);
  CHECK(f.engine.statuses()[0].times_fired == 2);
}

TEST_CASE("a repeat that clears during cooldown is dropped") {
  fixture f;
  REQUIRE_FALSE(
    f.engine.add_rule(rule("errors", "error_rate", alert_condition::gt, 5, 0, 60)));
  f.at(0, 10);
  f.at(1, 0);
  f.at(2, 0);
  f.at(3, 10);
  CHECK(f.at(4, 0).at(0).to == alert_state::inactive);
  CHECK(f.at(100, 0).empty());
  CHECK(f.engine.total_triggered() == 1);
}

TEST_CASE("every condition compares as named") {
  struct row {
    alert_condition c;
    double value;
    bool fires;
  };
  for (auto [c, value, fires] : {row{alert_condition::gt, 5, false}, row{alert_condition::gt, 6, true},
                                 row{alert_condition::gte, 5, true}, row{alert_condition::gte, 4, false},
                                 row{alert_condition::lt, 4, true}, row{alert_condition::lt, 5, false},
                                 row{alert_condition::lte, 5, true}, row{alert_condition::lte, 6, false},
                                 row{alert_condition::eq, 5, true}, row{alert_condition::eq, 5.5, false},
                                 row{alert_condition::ne, 4, true}, row{alert_condition::ne, 5, false}}) {
    alert_engine e;
    REQUIRE_FALSE(e.add_rule(rule("r", "m", c, 5)));
    auto t = e.evaluate(std::map<std::string, double>{{"m", value}}, 0);
    INFO("condition " << static_cast<int>(c) << " value " << value);
    CHECK(t.size() == (fires ? 1u : 0u));
  }
}

TEST_CASE("a metric without a value does not hold") {
  alert_engine e;
  REQUIRE_FALSE(e.add_rule(rule("r", "missing", alert_condition::lt, 5)));
  CHECK(e.evaluate(std::map<std::string, double>{}, 0).empty());
  CHECK(std::isnan(e.statuses()[0].last_value));
}

TEST_CASE("rules are validated, added and removed at run time") {
  alert_engine e;
  REQUIRE_FALSE(e.add_rule(rule("a", "error_rate", alert_condition::gt, 1)));
  auto dup = e.add_rule(rule("a", "error_rate", alert_condition::gt, 2));
  REQUIRE(dup);
  CHECK(error_text(dup) == "alert rule 'a': a rule with this name exists already");

  auto bad_severity = rule("b", "error_rate", alert_condition::gt, 1);
  bad_severity.severity = "loud";
  CHECK(error_text(e.add_rule(bad_severity))
        == "alert rule 'b': severity must be info, warning, error or critical, not 'loud'");
  CHECK(error_text(e.add_rule(rule("", "x", alert_condition::gt, 1))).find("name") != std::string::npos);
  CHECK(error_text(e.add_rule(rule("c d", "x", alert_condition::gt, 1))).find("name") != std::string::npos);
  CHECK(error_text(e.add_rule(rule("c", "x{y", alert_condition::gt, 1)))
        == "alert rule 'c': metric 'x{y' at offset 1: missing '}'");
  CHECK(e.add_rule(rule("c", "x", alert_condition::gt, std::nan(""))));
  CHECK(e.add_rule(rule("c", "x", alert_condition::gt, 1, -1)));
  CHECK(e.add_rule(rule("c", "x", alert_condition::gt, 1, 0,
                        std::numeric_limits<double>::infinity())));
  CHECK(e.rules().size() == 1);

  // A firing rule removed leaves the active set; history notes it.
  REQUIRE_FALSE(e.add_rule(rule("b", "dead_letters_total", alert_condition::gt, 0)));
  std::map<std::string, double> values{{"error_rate", 3}, {"dead_letters_total", 1}};
  CHECK(e.evaluate(values, 0).size() == 2);
  CHECK(e.active_count() == 2);
  REQUIRE_FALSE(e.remove_rule("a"));
  CHECK(e.active_count() == 1);
  CHECK(e.active().at(0).rule == "b");
  CHECK(e.history().back().message == "a removed while firing");
  CHECK(error_text(e.remove_rule("a")) == "alert rule 'a' does not exist");
  REQUIRE(e.rules().size() == 1);
  CHECK(e.rules()[0].name == "b");

  // Upsert changes a rule in place, keeping its state.
  auto changed = rule("b", "dead_letters_total", alert_condition::gt, 10);
  REQUIRE_FALSE(e.upsert_rule(changed));
  CHECK(e.statuses()[0].state == alert_state::firing);
  auto t = e.evaluate(values, 1);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == alert_state::resolved);
  CHECK(t[0].threshold == 10);
}

TEST_CASE("history is bounded") {
  alert_engine e(3);
  REQUIRE_FALSE(e.add_rule(rule("r", "m", alert_condition::gt, 0)));
  for (int i = 0; i < 10; ++i)
    e.evaluate(std::map<std::string, double>{{"m", i % 2 == 0 ? 1.0 : 0.0}}, i);
  CHECK(e.history().size() == 3);
  CHECK(e.history().back().time == 9);
  CHECK(e.total_triggered() == 5);
}

TEST_CASE("default rules are valid and watch resolvable metrics") {
  auto rules = default_alert_rules();
  REQUIRE(rules.size() == 3);
  alert_engine e;
  metrics_registry reg;
  reg.sample(0);
  reg.counter("events_processed_total", {{"processor", "task"}}).inc(100);
  reg.counter("events_failed_total", {{"processor", "task"}}).inc(10);
  reg.counter("dead_letters_total", {{"reason", "malformed_json"}}).inc(50);
  reg.histogram("event_latency_seconds", {{"processor", "task"}}).observe(0.5);
  reg.sample(1);
  for (auto& r : rules) {
    REQUIRE_FALSE(e.add_rule(r));
    INFO(r.metric);
    CHECK(reg.value(r.metric));
  }
  auto lookup = [&](const std::string& m) { return reg.value(m); };
  auto t = e.evaluate(lookup, 1);
  // All three hold (10 % errors, 500 ms p99, 50 dead letters/s) and wait for `for`.
  REQUIRE(t.size() == 3);
  for (auto& x : t)
    CHECK(x.to == alert_state::pending);
  t = e.evaluate(lookup, 20);
  CHECK(t.size() == 3);
  CHECK(e.active_count() == 3);
  CHECK(e.active().at(0).rule == "high_error_rate");
  CHECK(e.active().at(0).value == Approx(10));
}

TEST_CASE("transition JSON") {
  alert_transition t{"r",  "error_rate", "critical", alert_state::pending, alert_state::firing,
                     7.5, 5,            0.25,       "r: error_rate is 7.5 (> 5)"};
  auto json = to_json(t);
  CHECK(json.at("state") == "firing");
  CHECK(json.at("previous_state") == "pending");
  CHECK(json.at("time") == "1970-01-01T00:00:00.250Z");
  CHECK(json.at("value") == 7.5);
  t.value = std::nan("");
  CHECK(to_json(t).at("value").is_null());
}
