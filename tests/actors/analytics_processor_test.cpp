#include <catch2/catch.hpp>

#include "actors/processors.hpp"
#include "tests/actors/processor_harness.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

event_ptr timed(processor_harness& h, std::string_view type, double latency_ms) {
  return must(h.input.create(type, {{"task_id", "t"}, {"latency_ms", latency_ms}}));
}

// Handles `n` events of `type` spread over the tumbling window starting at `h.now`.
void fill(processor_harness& h, std::string_view type, int n, double window = 10) {
  auto start = h.now;
  for (int i = 0; i < n; ++i) {
    h.now = start + window * i / n;
    h.handle(must(h.input.create(type, {})));
  }
  h.now = start + window;
}

} // namespace

TEST_CASE("closed windows become metrics events") {
  processor_harness h{make_analytics_processor(processors_config{})};
  h.now = 1000;
  for (int i = 1; i <= 4; ++i)
    h.handle(timed(h, "task_completed", i * 10));
  h.handle(must(h.input.create("document_uploaded", {{"document_id", "d"}})));
  h.now = 1009.9;
  CHECK(h.tick().outputs.empty());
  h.now = 1010;
  auto r = h.tick();
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"metrics", "metrics"});
  const auto& docs = r.outputs[0];
  CHECK(docs->data_string("key") == "document_uploaded");
  CHECK(docs->data_string("window") == "tumbling");
  CHECK(data_num(docs, "count") == 1);
  const auto& tasks = r.outputs[1];
  CHECK(tasks->data_string("key") == "task_completed");
  CHECK(data_num(tasks, "count") == 4);
  CHECK(data_num(tasks, "rate") == Approx(0.4));
  CHECK(data_num(tasks, "start") == Approx(1000));
  CHECK(data_num(tasks, "end") == Approx(1010));
  CHECK(data_num(tasks, "p50") == Approx(20));
  CHECK(data_num(tasks, "p99") == Approx(40));
  CHECK(tasks->source() == "processor.analytics");
  auto s = h.stats();
  CHECK(count_at(s, "events_by_type.task_completed") == 4);
  CHECK(count_at(s, "last_window.task_completed") == 4);
  CHECK(count_at(s, "windows_closed") == 2);
  CHECK(count_at(s, "emitted") == 2);
}

TEST_CASE("the analytics processor does not count its own events") {
  processor_harness h{make_analytics_processor(processors_config{})};
  h.now = 2000;
  h.handle(must(h.input.create("metrics", {{"metric_name", "x"}, {"value", 1}})));
  h.now = 2010;
  auto r = h.tick();
  REQUIRE(r.outputs.size() == 1);
  // The metrics event comes back through the analytics route.
  h.handle(r.outputs[0]);
  h.now = 2020;
  CHECK(h.tick().outputs.empty());
  auto s = h.stats();
  CHECK(count_at(s, "events_by_type.metrics") == 1);
  CHECK(count_at(s, "own_events_skipped") == 1);
  CHECK(count_at(s, "handled") == 2);
}

TEST_CASE("every configured window reports") {
  processors_config cfg;
  cfg.windows = {window_spec{"tumbling", 10, 5, 30}, window_spec{"sliding", 20, 10, 30},
                 window_spec{"session", 10, 5, 3}};
  processor_harness h{make_analytics_processor(cfg)};
  h.now = 3000;
  h.handle(timed(h, "task_created", 5));
  h.now = 3010;
  auto r = h.tick();
  // Tumbling [3000, 3010), sliding [2990, 3010) and the session idle since 3000.
  REQUIRE(r.outputs.size() == 3);
  std::vector<std::string> kinds;
  for (const auto& e : r.outputs)
    kinds.emplace_back(e->data_string("window"));
  CHECK(kinds == std::vector<std::string>{"tumbling", "sliding", "session"});
}

TEST_CASE("an anomalous rate raises an alert") {
  processors_config cfg;
  cfg.anomaly_z_threshold = 3;
  processor_harness h{make_analytics_processor(cfg)};
  h.now = 5000;
  // A steady baseline of ten events per window raises nothing.
  for (int w = 0; w < 12; ++w) {
    fill(h, "task_created", 10);
    auto r = h.tick();
    CHECK(of_type(r.outputs, "alert").empty());
  }
  fill(h, "task_created", 100);
  auto r = h.tick();
  auto alerts = of_type(r.outputs, "alert");
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0]->data_string("severity") == "warning");
  auto title = std::string{alerts[0]->data_string("title")};
  CHECK_THAT(title, Catch::Contains("task_created") && Catch::Contains("z = "));
  CHECK(data_num(alerts[0], "rate") == Approx(10));
  CHECK(data_num(alerts[0], "z") >= 3);
  CHECK(count_at(h.stats(), "anomalies") == 1);
}

TEST_CASE("metrics per tick are capped and the rest counted") {
  processor_harness h{make_analytics_processor(processors_config{})};
  h.now = 7000;
  for (int i = 0; i < 60; ++i)
    h.handle(must(h.input.create("custom_" + std::to_string(i), {})));
  h.now = 7010;
  auto r = h.tick();
  CHECK(r.outputs.size() == 50);
  CHECK(count_at(h.stats(), "metrics_suppressed") == 10);
}

TEST_CASE("events stamped before a reported window are counted as late") {
  processor_harness h{make_analytics_processor(processors_config{})};
  h.now = 8000;
  h.handle(timed(h, "task_created", 1));
  h.now = 8010;
  REQUIRE(h.tick().outputs.size() == 1);
  // The wall clock stepped back into the window already reported.
  h.now = 8005;
  h.handle(timed(h, "task_created", 1));
  CHECK(count_at(h.stats(), "late_events") == 1);
  h.now = 8020;
  CHECK(h.tick().outputs.empty());
}
