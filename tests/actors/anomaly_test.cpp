#include <catch2/catch.hpp>

#include <random>

#include "actors/anomaly.hpp"

using namespace switchboard;

TEST_CASE("a spike in a noisy rate is an anomaly, the noise is not") {
  anomaly_detector detector{anomaly_options{3, 10, 60, 0.01}};
  std::mt19937_64 rng{42};
  std::normal_distribution<double> noise{1000, 20};
  int flagged = 0;
  for (int i = 0; i < 500; ++i) {
    auto v = detector.observe(noise(rng));
    if (i < 10)
      CHECK_FALSE(v.judged);
    else
      CHECK(v.judged);
    flagged += v.anomaly ? 1 : 0;
  }
  // A 3-sigma threshold on Gaussian noise flags about 0.3%; allow a little more.
  CHECK(flagged <= 5);
  auto spike = detector.observe(1300);
  CHECK(spike.judged);
  CHECK(spike.anomaly);
  CHECK(spike.z > 10);
  CHECK(spike.mean == Approx(1000).epsilon(0.02));
  CHECK(spike.stddev == Approx(20).epsilon(0.3));
  auto drop = detector.observe(600);
  CHECK(drop.anomaly);
  CHECK(drop.z < -3);
}

TEST_CASE("nothing is judged before the minimum samples") {
  anomaly_detector detector{anomaly_options{3, 5, 60, 0.01}};
  for (double v : {10.0, 10.0, 10.0, 10.0, 1000.0}) {
    auto r = detector.observe(v);
    CHECK_FALSE(r.judged);
    CHECK_FALSE(r.anomaly);
  }
  CHECK(detector.samples() == 5);
}

TEST_CASE("a nearly constant series does not flag tiny changes") {
  anomaly_detector detector{anomaly_options{3, 5, 60, 0.01}};
  for (int i = 0; i < 20; ++i)
    detector.observe(100);
  auto small = detector.observe(101);
  CHECK(small.judged);
  CHECK_FALSE(small.anomaly);
  CHECK(small.stddev == Approx(1));
  CHECK(detector.observe(120).anomaly);
}

TEST_CASE("the baseline follows a level shift within the window") {
  anomaly_detector detector{anomaly_options{3, 5, 20, 0.01}};
  std::mt19937_64 rng{7};
  std::normal_distribution<double> low{100, 5};
  std::normal_distribution<double> high{500, 5};
  for (int i = 0; i < 50; ++i)
    detector.observe(low(rng));
  CHECK(detector.observe(high(rng)).anomaly);
  for (int i = 0; i < 40; ++i)
    detector.observe(high(rng));
  // After the old level left the window the new level is normal.
  auto later = detector.observe(high(rng));
  CHECK_FALSE(later.anomaly);
  CHECK(later.mean == Approx(500).epsilon(0.02));
  CHECK(detector.samples() == 20);
}
