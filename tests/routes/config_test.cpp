#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "events/error.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

using namespace switchboard;

namespace {

switchboard_config parse_ok(std::string_view json) {
  auto cfg = parse_config(json);
  INFO(json);
  if (!cfg)
    FAIL(error_text(cfg.error()));
  return std::move(*cfg);
}

std::string errors_of(std::string_view json) {
  auto cfg = parse_config(json);
  INFO(json);
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error() == route_errc::bad_config);
  return error_text(cfg.error());
}

// The single error line of a config with one problem.
std::string error_of(std::string_view json) {
  auto text = errors_of(json);
  CHECK(text.find('\n') == std::string::npos);
  return text;
}

constexpr std::string_view route_ok = R"({"name":"r","target_topics":["t"]})";

std::string with_route(std::string_view route) {
  return R"({"routes":[)" + std::string{route_ok} + "," + std::string{route} + "]}";
}

} // namespace

TEST_CASE("an empty config gives every default") {
  auto cfg = parse_ok("{}");
  REQUIRE(cfg.routes);
  CHECK(cfg.routes->size() == 0);
  CHECK(cfg.topics.dead_letters == "dead_letters");
  CHECK(cfg.topics.unmatched.empty());
  CHECK(cfg.kafka.group_id == "switchboard");
  CHECK(cfg.http.address == "127.0.0.1:8080");
  CHECK(cfg.processors.hop_limit == 8);
  CHECK(cfg.alert_rules.empty());
}

TEST_CASE("every section is parsed into the structs") {
  auto cfg = parse_ok(R"({
    "description": "all sections",
    "kafka": {"brokers": "127.0.0.1:9092", "group_id": "g",
              "consumer": {"fetch.wait.max.ms": 5, "enable.auto.commit": false},
              "producer": {"linger.ms": "2"}},
    "topics": {"input": ["events", "more"], "dead_letters": "dlq", "unmatched": "none",
               "partitions": 8},
    "routes": [{"name": "r", "target_topics": ["t"], "priority": -3}],
    "alert_rules": [{"name": "a", "metric": "error_rate", "condition": "gte", "threshold": 0.5,
                     "severity": "critical", "cooldown": "2m", "for": 30,
                     "description": "d"}],
    "processors": {"batch_size": 128, "max_inflight_batches": 4, "restart_backoff": "250ms",
                   "restart_backoff_max": "5s", "max_retries": 2, "hop_limit": 4,
                   "heartbeat": 0.5, "heartbeat_timeout": "3s",
                   "agents": [{"id": "a1", "capabilities": ["analysis"], "max_concurrency": 2}],
                   "windows": [{"kind": "sliding", "size": "1m", "slide": "15s"},
                               {"kind": "session", "gap": "1h"}],
                   "anomaly_z_threshold": 2.5,
                   "webhooks": [{"name": "w", "url": "http://127.0.0.1:9000/hook",
                                 "event_types": ["alert"], "max_retries": 1, "timeout": "1500ms"}],
                   "dedupe_window": "10s", "breaker_failure_threshold": 3, "breaker_open": "20s"},
    "http": {"address": "0.0.0.0:9090", "enabled": false},
    "cluster": {"listen": "127.0.0.1:7000", "join": ["127.0.0.1:7001"], "node_name": "n1",
                "processors": ["document", "agent"], "heartbeat": "250ms", "timeout": 2}
  })");
  CHECK(cfg.description == "all sections");
  CHECK(cfg.kafka.brokers == "127.0.0.1:9092");
  CHECK(cfg.kafka.group_id == "g");
  CHECK(cfg.kafka.consumer.at("fetch.wait.max.ms") == "5");
  CHECK(cfg.kafka.consumer.at("enable.auto.commit") == "false");
  CHECK(cfg.kafka.producer.at("linger.ms") == "2");
  CHECK(cfg.topics.input == std::vector<std::string>{"events", "more"});
  CHECK(cfg.topics.dead_letters == "dlq");
  CHECK(cfg.topics.unmatched == "none");
  CHECK(cfg.topics.partitions == 8);
  REQUIRE(cfg.routes->size() == 1);
  CHECK(cfg.routes->rules()[0].priority == -3);
  REQUIRE(cfg.alert_rules.size() == 1);
  const auto& a = cfg.alert_rules[0];
  CHECK(a.condition == alert_condition::gte);
  CHECK(to_string(a.condition) == std::string{"gte"});
  CHECK(a.threshold == 0.5);
  CHECK(a.severity == "critical");
  CHECK(a.cooldown_seconds == 120);
  CHECK(a.for_seconds == 30);
  const auto& p = cfg.processors;
  CHECK(p.batch_size == 128);
  CHECK(p.max_inflight_batches == 4);
  CHECK(p.restart_backoff_ms == Approx(250));
  CHECK(p.restart_backoff_max_ms == Approx(5000));
  CHECK(p.max_retries == 2);
  CHECK(p.hop_limit == 4);
  CHECK(p.heartbeat_seconds == 0.5);
  CHECK(p.heartbeat_timeout_seconds == 3);
  REQUIRE(p.agents.size() == 1);
  CHECK(p.agents[0].capabilities == std::vector<std::string>{"analysis"});
  CHECK(p.agents[0].max_concurrency == 2);
  REQUIRE(p.windows.size() == 2);
  CHECK(p.windows[0].size_seconds == 60);
  CHECK(p.windows[0].slide_seconds == 15);
  CHECK(p.windows[1].gap_seconds == 3600);
  CHECK(p.anomaly_z_threshold == 2.5);
  REQUIRE(p.webhooks.size() == 1);
  CHECK(p.webhooks[0].timeout_seconds == Approx(1.5));
  CHECK(p.webhooks[0].event_types == std::vector<std::string>{"alert"});
  CHECK(p.dedupe_window_seconds == 10);
  CHECK(p.breaker_failure_threshold == 3);
  CHECK(p.breaker_open_seconds == 20);
  CHECK(cfg.http.address == "0.0.0.0:9090");
  CHECK_FALSE(cfg.http.enabled);
  CHECK(cfg.cluster.listen == "127.0.0.1:7000");
  CHECK(cfg.cluster.join == std::vector<std::string>{"127.0.0.1:7001"});
  CHECK(cfg.cluster.node_name == "n1");
  CHECK(cfg.cluster.processors == std::vector<std::string>{"document", "agent"});
  CHECK(cfg.cluster.heartbeat_seconds == 0.25);
  CHECK(cfg.cluster.timeout_seconds == 2);
}

