#include <catch2/catch.hpp>

#include "actors/agent_pool.hpp"
#include "events/error.hpp"

using namespace switchboard;

namespace {

std::vector<agent_spec> three_agents() {
  return {
    agent_spec{"a1", {"analysis", "ocr"}, 2},
    agent_spec{"a2", {"analysis"}, 4},
    agent_spec{"a3", {"ocr"}, 1},
  };
}

std::string assigned_agent(agent_pool& pool, const std::string& id, const std::string& type,
                           double now = 0) {
  auto r = pool.assign(id, type, now);
  REQUIRE(r);
  REQUIRE(r->has_value());
  return (*r)->agent_id;
}

proc_errc code_of(const caf::error& err) {
  REQUIRE(err.category() == caf::atom("proc"));
  return static_cast<proc_errc>(err.code());
}

} // namespace

TEST_CASE("tasks go to a capable agent with the lowest load, ties to the first listed") {
  agent_pool pool{three_agents()};
  // a1 and a2 both idle: tie goes to a1.
  CHECK(assigned_agent(pool, "t1", "analysis") == "a1");
  // a1 at 1/2, a2 at 0/4.
  CHECK(assigned_agent(pool, "t2", "analysis") == "a2");
  // a1 at 1/2, a2 at 1/4: a2 is less loaded.
  CHECK(assigned_agent(pool, "t3", "analysis") == "a2");
  // ocr: a1 at 1/2, a3 at 0/1.
  CHECK(assigned_agent(pool, "t4", "ocr") == "a3");
  // a3 is saturated; a1 takes ocr.
  CHECK(assigned_agent(pool, "t5", "ocr") == "a1");
  CHECK(pool.running() == 5);
  auto a3 = pool.status("a3");
  REQUIRE(a3);
  CHECK(a3->running == 1);
  CHECK(a3->health == agent_health::degraded); // saturated
  CHECK(pool.status("a2")->health == agent_health::healthy);
  CHECK_FALSE(pool.status("nobody"));
}

TEST_CASE("a task no agent can run is an error naming the type") {
  agent_pool pool{three_agents()};
  auto r = pool.assign("t1", "translation", 0);
  REQUIRE_FALSE(r);
  CHECK(code_of(r.error()) == proc_errc::no_capable_agent);
  CHECK_THAT(error_text(r.error()), Catch::Contains("translation"));
  CHECK(pool.queued() == 0);
  agent_pool empty{{}};
  CHECK_FALSE(empty.assign("t1", "analysis", 0));
}

TEST_CASE("a wildcard capability runs any type") {
  agent_pool pool{{agent_spec{"any", {"*"}, 1}}};
  CHECK(assigned_agent(pool, "t1", "whatever") == "any");
}

TEST_CASE("saturated agents queue tasks in a bounded queue") {
  agent_pool_options opts;
  opts.queue_capacity = 2;
  agent_pool pool{{agent_spec{"a1", {"ocr"}, 1}, agent_spec{"a2", {"analysis"}, 1}}, opts};
  CHECK(assigned_agent(pool, "o1", "ocr", 0) == "a1");
  CHECK(assigned_agent(pool, "x1", "analysis", 0) == "a2");
  auto q1 = pool.assign("x2", "analysis", 1);
  REQUIRE(q1);
  CHECK_FALSE(q1->has_value());
  auto q2 = pool.assign("o2", "ocr", 2);
  REQUIRE(q2);
  CHECK_FALSE(q2->has_value());
  CHECK(pool.queued() == 2);
  auto full = pool.assign("o3", "ocr", 3);
  REQUIRE_FALSE(full);
  CHECK(code_of(full.error()) == proc_errc::queue_full);
  // The reason the task's dead letter carries.
  CHECK(error_text(full.error())
        == "every agent for 'ocr' is busy and 2 tasks already wait; task 'o3' refused");
  auto dup = pool.assign("x2", "analysis", 3);
  REQUIRE_FALSE(dup);
  CHECK(code_of(dup.error()) == proc_errc::duplicate_id);
  // Freeing a1 (ocr) skips the waiting analysis task and takes the ocr one.
  auto freed = pool.release("o1", true, 5);
  REQUIRE(freed);
  REQUIRE(freed->size() == 1);
  CHECK((*freed)[0].task_id == "o2");
  CHECK((*freed)[0].agent_id == "a1");
  CHECK((*freed)[0].waited_seconds == Approx(3));
  CHECK(pool.queued() == 1);
  // A waiting task that ends before it ran just leaves the queue.
  auto gone = pool.release("x2", false, 6);
  REQUIRE(gone);
  CHECK(gone->empty());
  CHECK(pool.queued() == 0);
  auto unknown = pool.release("x2", true, 7);
  REQUIRE_FALSE(unknown);
  CHECK(code_of(unknown.error()) == proc_errc::unknown_id);
}

