#include <catch2/catch.hpp>

#include <numeric>
#include <random>

#include "actors/stats.hpp"

using namespace switchboard;

TEST_CASE("a sample ring's mean covers only the values it still holds") {
  sample_ring ring{3};
  CHECK(ring.mean() == 0);
  ring.add(1);
  ring.add(2);
  CHECK(ring.mean() == Approx(1.5));
  ring.add(3);
  ring.add(10); // overwrites the 1
  CHECK(ring.size() == 3);
  CHECK(ring.mean() == Approx(5.0));
  ring.add(20); // overwrites the 2
  ring.add(30); // overwrites the 3
  CHECK(ring.mean() == Approx(20.0));
}

TEST_CASE("a sample ring's running mean matches a fresh sum over many laps") {
  sample_ring ring{256};
  std::vector<double> held;
  std::mt19937_64 rng{7};
  std::uniform_real_distribution<double> value{0, 1e6};
  for (int i = 0; i < 100000; ++i) {
    auto x = i % 1000 == 0 ? 1e15 : value(rng); // rare huge values stress rounding
    ring.add(x);
    held.push_back(x);
    if (held.size() > 256)
      held.erase(held.begin());
    if (i % 997 == 0) {
      auto expected = std::accumulate(held.begin(), held.end(), 0.0)
                      / static_cast<double>(held.size());
      REQUIRE(ring.mean() == Approx(expected).epsilon(1e-6));
    }
  }
}

TEST_CASE("a sample ring's percentile is the nearest rank of what it holds") {
  sample_ring ring{4};
  for (double x : {100.0, 1.0, 2.0, 3.0, 4.0})
    ring.add(x);
  CHECK(ring.percentile(50) == 2.0);
  CHECK(ring.percentile(100) == 4.0);
}