TEST_CASE("unknown keys are errors naming their path") {
  CHECK(error_of(R"({"kafka":{"bogus":1}})")
        == "kafka.bogus: unknown key (known: brokers, group_id, consumer, producer)");
  CHECK_THAT(error_of(R"({"extra":true})"), Catch::StartsWith("extra: unknown key (known: "));
  CHECK_THAT(error_of(with_route(R"({"name":"x","target_topics":["t"],"filter":{}})")),
             Catch::StartsWith("routes[1].filter: unknown key"));
  CHECK_THAT(error_of(R"({"processors":{"windows":[{"kind":"tumbling","length":5}]}})"),
             Catch::StartsWith("processors.windows[0].length: unknown key"));
  CHECK_THAT(error_of(R"({"alert_rules":[{"name":"a","metric":"m","condition":"gt",)"
                      R"("threshold":1,"cooldown_seconds":5}]})"),
             Catch::StartsWith("alert_rules[0].cooldown_seconds: unknown key"));
  CHECK(error_of(R"({"http":{"enabled":true,"enabled":false}})")
        == "http.enabled: duplicate key");
}

TEST_CASE("wrong types are errors naming their path") {
  CHECK(error_of(R"([])") == "config: must be an object, not an array");
  CHECK(error_of(R"({"kafka":[]})") == "kafka: must be an object, not an array");
  CHECK(error_of(R"({"kafka":{"brokers":5}})") == "kafka.brokers: must be a string, not a number");
  CHECK(error_of(R"({"topics":{"input":"events"}})")
        == "topics.input: must be an array of strings, not a string");
  CHECK(error_of(R"({"topics":{"input":["a",7]}})")
        == "topics.input[1]: must be a string, not a number");
  CHECK(error_of(R"({"topics":{"partitions":1.5}})") == "topics.partitions: must be an integer");
  CHECK(error_of(R"({"topics":{"partitions":0}})") == "topics.partitions: must be at least 1");
  CHECK(error_of(R"({"http":{"enabled":"yes"}})")
        == "http.enabled: must be true or false, not a string");
  CHECK(error_of(R"({"routes":{}})") == "routes: must be an array of routes, not an object");
  CHECK(error_of(R"({"routes":[5]})") == "routes[0]: must be an object, not a number");
  CHECK(error_of(with_route(R"({"name":"x","target_topics":["t"],"priority":"high"})"))
        == "routes[1].priority: must be an integer, not a string");
  CHECK(error_of(R"({"kafka":{"consumer":{"a":[1]}}})")
        == "kafka.consumer.a: must be a string, number or boolean, not an array");
  CHECK(error_of(R"({"processors":{"batch_size":-1}})")
        == "processors.batch_size: must be at least 1");
  CHECK(error_of(R"({"processors":{"hop_limit":3000000000}})")
        == "processors.hop_limit: must be at most 2147483647");
}

