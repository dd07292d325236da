#include <catch2/catch.hpp>

#include <dirent.h>

#include <algorithm>
#include <map>

#include "events/error.hpp"
#include "events/factory.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

using namespace switchboard;

namespace {

std::string config_path(const std::string& name) {
  return std::string{SWITCHBOARD_SOURCE_DIR} + "/config/" + name;
}

switchboard_config load(const std::string& name) {
  auto cfg = load_config(config_path(name));
  INFO(name);
  if (!cfg)
    FAIL(error_text(cfg.error()));
  return std::move(*cfg);
}

// Routes one event arriving on `events`: route name -> delivered event.
struct routed {
  std::vector<std::string> routes;
  std::map<std::string, route_delivery> by_route;
  bool unmatched = false;
  std::size_t failures = 0;
};

routed route(const switchboard_config& cfg, const event_ptr& ev) {
  route_env env;
  route_result result;
  cfg.routes->evaluate(ev, "events", result, env);
  routed out;
  for (const auto& d : result.deliveries) {
    out.routes.push_back(d.rule->name);
    out.by_route.emplace(d.rule->name, d);
  }
  out.unmatched = result.unmatched;
  out.failures = result.failures.size();
  return out;
}

event_ptr make(std::string_view type, const json_fields& data) {
  static event_factory factory{"predefined-test"};
  auto ev = factory.create(type, data);
  if (!ev)
    FAIL(error_text(ev.error()));
  return *ev;
}

std::string_view meta_string(const event_ptr& ev, const char* key) {
  std::string_view s;
  if (ev->metadata()[key].get_string().get(s))
    return {};
  return s;
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("every shipped config loads") {
  auto* dir = opendir((std::string{SWITCHBOARD_SOURCE_DIR} + "/config").c_str());
  REQUIRE(dir != nullptr);
  std::vector<std::string> files;
  while (auto* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".json")
      files.push_back(name);
  }
  closedir(dir);
  std::sort(files.begin(), files.end());
  CHECK(files
        == names{"agent-monitoring.json", "analytics.json", "demo.json",
                 "document-processing.json"});
  for (const auto& file : files) {
    auto cfg = load(file);
    CHECK(cfg.routes->size() > 0);
    CHECK(cfg.alert_rules.size() > 0);
    CHECK(cfg.topics.input == names{"events"});
    CHECK(cfg.topics.dead_letters == "dead_letters");
    CHECK(cfg.topics.unmatched == "unmatched");
  }
}

TEST_CASE("document-processing routes uploads, failures and PDFs") {
  auto cfg = load("document-processing.json");
  auto pdf = route(cfg, make("document_uploaded", {{"document_id", "d1"}, {"status", "pending"},
                                                   {"file_path", "/in/report.pdf"}}));
  CHECK(pdf.routes == names{"document-events", "pdf-uploads"});
  const auto& ocr = pdf.by_route.at("pdf-uploads");
  CHECK(ocr.topics() == names{"ocr_queue"});
  CHECK(ocr.event->metadata()["ocr"].get_bool().value());
  CHECK(meta_string(ocr.event, "ocr_source") == "/in/report.pdf");
  CHECK(meta_string(pdf.by_route.at("document-events").event, "route") == "document-events");
  auto txt = route(cfg, make("document_uploaded", {{"document_id", "d2"}, {"status", "pending"},
                                                   {"file_path", "/in/notes.txt"}}));
  CHECK(txt.routes == names{"document-events"});
  auto failed = route(cfg, make("document_processed",
                                {{"document_id", "d3"}, {"status", "failed"},
                                 {"file_path", "/in/x.pdf"},
                                 {"error", "owner jane@example.com, call 555-123-4567"}}));
  CHECK(failed.routes == names{"document-events", "document-failures"});
  const auto& kept = failed.by_route.at("document-failures");
  CHECK(kept.topics() == names{"document_failures"});
  CHECK(std::string_view{kept.event->data()["error"].get_string().value()}
        == "owner [redacted-email], call [redacted-phone]");
  CHECK_FALSE(meta_string(kept.event, "processed_at").empty());
  CHECK(route(cfg, make("task_created", {{"task_id", "t"}})).unmatched);
}

TEST_CASE("analytics routes metrics and flags slow operations") {
  auto cfg = load("analytics.json");
  auto slow = route(cfg, make("performance_data", {{"metric_name", "latency_ms"}, {"value", 1500}}));
  CHECK(slow.routes == names{"analytics-metrics", "slow-operations"});
  const auto& flagged = slow.by_route.at("slow-operations");
  CHECK(meta_string(flagged.event, "flag") == "slow");
  CHECK(flagged.event->metadata()["observed_value"].get_int64().value() == 1500);
  auto fast = route(cfg, make("performance_data", {{"metric_name", "latency_ms"}, {"value", 12.5}}));
  CHECK(fast.routes == names{"analytics-metrics"});
  // The untransformed route shares the original event.
  CHECK(route(cfg, make("quality_check_passed", {{"check_id", "q"}, {"score", 0.9}})).routes
        == names{"quality-results"});
  CHECK(route(cfg, make("insight_generated", {{"insight_type", "trend"}, {"confidence", 0.9}}))
          .routes
        == names{"business-insights"});
  CHECK(route(cfg, make("insight_generated", {{"insight_type", "trend"}, {"confidence", 0.1}}))
          .unmatched);
  CHECK(route(cfg, make("component_health", {{"component", "dispatcher"}, {"status", "ok"}}))
          .routes
        == names{"system-health"});
  REQUIRE(cfg.processors.windows.size() == 3);
  CHECK(cfg.processors.windows[1].slide_seconds == 10);
}

TEST_CASE("agent-monitoring sends new tasks to the pool and flags unhealthy agents") {
  auto cfg = load("agent-monitoring.json");
  auto created = route(cfg, make("task_created", {{"task_id", "t1"}, {"task_type", "analysis"},
                                                  {"status", "pending"}}));
  CHECK(created.routes == names{"task-assignment"});
  CHECK(created.by_route.at("task-assignment").topics() == names{"tasks", "agents"});
  CHECK(route(cfg, make("task_completed", {{"task_id", "t1"}})).routes == names{"task-lifecycle"});
  auto degraded = route(cfg, make("agent_health", {{"agent_id", "a1"}, {"status", "degraded"}}));
  CHECK(degraded.routes == names{"agent-events", "unhealthy-agents"});
  CHECK(degraded.by_route.at("unhealthy-agents").event->metadata()["needs_attention"]
          .get_bool()
          .value());
  CHECK(route(cfg, make("agent_health", {{"agent_id", "a1"}, {"status", "healthy"}})).routes
        == names{"agent-events"});
  auto error = route(cfg, make("agent_error", {{"agent_id", "a1"}, {"message", "mail ops@corp.io"}}));
  CHECK(error.routes == names{"agent-events", "agent-errors"});
  CHECK(std::string_view{error.by_route.at("agent-errors").event->data()["message"]
                           .get_string()
                           .value()}
        == "mail [redacted-email]");
  CHECK(cfg.processors.agents.size() == 3);
}

TEST_CASE("the demo config routes every family to its processor topic") {
  auto cfg = load("demo.json");
  const std::vector<std::pair<event_ptr, std::string>> samples = {
    {make("document_uploaded", {{"document_id", "d"}, {"status", "pending"}, {"file_path", "/a"}}),
     "documents"},
    {make("task_started", {{"task_id", "t"}}), "tasks"},
    {make("task_created", {{"task_id", "t"}}), "agents"},
    {make("agent_task_completed", {{"agent_id", "a"}}), "agents"},
    {make("metrics", {{"metric_name", "m"}, {"value", 1}}), "analytics"},
    {make("user_notification", {{"recipient", "r"}, {"title", "t"}, {"severity", "info"}}),
     "notifications"},
    {make("quality_check_failed", {{"check_id", "q"}, {"score", 0.1}}), "analytics"},
    {make("insight_generated", {{"insight_type", "i"}, {"confidence", 0.7}}), "analytics"},
    {make("performance_metrics", {{"component", "c"}, {"status", "ok"}}), "analytics"},
  };
  for (const auto& [ev, topic] : samples) {
    INFO(ev->event_type());
    auto r = route(cfg, ev);
    CHECK(r.failures == 0);
    bool delivered = false;
    for (const auto& [name, d] : r.by_route)
      delivered = delivered || std::count(d.topics().begin(), d.topics().end(), topic) > 0;
    CHECK(delivered);
  }
  auto critical = route(cfg, make("alert", {{"title", "disk"}, {"severity", "critical"}}));
  CHECK(critical.routes == names{"critical-alerts"});
  CHECK(critical.by_route.at("critical-alerts").topics() == names{"notifications", "critical_alerts"});
  auto warning = route(cfg, make("alert", {{"title", "disk"}, {"severity", "warning"}}));
  CHECK(warning.routes == names{"notifications"});
  CHECK(route(cfg, make("something_else", {})).unmatched);
  // The demo is the three sets together plus notifications and analysis results.
  std::size_t parts = 0;
  for (auto file : {"document-processing.json", "analytics.json", "agent-monitoring.json"}) {
    auto part = load(file);
    parts += part.routes->size();
    for (const auto& rule : part.routes->rules())
      CHECK(cfg.routes->find(rule.name) != nullptr);
  }
  CHECK(cfg.routes->size() == parts + 3);
}

TEST_CASE("regression: patch routes of the shipped configs accept events without metadata") {
  // Patches adding under /metadata failed when an event arrived without metadata.
  codec dec;
  auto cfg = load("demo.json");
  const std::vector<std::pair<std::string, std::string>> samples = {
    {"document_uploaded", R"({"document_id":"d","status":"pending","file_path":"/in/a.pdf"})"},
    {"performance_data", R"({"metric_name":"latency_ms","value":5000})"},
    {"agent_health", R"({"agent_id":"a","status":"degraded"})"},
    {"document_processed", R"({"document_id":"d","status":"failed","file_path":"/a"})"},
    {"agent_error", R"({"agent_id":"a","message":"x"})"},
  };
  for (const auto& [type, data] : samples) {
    auto text = R"({"event_id":"e","event_type":")" + type
                + R"(","timestamp":"2026-01-01T00:00:00Z","source":"s","data":)" + data + "}";
    auto ev = dec.decode(std::string_view{text});
    REQUIRE(ev);
    REQUIRE_FALSE((*ev)->has_metadata());
    route_env env;
    route_result result;
    cfg.routes->evaluate(*ev, "events", result, env);
    INFO(type);
    for (const auto& f : result.failures)
      FAIL_CHECK(error_text(f.error));
    CHECK(result.deliveries.size() >= 2);
  }
}