TEST_CASE("per-agent latency, error rate and health") {
  agent_pool_options opts;
  opts.min_outcomes = 4;
  opts.degraded_error_rate = 0.2;
  opts.unhealthy_error_rate = 0.5;
  agent_pool pool{{agent_spec{"a1", {"x"}, 10}, agent_spec{"a2", {"x"}, 10}}, opts};
  // a1 runs 100 tasks with latencies 1..100 ms, all successful.
  for (int i = 1; i <= 100; ++i) {
    auto id = "t" + std::to_string(i);
    auto r = pool.assign(id, "x", 0);
    REQUIRE(r);
    REQUIRE(pool.release(id, true, i / 1000.0));
  }
  auto a1 = pool.status("a1");
  REQUIRE(a1);
  CHECK(a1->completed + pool.status("a2")->completed == 100);
  // Each task started on the first idle agent (a1), so a1 ran them all.
  CHECK(a1->completed == 100);
  CHECK(a1->recent_mean_seconds == Approx(0.0505));
  CHECK(a1->recent_p99_seconds == Approx(0.099));
  CHECK(a1->health == agent_health::healthy);
  // Fewer outcomes than min_outcomes do not judge.
  auto fail_on_a2 = [&](const std::string& id, bool ok) {
    // Keep a1 busy so the task lands on a2.
    REQUIRE(pool.assign("busy", "x", 0));
    auto r = pool.assign(id, "x", 0);
    REQUIRE(r);
    REQUIRE(r->has_value());
    REQUIRE((*r)->agent_id == "a2");
    REQUIRE(pool.release(id, ok, 1));
    REQUIRE(pool.release("busy", true, 0));
  };
  fail_on_a2("f1", false);
  CHECK(pool.status("a2")->health == agent_health::healthy);
  fail_on_a2("s1", true);
  fail_on_a2("s2", true);
  fail_on_a2("s3", true);
  // 1 failure in 4: degraded.
  CHECK(pool.status("a2")->recent_error_rate == Approx(0.25));
  CHECK(pool.status("a2")->health == agent_health::degraded);
  fail_on_a2("f2", false);
  fail_on_a2("f3", false);
  // 3 failures in 6: unhealthy.
  CHECK(pool.status("a2")->health == agent_health::unhealthy);
  CHECK(pool.status("a2")->failed == 3);
}

TEST_CASE("unhealthy agents get tasks only when no other capable agent has room") {
  agent_pool_options opts;
  opts.min_outcomes = 1;
  agent_pool pool{{agent_spec{"bad", {"x"}, 4}, agent_spec{"good", {"x"}, 1}}, opts};
  REQUIRE(pool.assign("f", "x", 0));
  REQUIRE(pool.release("f", false, 1));
  REQUIRE(pool.status("bad")->health == agent_health::unhealthy);
  CHECK(assigned_agent(pool, "t1", "x") == "good");
  CHECK(assigned_agent(pool, "t2", "x") == "bad");
}

TEST_CASE("a freed agent takes the oldest waiting tasks it can run, across task types") {
  agent_pool_options opts;
  opts.queue_capacity = 8;
  agent_pool pool{{agent_spec{"multi", {"ocr", "analysis"}, 2}, agent_spec{"any", {"*"}, 1}},
                  opts};
  CHECK(assigned_agent(pool, "r3", "report", 0) == "any");
  CHECK(assigned_agent(pool, "r1", "ocr", 0) == "multi");
  CHECK(assigned_agent(pool, "r2", "ocr", 0) == "multi");
  // Waiting, in this order: a report (only "any" runs it), then analysis, ocr, analysis.
  for (auto [id, type] : {std::pair{"w1", "report"}, {"w2", "analysis"}, {"w3", "ocr"},
                          {"w4", "analysis"}}) {
    auto r = pool.assign(id, type, 1);
    REQUIRE(r);
    CHECK_FALSE(r->has_value());
  }
  CHECK(pool.queued() == 4);
  // Both of multi's slots free up: it takes w2 then w3, passing over the report.
  auto first = pool.release("r1", true, 2);
  REQUIRE(first);
  REQUIRE(first->size() == 1);
  CHECK((*first)[0].task_id == "w2");
  auto freed = pool.release("r2", true, 2);
  REQUIRE(freed);
  REQUIRE(freed->size() == 1);
  CHECK((*freed)[0].task_id == "w3");
  CHECK(pool.queued() == 2);
  // The wildcard agent takes the oldest of all: the report, not the newer analysis.
  auto any = pool.release("r3", true, 3);
  REQUIRE(any);
  REQUIRE(any->size() == 1);
  CHECK((*any)[0].task_id == "w1");
  CHECK((*any)[0].task_type == "report");
  CHECK(pool.queued() == 1);
}
