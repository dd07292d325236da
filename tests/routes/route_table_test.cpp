#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include <boost/json/serialize.hpp>

#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "events/types.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

using namespace switchboard;

namespace {

std::shared_ptr<const route_table> table(std::string_view routes_json) {
  auto t = parse_routes(routes_json);
  INFO(routes_json);
  if (!t)
    FAIL(error_text(t.error()));
  return *t;
}

event_ptr make_event(codec& dec, std::string_view type, std::string_view data = "{}",
                     std::string_view id = "e-1") {
  std::string text = R"({"event_id":")" + std::string{id} + R"(","event_type":")"
                     + std::string{type}
                     + R"(","timestamp":"2026-01-01T00:00:00Z","source":"test","data":)"
                     + std::string{data} + "}";
  auto ev = dec.decode(std::string_view{text});
  if (!ev)
    FAIL(error_text(ev.error()));
  return *ev;
}

// The names of the rules that fired, in delivery order.
std::vector<std::string> fired(const route_table& t, const event_ptr& ev,
                               std::string_view topic = "events") {
  route_env env;
  route_result result;
  t.evaluate(ev, topic, result, env);
  std::vector<std::string> names;
  for (const auto& d : result.deliveries)
    names.push_back(d.rule->name);
  CHECK(result.unmatched == names.empty());
  return names;
}

using names = std::vector<std::string>;

// One thread's routing state, as a dispatcher holds it.
struct router {
  codec dec;
  route_env env;
  route_result result;

  const route_result& operator()(const route_table& t, const event_ptr& ev) {
    t.evaluate(ev, "events", result, env);
    return result;
  }
};

} // namespace

TEST_CASE("glob_match handles stars anywhere") {
  CHECK(glob_match("task_*", "task_created"));
  CHECK(glob_match("task_*", "task_"));
  CHECK_FALSE(glob_match("task_*", "agent_task_started"));
  CHECK(glob_match("*_failed", "task_failed"));
  CHECK(glob_match("*task*", "agent_task_started"));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
  CHECK(glob_match("exact", "exact"));
  CHECK_FALSE(glob_match("exact", "exactly"));
}

TEST_CASE("rules fire by descending priority, ties in config order, all of them") {
  auto t = table(R"([
    {"name":"low","target_topics":["x"],"priority":1},
    {"name":"high","target_topics":["x"],"priority":10},
    {"name":"tie-a","target_topics":["x"],"priority":5},
    {"name":"tie-b","target_topics":["x"],"priority":5}])");
  codec dec;
  CHECK(fired(*t, make_event(dec, "task_created")) == names{"high", "tie-a", "tie-b", "low"});
}

TEST_CASE("a firing final rule stops lower ones; a non-matching final rule does not") {
  auto t = table(R"([
    {"name":"stop","event_types":["task_failed"],"target_topics":["x"],"priority":10,"final":true},
    {"name":"same-priority-earlier","target_topics":["x"],"priority":10},
    {"name":"rest","target_topics":["x"],"priority":1}])");
  codec dec;
  // Ties keep config order: `stop` comes first and stops the one after it.
  CHECK(fired(*t, make_event(dec, "task_failed")) == names{"stop"});
  CHECK(fired(*t, make_event(dec, "task_created")) == names{"same-priority-earlier", "rest"});
  auto later = table(R"([
    {"name":"first","target_topics":["x"],"priority":10},
    {"name":"stop","target_topics":["x"],"priority":10,"final":true},
    {"name":"rest","target_topics":["x"],"priority":1}])");
  CHECK(fired(*later, make_event(dec, "task_failed")) == names{"first", "stop"});
}

TEST_CASE("disabled rules never fire and never stop others") {
  auto t = table(R"([
    {"name":"off","target_topics":["x"],"priority":10,"enabled":false,"final":true},
    {"name":"on","target_topics":["x"]}])");
  codec dec;
  CHECK(fired(*t, make_event(dec, "metrics")) == names{"on"});
}

