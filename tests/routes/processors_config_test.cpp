#include <catch2/catch.hpp>

#include "events/error.hpp"
#include "routes/config.hpp"

using namespace switchboard;

namespace {

std::string error_of(std::string_view json) {
  auto cfg = parse_config(json);
  REQUIRE_FALSE(cfg);
  return error_text(cfg.error());
}

} // namespace

TEST_CASE("agent simulation settings have defaults and are read from the config") {
  auto defaults = parse_config("{}");
  REQUIRE(defaults);
  CHECK(defaults->processors.agent_service_min_seconds == Approx(0.02));
  CHECK(defaults->processors.agent_service_max_seconds == Approx(0.2));
  CHECK(defaults->processors.agent_failure_probability == Approx(0.02));
  CHECK(defaults->processors.agent_seed == 1);
  auto cfg = parse_config(R"({"processors": {"agent_service_min": "5ms",
    "agent_service_max": "1s", "agent_failure_probability": 0.5, "agent_seed": 42}})");
  REQUIRE(cfg);
  CHECK(cfg->processors.agent_service_min_seconds == Approx(0.005));
  CHECK(cfg->processors.agent_service_max_seconds == Approx(1));
  CHECK(cfg->processors.agent_failure_probability == Approx(0.5));
  CHECK(cfg->processors.agent_seed == 42);
}

TEST_CASE("bad agent simulation settings name their path") {
  CHECK_THAT(error_of(R"({"processors": {"agent_service_min": "1s", "agent_service_max": "10ms"}})"),
             Catch::Contains("processors.agent_service_max")
               && Catch::Contains("agent_service_min"));
  CHECK_THAT(error_of(R"({"processors": {"agent_failure_probability": 1.5}})"),
             Catch::Contains("processors.agent_failure_probability")
               && Catch::Contains("at most 1"));
  CHECK_THAT(error_of(R"({"processors": {"agent_failure_probability": -0.1}})"),
             Catch::Contains("processors.agent_failure_probability"));
  CHECK_THAT(error_of(R"({"processors": {"agent_seed": "x"}})"),
             Catch::Contains("processors.agent_seed"));
}

TEST_CASE("a sliding window must be a whole number of slides") {
  CHECK_THAT(error_of(R"({"processors": {"windows": [{"kind": "sliding", "size": "25s", "slide": "10s"}]}})"),
             Catch::Contains("processors.windows[0].size") && Catch::Contains("whole multiple"));
  CHECK(parse_config(R"({"processors": {"windows": [{"kind": "sliding", "size": "30s", "slide": "10s"}]}})"));
}

TEST_CASE("a config that gives max_inflight_batches says so") {
  auto defaults = parse_config("{}");
  REQUIRE(defaults);
  CHECK(defaults->processors.max_inflight_batches == 8);
  CHECK_FALSE(defaults->processors.max_inflight_configured);
  auto given = parse_config(R"({"processors":{"max_inflight_batches":3}})");
  REQUIRE(given);
  CHECK(given->processors.max_inflight_batches == 3);
  CHECK(given->processors.max_inflight_configured);
}
