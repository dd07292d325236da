#include <catch2/catch.hpp>

#include "actors/task_tracker.hpp"
#include "events/error.hpp"

using namespace switchboard;

namespace {

proc_errc code_of(const caf::error& err) {
  REQUIRE(err.category() == caf::atom("proc"));
  return static_cast<proc_errc>(err.code());
}

} // namespace

TEST_CASE("a task goes created, started, completed with durations") {
  task_tracker tracker;
  auto c = tracker.create("t1", "analysis", 10.0);
  REQUIRE(c);
  CHECK(c->to == task_state::created);
  CHECK(tracker.active() == 1);
  CHECK(tracker.count_in(task_state::created) == 1);
  auto s = tracker.start("t1", 12.5);
  REQUIRE(s);
  CHECK(s->from == task_state::created);
  CHECK(s->to == task_state::started);
  CHECK(tracker.count_in(task_state::started) == 1);
  CHECK(tracker.count_in(task_state::created) == 0);
  auto d = tracker.complete("t1", 20.0);
  REQUIRE(d);
  CHECK(d->from == task_state::started);
  CHECK(d->to == task_state::completed);
  CHECK(d->total_seconds == Approx(10.0));
  CHECK(d->run_seconds == Approx(7.5));
  CHECK(tracker.active() == 0);
  const auto& stats = tracker.per_type().at("analysis");
  CHECK(stats.created == 1);
  CHECK(stats.started == 1);
  CHECK(stats.completed == 1);
  CHECK(stats.failed == 0);
  CHECK(stats.total_seconds.mean() == Approx(10.0));
  CHECK(stats.run_seconds.max == Approx(7.5));
}

TEST_CASE("a task may fail after it started or before") {
  task_tracker tracker;
  REQUIRE(tracker.create("a", "x", 0));
  REQUIRE(tracker.create("b", "y", 0));
  REQUIRE(tracker.start("a", 1));
  auto fa = tracker.fail("a", 4);
  REQUIRE(fa);
  CHECK(fa->from == task_state::started);
  CHECK(fa->run_seconds == Approx(3));
  auto fb = tracker.fail("b", 2);
  REQUIRE(fb);
  CHECK(fb->from == task_state::created);
  CHECK(fb->run_seconds == 0);
  CHECK(fb->total_seconds == Approx(2));
  CHECK(tracker.totals().failed == 2);
  CHECK(tracker.per_type().at("x").failed == 1);
  CHECK(tracker.per_type().at("y").failed == 1);
  CHECK(tracker.totals().completed == 0);
  CHECK(tracker.active() == 0);
}

TEST_CASE("invalid transitions are refused with a reason") {
  task_tracker tracker;
  SECTION("start before create") {
    auto r = tracker.start("ghost", 1);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::unknown_id);
    CHECK_THAT(error_text(r.error()), Catch::Contains("ghost")
                                        && Catch::Contains("never created"));
  }
  SECTION("complete before start") {
    REQUIRE(tracker.create("t", "x", 0));
    auto r = tracker.complete("t", 1);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::invalid_transition);
    CHECK_THAT(error_text(r.error()), Catch::Contains("it is created"));
    CHECK(tracker.active() == 1);
  }
  SECTION("start twice") {
    REQUIRE(tracker.create("t", "x", 0));
    REQUIRE(tracker.start("t", 1));
    auto r = tracker.start("t", 2);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::invalid_transition);
    CHECK_THAT(error_text(r.error()), Catch::Contains("it is started"));
  }
  SECTION("complete twice") {
    REQUIRE(tracker.create("t", "x", 0));
    REQUIRE(tracker.start("t", 1));
    REQUIRE(tracker.complete("t", 2));
    auto r = tracker.complete("t", 3);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::invalid_transition);
    CHECK_THAT(error_text(r.error()), Catch::Contains("already completed"));
    CHECK(tracker.totals().completed == 1);
  }
  SECTION("fail after completion") {
    REQUIRE(tracker.create("t", "x", 0));
    REQUIRE(tracker.start("t", 1));
    REQUIRE(tracker.complete("t", 2));
    auto r = tracker.fail("t", 3);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::invalid_transition);
  }
  SECTION("create twice") {
    REQUIRE(tracker.create("t", "x", 0));
    auto r = tracker.create("t", "x", 1);
    REQUIRE_FALSE(r);
    CHECK(code_of(r.error()) == proc_errc::duplicate_id);
    CHECK(tracker.totals().created == 1);
  }
  CHECK(tracker.rejected() == 1);
}

TEST_CASE("the tracker holds a bounded number of tasks") {
  task_tracker tracker{3, 2};
  for (int i = 0; i < 5; ++i)
    REQUIRE(tracker.create("t" + std::to_string(i), "x", i));
  REQUIRE(tracker.start("t4", 5));
  CHECK(tracker.active() == 3);
  CHECK(tracker.abandoned() == 2);
  CHECK_FALSE(tracker.start("t0", 6));
  CHECK(tracker.start("t2", 6));
  CHECK(tracker.count_in(task_state::started) == 2);
  // Finished ids are remembered only up to the recent cap.
  REQUIRE(tracker.complete("t2", 7));
  REQUIRE(tracker.fail("t3", 7));
  REQUIRE(tracker.complete("t4", 7));
  CHECK(tracker.active() == 0);
  CHECK(tracker.count_in(task_state::started) == 0);
  auto oldest = tracker.complete("t2", 8);
  REQUIRE_FALSE(oldest);
  CHECK(code_of(oldest.error()) == proc_errc::unknown_id);
  auto newest = tracker.complete("t4", 8);
  REQUIRE_FALSE(newest);
  CHECK(code_of(newest.error()) == proc_errc::invalid_transition);
}

TEST_CASE("task types beyond the cap share one bucket yet keep their names") {
  task_tracker tracker;
  for (int i = 0; i < 1030; ++i) {
    auto id = "t" + std::to_string(i);
    auto type = "type-" + std::to_string(i);
    auto c = tracker.create(id, type, 1.0);
    REQUIRE(c);
    CHECK(c->task_type == type);
  }
  CHECK(tracker.per_type().size() == 1025);
  CHECK(tracker.per_type().at("other").created == 6);
  CHECK(tracker.per_type().count("type-1029") == 0);
  auto s = tracker.start("t1029", 2.0);
  REQUIRE(s);
  CHECK(s->task_type == "type-1029");
  auto done = tracker.complete("t1029", 3.0);
  REQUIRE(done);
  CHECK(done->task_type == "type-1029");
  auto failed = tracker.fail("t5", 3.0);
  REQUIRE(failed);
  CHECK(failed->task_type == "type-5");
  CHECK(tracker.per_type().at("other").started == 1);
  CHECK(tracker.per_type().at("other").completed == 1);
  CHECK(tracker.per_type().at("type-5").failed == 1);
}
