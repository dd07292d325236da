#include <catch2/catch.hpp>

#include "actors/circuit_breaker.hpp"

using namespace switchboard;

TEST_CASE("a breaker opens after consecutive failures only") {
  circuit_breaker b{3, 30};
  CHECK(b.state() == breaker_state::closed);
  CHECK(b.allow(0));
  b.record_failure(1);
  b.record_failure(2);
  b.record_success(3); // resets the run
  CHECK(b.consecutive_failures() == 0);
  b.record_failure(4);
  b.record_failure(5);
  CHECK(b.state() == breaker_state::closed);
  b.record_failure(6);
  CHECK(b.state() == breaker_state::open);
  CHECK(b.reopens_at() == Approx(36));
  CHECK_FALSE(b.allow(6));
  CHECK_FALSE(b.allow(35.9));
  CHECK(b.state() == breaker_state::open);
}

TEST_CASE("half-open lets one trial through; success closes") {
  circuit_breaker b{1, 10};
  b.record_failure(0);
  REQUIRE(b.state() == breaker_state::open);
  CHECK(b.allow(10));
  CHECK(b.state() == breaker_state::half_open);
  CHECK_FALSE(b.allow(10.5)); // the trial is out
  b.record_success(11);
  CHECK(b.state() == breaker_state::closed);
  CHECK(b.allow(11));
  CHECK(b.allow(11));
  const auto& log = b.transitions();
  REQUIRE(log.size() == 3);
  CHECK(log[0].from == breaker_state::closed);
  CHECK(log[0].to == breaker_state::open);
  CHECK(log[0].at == 0);
  CHECK(log[1].to == breaker_state::half_open);
  CHECK(log[1].at == 10);
  CHECK(log[2].to == breaker_state::closed);
  CHECK(log[2].at == 11);
}

TEST_CASE("a failed trial opens the breaker again for a full period") {
  circuit_breaker b{2, 10};
  b.record_failure(0);
  b.record_failure(1);
  REQUIRE(b.allow(11));
  b.record_failure(12);
  CHECK(b.state() == breaker_state::open);
  CHECK(b.reopens_at() == Approx(22));
  CHECK_FALSE(b.allow(21));
  CHECK(b.allow(22));
  CHECK(b.state() == breaker_state::half_open);
  CHECK(std::string{to_string(b.state())} == "half_open");
}

TEST_CASE("the transition log is bounded") {
  circuit_breaker b{1, 1, 4};
  double t = 0;
  for (int i = 0; i < 10; ++i) {
    b.record_failure(t);
    t += 1;
    REQUIRE(b.allow(t));
  }
  CHECK(b.transitions().size() == 4);
  CHECK(b.transitions().back().to == breaker_state::half_open);
  CHECK(b.transitions().back().at == Approx(t));
}
