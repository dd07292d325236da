// The demo event generator: its events' timestamps.

#include <catch2/catch.hpp>

#include "demo/generator.hpp"
#include "events/codec.hpp"
#include "events/factory.hpp"

using namespace switchboard;

TEST_CASE("generated events carry the batch's time, else the clock's") {
  using namespace std::chrono;
  traffic_spec spec;
  spec.error_rate = 0;
  event_generator gen{spec};
  codec dec;
  std::string text;
  generated_kind kind;
  event_family family;
  gen.set_time(system_clock::time_point{milliseconds{1795420800123}});
  for (int i = 0; i < 50; ++i) {
    gen.next(text, kind, family);
    auto ev = dec.decode(std::string_view{text});
    REQUIRE(ev);
    CHECK((*ev)->timestamp() == "2026-11-23T08:00:00.123Z");
  }
  gen.set_time(std::nullopt);
  auto before = iso_timestamp(system_clock::now());
  gen.next(text, kind, family);
  auto after = iso_timestamp(system_clock::now());
  auto ev = dec.decode(std::string_view{text});
  REQUIRE(ev);
  CHECK(std::string{(*ev)->timestamp()} >= before);
  CHECK(std::string{(*ev)->timestamp()} <= after);
}
