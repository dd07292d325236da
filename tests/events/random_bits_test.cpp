#include <catch2/catch.hpp>

#include <bitset>
#include <set>

#include "events/random_bits.hpp"

using namespace switchboard;

TEST_CASE("random bits repeat for a seed and differ between seeds") {
  random_bits a{42}, b{42}, c{43};
  std::set<uint64_t> seen;
  bool all_same_as_c = true;
  for (int i = 0; i < 1000; ++i) {
    auto x = a();
    CHECK(x == b());
    all_same_as_c = all_same_as_c && x == c();
    seen.insert(x);
  }
  CHECK_FALSE(all_same_as_c);
  CHECK(seen.size() == 1000);
}

TEST_CASE("random bits set each bit about half the time") {
  random_bits rng{7};
  constexpr int draws = 20000;
  int ones[64] = {};
  for (int i = 0; i < draws; ++i) {
    std::bitset<64> bits{rng()};
    for (int b = 0; b < 64; ++b)
      ones[b] += bits[static_cast<std::size_t>(b)];
  }
  // Binomial(20000, 0.5) has a standard deviation of ~71: six of them is ~±425.
  for (int b = 0; b < 64; ++b) {
    INFO("bit " << b);
    CHECK(ones[b] > draws / 2 - 425);
    CHECK(ones[b] < draws / 2 + 425);
  }
}
