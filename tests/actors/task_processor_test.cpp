#include <catch2/catch.hpp>

#include "actors/processors.hpp"
#include "tests/actors/processor_harness.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

processor_harness task_harness() {
  return processor_harness{make_task_processor(processors_config{})};
}

event_ptr task_event(processor_harness& h, const std::string& id, std::string_view action,
                     json_fields extra = {}) {
  return must(h.input.create_task_event(id, action, "analysis", action, {}, std::move(extra)));
}

} // namespace

TEST_CASE("a completed task notifies its owner") {
  auto h = task_harness();
  CHECK(h.handle(task_event(h, "t-1", "created", {{"owner", "alice"}})).outputs.empty());
  h.now += 1;
  CHECK(h.handle(task_event(h, "t-1", "started")).outputs.empty());
  CHECK(count_at(h.stats(), "active") == 1);
  CHECK(count_at(h.stats(), "open.started") == 1);
  h.now += 2;
  auto done = task_event(h, "t-1", "completed", {{"owner", "alice"}});
  auto r = h.handle(done);
  CHECK(r.rejection.empty());
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"user_notification"});
  const auto& n = r.outputs[0];
  CHECK(n->data_string("recipient") == "alice");
  CHECK(n->data_string("title") == "Task t-1 completed");
  CHECK(n->data_string("message") == "Task t-1 (analysis) completed in 3.000 s");
  CHECK(n->data_string("severity") == "info");
  CHECK(n->data_number("duration_seconds") == Approx(3));
  CHECK(n->correlation_id() == done->event_id());
  auto s = h.stats();
  CHECK(count_at(s, "active") == 0);
  CHECK(count_at(s, "states.created") == 1);
  CHECK(count_at(s, "states.completed") == 1);
  CHECK(number_at(s, "total_seconds.avg") == Approx(3));
  CHECK(number_at(s, "run_seconds.avg") == Approx(2));
  CHECK(number_at(s, "total_seconds.p99") == Approx(3));
  CHECK(count_at(s, "types.analysis.completed") == 1);
  CHECK(count_at(s, "handled") == 3);
  CHECK(count_at(s, "emitted") == 1);
}

TEST_CASE("a failed task notifies operations with the error") {
  auto h = task_harness();
  h.handle(task_event(h, "t-2", "created"));
  auto r = h.handle(task_event(h, "t-2", "failed", {{"error", "out of memory"}}));
  REQUIRE(types_of(r.outputs) == std::vector<std::string>{"user_notification"});
  const auto& n = r.outputs[0];
  CHECK(n->data_string("recipient") == "operations");
  CHECK(n->data_string("title") == "Task t-2 failed");
  CHECK(n->data_string("severity") == "error");
  CHECK(n->data_string("message") == "Task t-2 (analysis) failed after 0.000 s: out of memory");
  CHECK(count_at(h.stats(), "states.failed") == 1);
}

TEST_CASE("invalid task transitions are rejected with the tracker's reason") {
  auto h = task_harness();
  auto r = h.handle(task_event(h, "t-3", "started"));
  CHECK_THAT(r.rejection, Catch::Contains("t-3"));
  h.handle(task_event(h, "t-4", "created"));
  r = h.handle(task_event(h, "t-4", "completed"));
  CHECK_THAT(r.rejection, Catch::Contains("t-4") && Catch::Contains("task_completed"));
  CHECK(r.outputs.empty());
  r = h.handle(task_event(h, "t-4", "created"));
  CHECK_FALSE(r.rejection.empty());
  r = h.handle(must(h.input.create("task_started", {{"task_type", "analysis"}})));
  CHECK_THAT(r.rejection, Catch::Contains("task_id"));
  auto s = h.stats();
  CHECK(count_at(s, "invalid_transitions") == 3);
  CHECK(count_at(s, "rejected") == 4);
  CHECK(count_at(s, "active") == 1);
  CHECK(count_at(s, "emitted") == 0);
}

TEST_CASE("a task another processor refused is no longer open, and says nothing") {
  auto h = task_harness();
  auto created = task_event(h, "t-1", "created", {{"owner", "alice"}});
  h.handle(created);
  h.handle(task_event(h, "t-2", "created"));
  CHECK(count_at(h.stats(), "active") == 2);
  CHECK(h.refused(created).outputs.empty());
  CHECK(count_at(h.stats(), "active") == 1);
  CHECK(count_at(h.stats(), "states.refused") == 1);
  CHECK(count_at(h.stats(), "types.analysis.refused") == 1);
  // Its lifecycle is over: a late start is an invalid transition, a new task_created
  // a retry.
  CHECK_FALSE(h.handle(task_event(h, "t-1", "started")).rejection.empty());
  CHECK(h.handle(task_event(h, "t-1", "created")).rejection.empty());
  CHECK(count_at(h.stats(), "active") == 2);
  h.refused(created);
  CHECK(count_at(h.stats(), "states.refused") == 2);
  // A started task is past refusal.
  h.handle(task_event(h, "t-2", "started"));
  h.refused(task_event(h, "t-2", "created"));
  CHECK(count_at(h.stats(), "open.started") == 1);
  CHECK(count_at(h.stats(), "states.refused") == 2);
  // Refusals of other events change nothing.
  h.refused(task_event(h, "t-2", "started"));
  CHECK(count_at(h.stats(), "open.started") == 1);
}

TEST_CASE("a task refused before its task_created arrived is never opened") {
  auto h = task_harness();
  auto created = task_event(h, "t-9", "created");
  h.refused(created);
  CHECK(count_at(h.stats(), "states.refused") == 0);
  auto r = h.handle(created);
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  CHECK(count_at(h.stats(), "active") == 0);
  CHECK(count_at(h.stats(), "states.created") == 1);
  CHECK(count_at(h.stats(), "states.refused") == 1);
  // It never ran: created again, it is a retry and opens.
  CHECK(h.handle(task_event(h, "t-9", "created")).rejection.empty());
  CHECK(count_at(h.stats(), "active") == 1);
}
