#include <catch2/catch.hpp>

#include "actors/processors.hpp"
#include "tests/actors/processor_harness.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

processors_config one_agent(double failure_probability = 0) {
  processors_config cfg;
  cfg.agents = {agent_spec{"a-1", {"analysis"}, 1}};
  cfg.agent_failure_probability = failure_probability;
  return cfg;
}

event_ptr created(processor_harness& h, const std::string& id, json_fields extra = {},
                  std::string_view type = "analysis") {
  return must(h.input.create_task_event(id, "created", type, "pending", {}, std::move(extra)));
}

} // namespace

TEST_CASE("tasks are assigned, queued and completed by the simulated agent") {
  auto cfg = one_agent();
  cfg.agent_service_min_seconds = 0.15;
  cfg.agent_service_max_seconds = 0.2;
  processor_harness h{make_agent_processor(cfg)};
  auto first = created(h, "t-1", {{"document_id", "doc-1"}});
  auto r = h.handle(first);
  CHECK(r.rejection.empty());
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"agent_task_started", "task_started"});
  CHECK(r.outputs[0]->data_string("agent_id") == "a-1");
  CHECK(r.outputs[0]->data_string("task_id") == "t-1");
  CHECK(r.outputs[1]->data_string("task_id") == "t-1");
  CHECK(r.outputs[1]->data_string("task_type") == "analysis");
  CHECK(r.outputs[1]->data_string("agent_id") == "a-1");
  CHECK(r.outputs[1]->data_string("document_id") == "doc-1");
  CHECK(r.outputs[1]->correlation_id() == first->event_id());

  // The only agent is busy: the second task waits.
  r = h.handle(created(h, "t-2"));
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  CHECK(count_at(h.stats(), "queued") == 1);
  CHECK(count_at(h.stats(), "agents.a-1.running") == 1);

  // Nothing finishes before the shortest service time.
  h.now += 0.14;
  CHECK(h.tick().outputs.empty());

  // After the longest service time the first run ends and the queued task starts.
  h.now += 0.065;
  r = h.tick();
  REQUIRE(types_of(r.outputs)
          == std::vector<std::string>{"agent_task_completed", "task_completed",
                                      "agent_task_started", "task_started"});
  const auto& done = r.outputs[1];
  CHECK(done->data_string("task_id") == "t-1");
  CHECK(done->data_string("document_id") == "doc-1");
  CHECK(done->data_string("agent_id") == "a-1");
  CHECK(done->correlation_id() == first->event_id());
  CHECK(done->hops() == first->hops() + 1);
  auto ms = data_num(done, "duration_ms");
  CHECK(ms >= 150);
  CHECK(ms <= 200);
  CHECK(r.outputs[3]->data_string("task_id") == "t-2");
  CHECK(count_at(h.stats(), "queued") == 0);

  h.now += 0.2;
  r = h.tick();
  REQUIRE(types_of(r.outputs)
          == std::vector<std::string>{"agent_task_completed", "task_completed"});
  CHECK(r.outputs[1]->data_string("task_id") == "t-2");
  auto s = h.stats();
  CHECK(count_at(s, "agents.a-1.completed") == 2);
  CHECK(count_at(s, "agents.a-1.running") == 0);
  CHECK(number_at(s, "agents.a-1.error_rate") == 0);
  CHECK(number_at(s, "agents.a-1.avg_ms") >= 150);
  CHECK(number_at(s, "agents.a-1.p99_ms") <= 200);
  CHECK(count_at(s, "emitted") == 8);
  CHECK(count_at(s, "handled") == 2);
}

TEST_CASE("a run that fails reports an agent error and a failed task") {
  processor_harness h{make_agent_processor(one_agent(1.0))};
  h.handle(created(h, "t-1", {{"document_id", "doc-1"}}));
  h.now += 1;
  auto r = h.tick();
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"agent_error", "task_failed"});
  CHECK(r.outputs[0]->data_string("agent_id") == "a-1");
  CHECK_FALSE(r.outputs[0]->data_string("error").empty());
  CHECK(r.outputs[1]->data_string("task_id") == "t-1");
  CHECK(r.outputs[1]->data_string("document_id") == "doc-1");
  auto s = h.stats();
  CHECK(count_at(s, "agents.a-1.failed") == 1);
  CHECK(number_at(s, "agents.a-1.error_rate") == 1);
}

TEST_CASE("service times follow the configured range and seed") {
  auto cfg = one_agent();
  cfg.agent_service_min_seconds = 0.5;
  cfg.agent_service_max_seconds = 0.5;
  processor_harness h{make_agent_processor(cfg)};
  h.handle(created(h, "t-1"));
  h.now += 0.49;
  CHECK(h.tick().outputs.empty());
  h.now += 0.02;
  auto r = h.tick();
  REQUIRE(of_type(r.outputs, "task_completed").size() == 1);
  CHECK(data_num(of_type(r.outputs, "task_completed")[0], "duration_ms") == Approx(500));
}

TEST_CASE("tasks no agent can run are counted, not rejected") {
  processor_harness h{make_agent_processor(one_agent())};
  auto r = h.handle(created(h, "t-1", {}, "translation"));
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  CHECK(count_at(h.stats(), "unassignable") == 1);
  // A task already running is a duplicate: rejected.
  h.handle(created(h, "t-2"));
  r = h.handle(created(h, "t-2"));
  CHECK_THAT(r.rejection, Catch::Contains("t-2"));
  CHECK(count_at(h.stats(), "rejected") == 1);
}

TEST_CASE("agent reports from outside update known agents; unknown ids are tracked") {
  processor_harness h{make_agent_processor(one_agent())};
  auto r = h.handle(must(h.input.create_agent_event("a-1", "error", "analysis", "error")));
  CHECK(r.rejection.empty());
  h.handle(must(h.input.create_agent_event("a-1", "health", "analysis", "degraded")));
  h.handle(must(h.input.create_agent_event("stranger", "health", "analysis", "healthy")));
  // The processor's own reports coming back are not counted again.
  event_factory own{"processor.agent"};
  h.handle(must(own.create_agent_event("a-1", "error", "analysis", "error")));
  auto s = h.stats();
  CHECK(count_at(s, "agents.a-1.reported.events") == 2);
  CHECK(count_at(s, "agents.a-1.reported.errors") == 1);
  CHECK(at_path(s, "agents.a-1.reported.last_status").as_string() == "degraded");
  CHECK(count_at(s, "unknown_agents.stranger") == 1);
  CHECK(count_at(s, "own_echoes") == 1);
}

TEST_CASE("agent health is reported every five seconds") {
  processors_config cfg = one_agent();
  cfg.agents.push_back(agent_spec{"a-2", {"summarization"}, 2});
  processor_harness h{make_agent_processor(cfg)};
  CHECK(h.tick().outputs.empty());
  h.now += 4.9;
  CHECK(h.tick().outputs.empty());
  h.now += 0.2;
  auto r = h.tick();
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"agent_health", "agent_health"});
  CHECK(r.outputs[0]->data_string("agent_id") == "a-1");
  CHECK(r.outputs[0]->data_string("status") == "healthy");
  CHECK(r.outputs[1]->data_string("agent_id") == "a-2");
  CHECK(data_num(r.outputs[1], "max_concurrency") == 2);
  h.now += 1;
  CHECK(h.tick().outputs.empty());
}
