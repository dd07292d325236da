#include <catch2/catch.hpp>

#include "actors/windows.hpp"
#include "events/error.hpp"

using namespace switchboard;

namespace {

window_aggregator make_window(const std::string& kind, double size, double slide = 5,
                              double gap = 30, window_limits limits = {}) {
  window_spec spec;
  spec.kind = kind;
  spec.size_seconds = size;
  spec.slide_seconds = slide;
  spec.gap_seconds = gap;
  auto w = window_aggregator::make(spec, limits);
  REQUIRE(w);
  return std::move(*w);
}

} // namespace

TEST_CASE("tumbling windows close at their end with counts, rates and percentiles") {
  auto w = make_window("tumbling", 10);
  CHECK(w.kind() == window_kind::tumbling);
  // 100 events in [0, 10) with latencies 1..100, shuffled in time.
  for (int i = 0; i < 100; ++i)
    REQUIRE(w.add("task_created", (i * 37 % 100) / 10.0, static_cast<double>(i + 1)));
  REQUIRE(w.add("task_failed", 9.5));
  REQUIRE(w.add("task_created", 12));
  CHECK(w.advance(9.99).empty());
  auto first = w.advance(10);
  REQUIRE(first.size() == 2);
  CHECK(first[0].key == "task_created");
  CHECK(first[0].start == 0);
  CHECK(first[0].end == 10);
  CHECK(first[0].count == 100);
  CHECK(first[0].rate == Approx(10));
  CHECK(first[0].latency_count == 100);
  CHECK(first[0].p50 == 50);
  CHECK(first[0].p95 == 95);
  CHECK(first[0].p99 == 99);
  CHECK(first[1].key == "task_failed");
  CHECK(first[1].count == 1);
  CHECK(first[1].latency_count == 0);
  CHECK(first[1].p99 == 0);
  CHECK(w.keys() == 1);
  auto second = w.advance(25);
  REQUIRE(second.size() == 1);
  CHECK(second[0].start == 10);
  CHECK(second[0].end == 20);
  CHECK(second[0].count == 1);
  CHECK(w.keys() == 0);
}

TEST_CASE("events for a window already reported are late and dropped") {
  auto w = make_window("tumbling", 10);
  REQUIRE(w.add("a", 3));
  REQUIRE(w.advance(10).size() == 1);
  CHECK_FALSE(w.add("a", 9.9));
  CHECK_FALSE(w.add("b", 2));
  CHECK(w.late() == 2);
  CHECK(w.add("a", 10));
  CHECK(w.advance(20).at(0).count == 1);
}

TEST_CASE("sliding windows end every slide and cover the window size") {
  auto w = make_window("sliding", 10, 5);
  REQUIRE(w.add("a", 1, 10.0));
  REQUIRE(w.add("a", 6, 20.0));
  REQUIRE(w.add("a", 11, 30.0));
  auto r = w.advance(100);
  REQUIRE(r.size() == 4);
  CHECK(r[0].start == -5);
  CHECK(r[0].end == 5);
  CHECK(r[0].count == 1);
  CHECK(r[1].start == 0);
  CHECK(r[1].end == 10);
  CHECK(r[1].count == 2);
  CHECK(r[1].rate == Approx(0.2));
  CHECK(r[1].p50 == 10);
  CHECK(r[1].p99 == 20);
  CHECK(r[2].start == 5);
  CHECK(r[2].end == 15);
  CHECK(r[2].count == 2);
  CHECK(r[2].p50 == 20);
  CHECK(r[3].start == 10);
  CHECK(r[3].end == 20);
  CHECK(r[3].count == 1);
  CHECK(w.keys() == 0);
}

TEST_CASE("sliding windows close one slide at a time as time advances") {
  auto w = make_window("sliding", 6, 2);
  for (double t = 0; t < 6; t += 0.5)
    REQUIRE(w.add("a", t));
  CHECK(w.advance(1.9).empty());
  auto at2 = w.advance(2);
  REQUIRE(at2.size() == 1);
  CHECK(at2[0].end == 2);
  CHECK(at2[0].count == 4);
  auto at6 = w.advance(6);
  REQUIRE(at6.size() == 2);
  CHECK(at6[0].end == 4);
  CHECK(at6[0].count == 8);
  CHECK(at6[1].end == 6);
  CHECK(at6[1].count == 12);
  CHECK(at6[1].rate == Approx(2));
  auto rest = w.advance(20);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].count == 8);
  CHECK(rest[1].count == 4);
}