TEST_CASE("event types match exactly or by glob, empty means all") {
  auto t = table(R"([
    {"name":"exact","event_types":["task_created"],"target_topics":["x"],"priority":4},
    {"name":"glob","event_types":["task_*"],"target_topics":["x"],"priority":3},
    {"name":"suffix","event_types":["*_failed","metrics"],"target_topics":["x"],"priority":2},
    {"name":"custom","event_types":["custom_event","my_*"],"target_topics":["x"],"priority":1},
    {"name":"all","target_topics":["x"],"priority":0}])");
  codec dec;
  CHECK(fired(*t, make_event(dec, "task_created")) == names{"exact", "glob", "all"});
  CHECK(fired(*t, make_event(dec, "task_failed")) == names{"glob", "suffix", "all"});
  CHECK(fired(*t, make_event(dec, "quality_check_failed")) == names{"suffix", "all"});
  CHECK(fired(*t, make_event(dec, "agent_task_started")) == names{"all"});
  CHECK(fired(*t, make_event(dec, "metrics")) == names{"suffix", "all"});
  // Types outside the known families: indexed exact names and globs.
  CHECK(fired(*t, make_event(dec, "custom_event")) == names{"custom", "all"});
  CHECK(fired(*t, make_event(dec, "my_thing")) == names{"custom", "all"});
  CHECK(fired(*t, make_event(dec, "build_failed")) == names{"suffix", "all"});
  CHECK(fired(*t, make_event(dec, "other")) == names{"all"});
}

TEST_CASE("source topics restrict where a rule listens") {
  auto t = table(R"([
    {"name":"from-events","source_topics":["events"],"target_topics":["x"],"priority":3},
    {"name":"from-tasks","source_topics":["tasks","agents"],"target_topics":["x"],"priority":2},
    {"name":"anywhere","target_topics":["x"],"priority":1}])");
  codec dec;
  auto ev = make_event(dec, "task_created");
  CHECK(fired(*t, ev, "events") == names{"from-events", "anywhere"});
  CHECK(fired(*t, ev, "agents") == names{"from-tasks", "anywhere"});
  CHECK(fired(*t, ev, "elsewhere") == names{"anywhere"});
}

TEST_CASE("filters select on the whole envelope") {
  auto t = table(R"([
    {"name":"failed","filters":{"data":{"status":["failed"]}},"target_topics":["x"],"priority":2},
    {"name":"from-ingest","filters":{"source":["ingest"]},"target_topics":["y"],"priority":1},
    {"name":"legacy","filters":{"data":{"status":"pending"}},"target_topics":["z"]}])");
  codec dec;
  CHECK(fired(*t, make_event(dec, "task_failed", R"({"status":"failed"})")) == names{"failed"});
  CHECK(fired(*t, make_event(dec, "task_created", R"({"status":"pending"})")) == names{"legacy"});
  CHECK(fired(*t, make_event(dec, "task_created", R"({"status":"running"})")).empty());
}

TEST_CASE("an event no rule matches is unmatched") {
  auto t = table(R"([{"name":"docs","event_types":["document_*"],"target_topics":["documents"]}])");
  router r;
  const auto& result = r(*t, make_event(r.dec, "task_created"));
  CHECK(result.unmatched);
  CHECK(result.deliveries.empty());
  CHECK(result.failures.empty());
  CHECK(r(route_table{}, make_event(r.dec, "task_created")).unmatched);
}

TEST_CASE("untransformed deliveries share the original event, transformed ones are copies") {
  auto t = table(R"([
    {"name":"plain","target_topics":["a","b"],"priority":2},
    {"name":"patched","target_topics":["c"],"priority":1,
     "transformations":[{"op":"add","path":"/data/routed","value":true},"add_routing_metadata"]}])");
  codec dec;
  auto ev = make_event(dec, "task_created", R"({"status":"pending"})");
  route_env env;
  env.dispatcher_id = "d-7";
  route_result result;
  t->evaluate(ev, "events", result, env);
  REQUIRE(result.deliveries.size() == 2);
  CHECK(result.deliveries[0].event.get() == ev.get());
  CHECK(result.deliveries[0].topics() == std::vector<std::string>{"a", "b"});
  auto copy = result.deliveries[1].event;
  CHECK(copy.get() != ev.get());
  CHECK(copy->data()["routed"].get_bool().value());
  CHECK(std::string_view{copy->metadata()["route"].get_string().value()} == "patched");
  CHECK(std::string_view{copy->metadata()["dispatcher_id"].get_string().value()} == "d-7");
  CHECK(ev->data()["routed"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("a failing transform is a failure of that route only") {
  auto t = table(R"([
    {"name":"strict","target_topics":["a"],"priority":2,
     "transformations":[{"op":"test","path":"/data/status","value":"done"}]},
    {"name":"lenient","target_topics":["b"],"priority":1}])");
  router r;
  const auto& result = r(*t, make_event(r.dec, "task_created", R"({"status":"pending"})"));
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].rule->name == "strict");
  CHECK(result.failures[0].error == route_errc::transform_failed);
  CHECK(error_text(result.failures[0].error)
        == "route 'strict': transformation[0] (test /data/status): value differs");
  REQUIRE(result.deliveries.size() == 1);
  CHECK(result.deliveries[0].rule->name == "lenient");
  CHECK_FALSE(result.unmatched);
}