TEST_CASE("route errors name the route's path") {
  CHECK(error_of(with_route(R"({"name":"x","target_topics":[]})"))
        == "routes[1].target_topics: must not be empty");
  CHECK(error_of(with_route(R"({"name":"x"})")) == "routes[1].target_topics: missing");
  CHECK(error_of(with_route(R"({"target_topics":["t"]})")) == "routes[1].name: missing");
  CHECK(error_of(with_route(R"({"name":"","target_topics":["t"]})"))
        == "routes[1].name: must not be empty");
  CHECK(error_of(with_route(R"({"name":"x","target_topics":[""]})"))
        == "routes[1].target_topics[0]: must not be empty");
  CHECK(error_of(with_route(R"({"name":"r","target_topics":["t"]})"))
        == "routes[1].name: duplicate route name 'r' (first at routes[0].name)");
  CHECK(error_of(with_route(R"({"name":"x","target_topics":["t"],"event_types":["task created"]})"))
        == "routes[1].event_types[0]: 'task created' is not an event type or glob (letters, "
           "digits, _ - . and *)");
  CHECK(error_of(with_route(R"({"name":"x","target_topics":["t"],"enabled":1})"))
        == "routes[1].enabled: must be true or false, not a number");
  CHECK(error_of(with_route(R"({"name":"x","target_topics":["t"],"transformations":["nope"]})"))
        == "routes[1].transformations[0]: unknown built-in transformation 'nope' (known: "
           "add_routing_metadata, add_timestamp, increment_hops, redact_pii)");
  CHECK(error_of(with_route(
          R"({"name":"x","target_topics":["t"],"transformations":[{"op":"add","path":"a","value":1}]})"))
        == "routes[1].transformations[0].path: JSON Pointer 'a' must start with '/'");
}

TEST_CASE("bad filter patterns are errors naming the pattern path") {
  auto text = error_of(with_route(
    R"({"name":"x","target_topics":["t"],"filters":{"data":{"size":[{"numeric":[]}]}}})"));
  CHECK_THAT(text, Catch::StartsWith("routes[1].filters.data.size"));
  auto type = error_of(with_route(R"({"name":"x","target_topics":["t"],"filters":[1]})"));
  CHECK_THAT(type, Catch::StartsWith("routes[1].filters"));
}