TEST_CASE("silent time between events produces no empty windows") {
  auto w = make_window("tumbling", 1);
  REQUIRE(w.add("a", 0.5));
  REQUIRE(w.add("a", 1e6 + 0.5));
  auto r = w.advance(1e6 + 1);
  REQUIRE(r.size() == 2);
  CHECK(r[0].end == 1);
  CHECK(r[1].start == 1e6);
  CHECK(r[1].count == 1);
}

TEST_CASE("session windows close after the gap") {
  auto w = make_window("session", 0, 0, 5);
  for (double t : {0.0, 2.0, 4.0})
    REQUIRE(w.add("agent_error", t, t));
  REQUIRE(w.add("other_type", 3));
  CHECK(w.advance(7.99).empty());
  auto r = w.advance(8);
  REQUIRE(r.size() == 1);
  CHECK(r[0].key == "other_type");
  CHECK(r[0].count == 1);
  CHECK(r[0].rate == 0);
  r = w.advance(9);
  REQUIRE(r.size() == 1);
  CHECK(r[0].kind == window_kind::session);
  CHECK(r[0].key == "agent_error");
  CHECK(r[0].start == 0);
  CHECK(r[0].end == 4);
  CHECK(r[0].count == 3);
  CHECK(r[0].rate == Approx(0.75));
  CHECK(r[0].p50 == 2);
  CHECK(w.keys() == 0);
  // A later event with no open session before the watermark is late.
  CHECK_FALSE(w.add("agent_error", 8.5));
  // Two sessions separated by more than the gap, with no advance in between.
  REQUIRE(w.add("agent_error", 20));
  REQUIRE(w.add("agent_error", 24));
  REQUIRE(w.add("agent_error", 30));
  r = w.advance(35);
  REQUIRE(r.size() == 2);
  CHECK(r[0].start == 20);
  CHECK(r[0].end == 24);
  CHECK(r[0].count == 2);
  CHECK(r[1].start == 30);
  CHECK(r[1].count == 1);
}

TEST_CASE("bad window specs are refused with the reason") {
  window_spec spec;
  spec.kind = "hopping";
  auto bad = window_aggregator::make(spec);
  REQUIRE_FALSE(bad);
  CHECK_THAT(error_text(bad.error()), Catch::Contains("hopping"));
  spec.kind = "sliding";
  spec.size_seconds = 10;
  spec.slide_seconds = 3;
  CHECK_THAT(error_text(window_aggregator::make(spec).error()),
             Catch::Contains("whole multiple"));
  spec.slide_seconds = 20;
  CHECK_FALSE(window_aggregator::make(spec));
  spec.kind = "tumbling";
  spec.size_seconds = 0;
  CHECK_FALSE(window_aggregator::make(spec));
  spec.kind = "session";
  spec.gap_seconds = -1;
  CHECK_FALSE(window_aggregator::make(spec));
}

TEST_CASE("window memory is bounded in keys and samples") {
  window_limits limits;
  limits.max_keys = 3;
  limits.max_samples = 200;
  auto w = make_window("tumbling", 10, 5, 30, limits);
  for (int k = 0; k < 10; ++k)
    REQUIRE(w.add("type" + std::to_string(k), 1));
  CHECK(w.keys() == 4); // three keys and "other"
  for (int i = 1; i <= 10000; ++i)
    REQUIRE(w.add("type0", 2, static_cast<double>(i)));
  auto r = w.advance(10);
  REQUIRE(r.size() == 4);
  CHECK(r[3].key == "type2");
  CHECK(r[0].key == "other");
  CHECK(r[0].count == 7);
  CHECK(r[1].key == "type0");
  CHECK(r[1].count == 10001);
  CHECK(r[1].latency_count == 10000);
  // A uniform sample of 200 puts the median of 1..10000 near 5000.
  CHECK(r[1].p50 > 4000);
  CHECK(r[1].p50 < 6000);
  CHECK(r[1].p99 > 9500);
}
