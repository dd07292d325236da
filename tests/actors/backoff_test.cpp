#include <catch2/catch.hpp>

#include "actors/backoff.hpp"

using namespace switchboard;

TEST_CASE("backoff without jitter doubles up to the cap") {
  backoff b{0.1, 1.0, jitter::none};
  CHECK(b.next() == Approx(0.1));
  CHECK(b.next() == Approx(0.2));
  CHECK(b.next() == Approx(0.4));
  CHECK(b.next() == Approx(0.8));
  CHECK(b.next() == Approx(1.0));
  CHECK(b.next() == Approx(1.0));
  CHECK(b.attempts() == 6);
  b.reset();
  CHECK(b.attempts() == 0);
  CHECK(b.next() == Approx(0.1));
}

TEST_CASE("full jitter stays within [0, exponential bound] and spreads") {
  backoff b{0.1, 5.0, jitter::full, 3};
  for (int round = 0; round < 50; ++round) {
    b.reset();
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto bound = std::min(5.0, 0.1 * (1 << attempt));
      auto d = b.next();
      CHECK(d >= 0);
      CHECK(d <= bound);
    }
  }
  backoff spread{1.0, 100.0, jitter::full, 9};
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 100; ++i) {
    spread.reset();
    for (int k = 0; k < 6; ++k)
      spread.next();
    auto d = spread.next(); // bound 64
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  CHECK(lo < 16);
  CHECK(hi > 48);
}

TEST_CASE("decorrelated jitter stays within [base, cap]") {
  backoff b{0.05, 2.0, jitter::decorrelated, 11};
  double max_seen = 0;
  for (int i = 0; i < 1000; ++i) {
    auto d = b.next();
    CHECK(d >= 0.05);
    CHECK(d <= 2.0);
    max_seen = std::max(max_seen, d);
  }
  CHECK(max_seen > 1.5);
}

TEST_CASE("the same seed repeats the same delays, another seed does not") {
  backoff a{0.1, 10, jitter::full, 5};
  backoff b{0.1, 10, jitter::full, 5};
  backoff c{0.1, 10, jitter::full, 6};
  bool differs = false;
  for (int i = 0; i < 8; ++i) {
    auto x = a.next();
    CHECK(x == b.next());
    differs = differs || x != c.next();
  }
  CHECK(differs);
}