TEST_CASE("the legacy filter form with scalar values works") {
  auto cfg = parse_ok(R"({"routes":[{"name":"pending","filters":{"data":{"status":"pending"}},)"
                      R"("target_topics":["t"]}]})");
  codec dec;
  auto match = dec.decode(std::string_view{
    R"({"event_id":"e","event_type":"task_created","timestamp":"t","source":"s","data":{"status":"pending"}})"});
  auto other = dec.decode(std::string_view{
    R"({"event_id":"e","event_type":"task_created","timestamp":"t","source":"s","data":{"status":"done"}})"});
  REQUIRE(match);
  REQUIRE(other);
  route_env env;
  route_result result;
  cfg.routes->evaluate(*match, "events", result, env);
  CHECK(result.deliveries.size() == 1);
  cfg.routes->evaluate(*other, "events", result, env);
  CHECK(result.unmatched);
}

TEST_CASE("alert rule errors name their path") {
  auto rule = [](std::string_view body) {
    return R"({"alert_rules":[{"name":"ok","metric":"m","condition":"gt","threshold":1},)"
           + std::string{body} + "]}";
  };
  CHECK(error_of(rule(R"({"name":"ok","metric":"m","condition":"gt","threshold":1})"))
        == "alert_rules[1].name: duplicate alert rule name 'ok' (first at alert_rules[0].name)");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"above","threshold":1})"))
        == "alert_rules[1].condition: 'above' is not one of gt, gte, lt, lte, eq, ne");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","threshold":1})"))
        == "alert_rules[1].condition: missing");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"gt"})"))
        == "alert_rules[1].threshold: missing");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"gt","threshold":"1"})"))
        == "alert_rules[1].threshold: must be a number, not a string");
  CHECK(error_of(rule(R"({"name":"b","condition":"gt","threshold":1})"))
        == "alert_rules[1].metric: missing");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"gt","threshold":1,"severity":"fatal"})"))
        == "alert_rules[1].severity: 'fatal' is not one of info, warning, error, critical");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"gt","threshold":1,"cooldown":-5})"))
        == "alert_rules[1].cooldown: must not be negative");
  CHECK(error_of(rule(R"({"name":"b","metric":"m","condition":"gt","threshold":1,"for":"-1s"})"))
        == "alert_rules[1].for: must not be negative");
  CHECK(error_of(R"({"alert_rules":{}})")
        == "alert_rules: must be an array of alert rules, not an object");
}

TEST_CASE("durations are seconds or strings with a unit") {
  auto cooldown = [](std::string_view value) {
    auto cfg = parse_config(R"({"alert_rules":[{"name":"a","metric":"m","condition":"gt",)"
                            R"("threshold":1,"cooldown":)"
                            + std::string{value} + "}]}");
    REQUIRE(cfg);
    return cfg->alert_rules[0].cooldown_seconds;
  };
  CHECK(cooldown("30") == 30);
  CHECK(cooldown("1.5") == 1.5);
  CHECK(cooldown(R"("30s")") == 30);
  CHECK(cooldown(R"("500ms")") == 0.5);
  CHECK(cooldown(R"("2m")") == 120);
  CHECK(cooldown(R"("1h")") == 3600);
  CHECK(cooldown(R"("0")") == 0);
  CHECK(error_of(R"({"cluster":{"heartbeat":"soon"}})")
        == "cluster.heartbeat: 'soon' is not a duration (a number of seconds, or a string such "
           "as \"30s\", \"500ms\", \"2m\", \"1h\")");
  CHECK(error_of(R"({"cluster":{"heartbeat":"5d"}})").find("is not a duration")
        != std::string::npos);
  CHECK(error_of(R"({"cluster":{"heartbeat":true}})")
        == "cluster.heartbeat: must be a duration (seconds or \"30s\"), not a boolean");
  CHECK(error_of(R"({"cluster":{"heartbeat":0}})") == "cluster.heartbeat: must be greater than zero");
  CHECK(error_of(R"({"processors":{"restart_backoff":"2s","restart_backoff_max":"1s"}})")
        == "processors.restart_backoff_max: must not be less than restart_backoff");
}

