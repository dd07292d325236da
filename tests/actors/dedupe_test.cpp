#include <catch2/catch.hpp>

#include "actors/dedupe.hpp"

using namespace switchboard;

TEST_CASE("repeats within the window are dropped") {
  deduplicator d{60};
  CHECK(d.admit("alert:cpu", 0));
  CHECK_FALSE(d.admit("alert:cpu", 10));
  CHECK(d.admit("alert:mem", 10));
  CHECK_FALSE(d.admit("alert:cpu", 59.9));
  CHECK(d.dropped() == 2);
  // The window counts from the first sighting.
  CHECK(d.admit("alert:cpu", 60));
  CHECK_FALSE(d.admit("alert:cpu", 61));
  CHECK(d.admit("alert:mem", 70));
}

TEST_CASE("expired keys are forgotten and the table is bounded") {
  deduplicator d{10, 3};
  for (int i = 0; i < 3; ++i)
    CHECK(d.admit("k" + std::to_string(i), i));
  CHECK(d.size() == 3);
  CHECK(d.admit("k3", 3));
  CHECK(d.size() == 3);
  CHECK(d.evicted() == 1);
  // k0 was forgotten early, so it passes again within its window.
  CHECK(d.admit("k0", 4));
  CHECK(d.admit("late", 100));
  CHECK(d.size() == 1);
}
