// The demo event generator: its events, their timestamps and their repeatability.

#include <catch2/catch.hpp>

#include <map>

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

TEST_CASE("generated events decode unless made malformed, and a seed repeats them") {
  // Event ids are random; everything else follows from the seed.
  auto without_id = [](std::string text) {
    auto at = text.find("\"event_id\"");
    REQUIRE(at != std::string::npos);
    return text.erase(at + 12, 36);
  };
  for (uint64_t seed : {1, 7, 42}) {
    traffic_spec spec;
    spec.seed = seed;
    spec.error_rate = 30;
    event_generator a{spec};
    event_generator b{spec};
    auto now = std::chrono::system_clock::now();
    a.set_time(now);
    b.set_time(now);
    codec dec;
    std::string text;
    std::string again;
    std::map<generated_kind, int> kinds;
    for (int i = 0; i < 20000; ++i) {
      generated_kind kind;
      generated_kind kind_again;
      event_family family;
      event_family family_again;
      a.next(text, kind, family);
      b.next(again, kind_again, family_again);
      ++kinds[kind];
      INFO(text);
      CHECK(text.size() < 400);
      REQUIRE(kind == kind_again);
      REQUIRE(family == family_again);
      REQUIRE(without_id(text) == without_id(again));
      auto ev = dec.decode(std::string_view{text});
      if (kind == generated_kind::malformed) {
        CHECK_FALSE(ev);
        continue;
      }
      REQUIRE(ev);
      // Failing events count as tasks in the report, whatever they are.
      if (kind == generated_kind::valid)
        CHECK((*ev)->family() == family);
    }
    // About 15% malformed and 15% failing.
    CHECK(kinds[generated_kind::malformed] > 2500);
    CHECK(kinds[generated_kind::failing] > 2500);
    CHECK(kinds[generated_kind::valid] > 12000);
  }
}

TEST_CASE("a tally flushed per batch counts what counting each event counts") {
  traffic_spec spec;
  spec.seed = 5;
  spec.error_rate = 20;
  event_generator gen{spec};
  generation_report each;
  generation_report batched;
  generation_tally tally;
  std::string text;
  for (int i = 1; i <= 5000; ++i) {
    generated_kind kind;
    event_family family;
    gen.next(text, kind, family);
    count_generated(each, kind, family);
    tally.add(kind, family);
    if (i % 256 == 0)
      tally.flush_into(batched);
  }
  tally.flush_into(batched);
  tally.flush_into(batched); // nothing left to add
  CHECK(batched.generated == 5000);
  CHECK(batched.generated == each.generated);
  CHECK(batched.malformed == each.malformed);
  CHECK(batched.failing == each.failing);
  CHECK(each.malformed > 0);
  CHECK(each.failing > 0);
  CHECK(batched.by_family == each.by_family);
  CHECK(each.by_family.size() == 4);
}
