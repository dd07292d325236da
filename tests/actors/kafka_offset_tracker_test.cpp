#include <catch2/catch.hpp>

#include "actors/offset_tracker.hpp"

using namespace switchboard;

namespace {

const topic_partition p0{"orders", 0};
const topic_partition p1{"orders", 1};
const topic_partition other{"payments", 0};

void deliver(offset_tracker& t, const topic_partition& where, int64_t from, int64_t to) {
  for (auto offset = from; offset < to; ++offset)
    t.delivered(where, offset);
}

} // namespace

TEST_CASE("nothing is committable before a partition delivered anything", "[kafka]") {
  offset_tracker t;
  CHECK_FALSE(t.committable(p0).has_value());
  CHECK(t.take_commits().empty());
  CHECK_FALSE(t.handled(p0, 0));
}

TEST_CASE("in-order handling advances the commit past each handled message", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 3);
  CHECK(t.committable(p0) == 0);
  CHECK(t.handled(p0, 0));
  CHECK(t.committable(p0) == 1);
  CHECK(t.handled(p0, 1));
  CHECK(t.handled(p0, 2));
  CHECK(t.committable(p0) == 3);
  CHECK(t.pending() == 0);
}

TEST_CASE("out-of-order handling commits only the contiguous handled prefix", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 10, 15);
  CHECK(t.handled(p0, 12));
  CHECK(t.handled(p0, 14));
  CHECK(t.committable(p0) == 10);
  CHECK(t.handled(p0, 10));
  CHECK(t.committable(p0) == 11);
  CHECK(t.pending(p0) == 2);
  CHECK(t.handled(p0, 11));
  CHECK(t.committable(p0) == 13);
  CHECK(t.handled(p0, 13));
  CHECK(t.committable(p0) == 15);
}

TEST_CASE("gaps in offsets do not stall the commit", "[kafka]") {
  offset_tracker t;
  t.delivered(p0, 3);
  t.delivered(p0, 7);
  t.delivered(p0, 8);
  CHECK(t.handled(p0, 8));
  CHECK(t.handled(p0, 3));
  CHECK(t.committable(p0) == 7);
  CHECK(t.handled(p0, 7));
  CHECK(t.committable(p0) == 9);
}

TEST_CASE("unknown and repeated acknowledgements are refused", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 2);
  CHECK_FALSE(t.handled(p0, 5));
  CHECK_FALSE(t.handled(p1, 0));
  CHECK(t.handled(p0, 1));
  CHECK_FALSE(t.handled(p0, 1));
  CHECK(t.pending(p0) == 1);
  CHECK(t.committable(p0) == 0);
}

TEST_CASE("partitions and topics are tracked independently", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 4);
  deliver(t, p1, 100, 102);
  deliver(t, other, 0, 2);
  CHECK(t.handled(p1, 100));
  CHECK(t.handled(other, 1));
  CHECK(t.committable(p0) == 0);
  CHECK(t.committable(p1) == 101);
  CHECK(t.committable(other) == 0);
  CHECK(t.pending() == 6);
}

TEST_CASE("take_commits yields each partition once per movement", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 3);
  deliver(t, p1, 0, 3);
  t.handled(p0, 0);
  auto first = t.take_commits();
  REQUIRE(first.size() == 2);
  for (const auto& entry : first)
    CHECK(entry.offset == (entry.where == p0 ? 1 : 0));
  CHECK(t.take_commits().empty());
  t.handled(p1, 1);
  CHECK(t.take_commits().empty());
  t.handled(p1, 0);
  auto second = t.take_commits();
  REQUIRE(second.size() == 1);
  CHECK(second[0].where == p1);
  CHECK(second[0].offset == 2);
}

TEST_CASE("take_commits restricted to partitions leaves the others pending", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 2);
  deliver(t, p1, 0, 2);
  t.handled(p0, 0);
  t.handled(p1, 0);
  auto some = t.take_commits({p1, topic_partition{"absent", 0}});
  REQUIRE(some.size() == 1);
  CHECK(some[0].where == p1);
  CHECK(some[0].offset == 1);
  auto rest = t.take_commits();
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].where == p0);
}

TEST_CASE("a rewound partition restarts its bookkeeping", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 5);
  t.handled(p0, 0);
  t.handled(p0, 1);
  t.delivered(p0, 2);
  CHECK(t.pending(p0) == 1);
  CHECK(t.committable(p0) == 2);
  CHECK_FALSE(t.handled(p0, 4));
  CHECK(t.handled(p0, 2));
  CHECK(t.committable(p0) == 3);
}

TEST_CASE("forget drops a revoked partition", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 3);
  deliver(t, p1, 0, 3);
  t.forget(p0);
  CHECK_FALSE(t.committable(p0).has_value());
  CHECK_FALSE(t.handled(p0, 0));
  CHECK(t.pending() == 3);
  t.clear();
  CHECK(t.pending() == 0);
}

TEST_CASE("a long random completion order commits exactly the contiguous prefix", "[kafka]") {
  offset_tracker t;
  constexpr int64_t n = 2000;
  deliver(t, p0, 0, n);
  std::vector<int64_t> order;
  for (int64_t i = 0; i < n; ++i)
    order.push_back((i * 7919) % n); // 7919 is prime, so this visits every offset once
  std::vector<bool> done(n, false);
  int64_t expected = 0;
  for (auto offset : order) {
    REQUIRE(t.handled(p0, offset));
    done[static_cast<std::size_t>(offset)] = true;
    while (expected < n && done[static_cast<std::size_t>(expected)])
      ++expected;
    REQUIRE(t.committable(p0) == expected);
  }
  CHECK(t.committable(p0) == n);
}

TEST_CASE("a run of one partition is handled with one call, in any batch order", "[kafka]") {
  offset_tracker t;
  deliver(t, p0, 0, 4);
  t.delivered(p0, 6); // a gap: offsets 4 and 5 were compacted away
  deliver(t, p0, 7, 10);
  // The later batch first: nothing is committable until offset 0 is handled.
  const int64_t later[] = {6, 7, 8, 9};
  CHECK(t.handled(p0, later, 4) == 4);
  CHECK(t.committable(p0) == 0);
  CHECK(t.pending(p0) == 4);
  // Unknown (4, 5) and repeated (7) offsets in a run count for nothing.
  const int64_t earlier[] = {0, 1, 2, 3, 4, 5, 7};
  CHECK(t.handled(p0, earlier, 7) == 4);
  CHECK(t.committable(p0) == 10);
  CHECK(t.pending() == 0);
  const int64_t none[] = {11};
  CHECK(t.handled(other, none, 1) == 0);
}

TEST_CASE("deliveries alternating between partitions keep each partition's bookkeeping",
          "[kafka]") {
  offset_tracker t;
  for (int64_t i = 0; i < 6; ++i)
    t.delivered(i % 2 == 0 ? p0 : p1, i / 2);
  t.forget(p1);
  t.delivered(p1, 5);
  CHECK(t.pending(p0) == 3);
  CHECK(t.pending(p1) == 1);
  CHECK(t.committable(p1) == 5);
  // A copy keeps the state but not the original's cache.
  offset_tracker copy = t;
  copy.delivered(p0, 3);
  CHECK(copy.pending(p0) == 4);
  CHECK(t.pending(p0) == 3);
  t.clear();
  t.delivered(p0, 9);
  CHECK(t.committable(p0) == 9);
  CHECK(t.pending() == 1);
}