TEST_CASE("processor, http and cluster values are checked") {
  CHECK(error_of(R"({"processors":{"windows":[{"kind":"hopping"}]}})")
        == "processors.windows[0].kind: 'hopping' is not one of tumbling, sliding, session");
  CHECK(error_of(R"({"processors":{"windows":[{"kind":"sliding","size":5,"slide":10}]}})")
        == "processors.windows[0].slide: must not be longer than size");
  CHECK(error_of(R"({"processors":{"agents":[{"id":"a","capabilities":["x"]},)"
                 R"({"id":"a","capabilities":["y"]}]}})")
        == "processors.agents[1].id: duplicate agent id 'a' (first at processors.agents[0].id)");
  CHECK(error_of(R"({"processors":{"agents":[{"id":"a","capabilities":[]}]}})")
        == "processors.agents[0].capabilities: must not be empty");
  CHECK(error_of(R"({"processors":{"webhooks":[{"name":"w","url":"ftp://x"}]}})")
        == "processors.webhooks[0].url: 'ftp://x' is not an http:// URL");
  CHECK(error_of(R"({"processors":{"anomaly_z_threshold":0}})")
        == "processors.anomaly_z_threshold: must be greater than zero");
  CHECK(error_of(R"({"http":{"address":"localhost"}})")
        == "http.address: 'localhost' is not HOST:PORT");
  CHECK(error_of(R"({"http":{"address":"127.0.0.1:99999"}})")
        == "http.address: '127.0.0.1:99999' is not HOST:PORT");
  CHECK(error_of(R"({"cluster":{"join":["nohost"]}})") == "cluster.join[0]: 'nohost' is not HOST:PORT");
  CHECK(error_of(R"({"cluster":{"processors":["billing"]}})")
        == "cluster.processors[0]: 'billing' is not one of document, task, agent, analytics, "
           "notification");
  CHECK(error_of(R"({"topics":{"dead_letters":""}})") == "topics.dead_letters: must not be empty");
}

TEST_CASE("every error is reported, one per line") {
  auto text = errors_of(R"({
    "kafka": {"bogus": 1},
    "routes": [{"name": "a", "target_topics": []}, {"name": "a", "target_topics": ["t"]}],
    "alert_rules": [{"name": "x", "metric": "m", "condition": "over", "threshold": 1}],
    "http": {"address": "nowhere"}
  })");
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);
  CHECK_THAT(text, Catch::Contains("kafka.bogus: unknown key"));
  CHECK_THAT(text, Catch::Contains("routes[0].target_topics: must not be empty"));
  CHECK_THAT(text, Catch::Contains("routes[1].name: duplicate route name 'a'"));
  CHECK_THAT(text, Catch::Contains("alert_rules[0].condition: 'over' is not one of"));
  CHECK_THAT(text, Catch::Contains("http.address: 'nowhere' is not HOST:PORT"));
}

TEST_CASE("unreadable files and non-JSON name the file") {
  auto missing = load_config("/nonexistent/switchboard.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == route_errc::unreadable_config);
  CHECK(error_text(missing.error())
        == "cannot read /nonexistent/switchboard.json: No such file or directory");
  auto path = std::string{"config_test_not_json.json"};
  {
    std::ofstream out{path};
    out << "{\"routes\": [";
  }
  auto bad = load_config(path);
  std::remove(path.c_str());
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == route_errc::unreadable_config);
  CHECK_THAT(error_text(bad.error()), Catch::StartsWith(path + ": not valid JSON: "));
}

TEST_CASE("parse_routes accepts a routes array or an object holding one") {
  auto arr = parse_routes(R"([{"name":"a","target_topics":["t"]}])");
  REQUIRE(arr);
  CHECK((*arr)->size() == 1);
  auto obj = parse_routes(R"({"routes":[{"name":"a","target_topics":["t"]}]})");
  REQUIRE(obj);
  CHECK((*obj)->size() == 1);
  auto bad = parse_routes(R"({"routes":[{"name":"a","target_topics":[]}]})");
  REQUIRE_FALSE(bad);
  CHECK(error_text(bad.error()) == "routes[0].target_topics: must not be empty");
  auto missing = parse_routes(R"({"rules":[]})");
  REQUIRE_FALSE(missing);
  CHECK_THAT(error_text(missing.error()), Catch::Contains("routes: missing"));
}