TEST_CASE("a reused result is cleared between events") {
  auto t = table(R"([{"name":"tasks","event_types":["task_*"],"target_topics":["tasks"]}])");
  router r;
  CHECK(r(*t, make_event(r.dec, "task_created")).deliveries.size() == 1);
  const auto& result = r(*t, make_event(r.dec, "metrics"));
  CHECK(result.deliveries.empty());
  CHECK(result.unmatched);
}

TEST_CASE("to_json gives the rules back in config form") {
  auto t = table(R"([
    {"name":"r1","description":"d","source_topics":["events"],"target_topics":["a"],
     "event_types":["task_*"],"filters":{"data":{"status":["failed"]}},
     "transformations":["add_timestamp",{"op":"remove","path":"/data/x"}],
     "priority":7,"enabled":false,"final":true},
    {"name":"r2","target_topics":["b"]}])");
  auto text = boost::json::serialize(t->to_json());
  CHECK(text
        == R"([{"name":"r1","description":"d","source_topics":["events"],"target_topics":["a"],)"
           R"("event_types":["task_*"],"filters":{"data":{"status":["failed"]}},)"
           R"("transformations":["add_timestamp",{"op":"remove","path":"/data/x"}],)"
           R"("priority":7,"enabled":false,"final":true},)"
           R"({"name":"r2","source_topics":[],"target_topics":["b"],"event_types":[],)"
           R"("filters":{},"transformations":[],"priority":0,"enabled":true,"final":false}])");
  // The output parses back into an equal table.
  auto again = table(text);
  CHECK(boost::json::serialize(again->to_json()) == text);
  CHECK(t->find("r2") != nullptr);
  CHECK(t->find("nope") == nullptr);
}

TEST_CASE("the index agrees with evaluating every rule one by one") {
  // A reference evaluation without any index, over random rules and events.
  std::mt19937 rng{42};
  const std::vector<std::string> types = {"task_created", "task_failed", "agent_error",
                                          "metrics", "document_uploaded", "custom_x"};
  const std::vector<std::string> type_specs = {"task_created", "task_*", "*_failed", "agent_*",
                                               "metrics", "custom_*", "*"};
  const std::vector<std::string> filters = {
    "{}", R"({"data":{"status":["failed"]}})", R"({"data":{"n":[{"numeric":[">",5]}]}})",
    R"({"source":[{"prefix":"ing"}]})", R"({"data":{"status":["ok","failed"]}})"};
  const std::vector<std::string> topics = {"events", "tasks", "other"};
  std::string rules = "[";
  for (int i = 0; i < 40; ++i) {
    if (i > 0)
      rules += ",";
    rules += R"({"name":"r)" + std::to_string(i) + R"(","target_topics":["t"],"priority":)"
             + std::to_string(rng() % 5) + R"(,"filters":)" + filters[rng() % filters.size()];
    if (rng() % 3 == 0)
      rules += R"(,"event_types":[")" + type_specs[rng() % type_specs.size()] + R"("])";
    if (rng() % 4 == 0)
      rules += R"(,"source_topics":[")" + topics[rng() % 2] + R"("])";
    if (rng() % 10 == 0)
      rules += R"(,"final":true)";
    if (rng() % 10 == 0)
      rules += R"(,"enabled":false)";
    rules += "}";
  }
  rules += "]";
  auto t = table(rules);
  std::vector<std::size_t> order(t->rules().size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return t->rules()[a].priority > t->rules()[b].priority;
  });
  codec dec;
  const std::vector<std::string> datas = {R"({"status":"failed","n":7})", R"({"status":"ok"})",
                                          R"({"n":3})", "{}"};
  for (int i = 0; i < 300; ++i) {
    auto type = types[rng() % types.size()];
    auto topic = topics[rng() % topics.size()];
    auto ev = make_event(dec, type, datas[rng() % datas.size()]);
    names expected;
    for (auto idx : order) {
      const auto& r = t->rules()[idx];
      bool type_ok = r.event_types.empty()
                     || std::any_of(r.event_types.begin(), r.event_types.end(),
                                    [&](const std::string& g) { return glob_match(g, type); });
      bool topic_ok = r.source_topics.empty() || r.source_topics[0] == topic;
      if (r.enabled && type_ok && topic_ok && r.filter.matches(ev->root())) {
        expected.push_back(r.name);
        if (r.final)
          break;
      }
    }
    INFO(type << " on " << topic << ": " << ev->bytes());
    CHECK(fired(*t, ev, topic) == expected);
  }
}
