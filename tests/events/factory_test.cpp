#include <catch2/catch.hpp>

#include <cstdio>

#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "events/factory.hpp"
#include "events/random_bits.hpp"

using namespace switchboard;

TEST_CASE("event ids are version 4 UUIDs and unique") {
  std::regex uuid{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"};
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_event_id();
    CHECK(std::regex_match(id, uuid));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("uuid text is the bits in hex, most significant first") {
  auto reference = [](uint64_t hi, uint64_t lo) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(hi >> 32),
                  static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                  static_cast<unsigned long long>(hi & 0xFFFF),
                  static_cast<unsigned long long>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return std::string{buf};
  };
  std::vector<std::pair<uint64_t, uint64_t>> cases{
    {0, 0}, {~0ULL, ~0ULL}, {0x0123456789abcdefULL, 0xfedcba9876543210ULL}};
  // Every nibble value at every position.
  for (int shift = 0; shift < 64; shift += 4)
    for (uint64_t n = 0; n < 16; ++n)
      cases.emplace_back(n << shift, (15 - n) << shift);
  random_bits rng{7};
  for (int i = 0; i < 1000; ++i)
    cases.emplace_back(rng(), rng());
  for (auto [hi, lo] : cases) {
    char out[event_id_size + 1] = {};
    auto* end = write_uuid_text(out, hi, lo);
    CHECK(end == out + event_id_size);
    CHECK(std::string{out} == reference(hi, lo));
  }
}

TEST_CASE("event ids from different threads differ and use every random digit") {
  std::vector<std::string> a, b;
  std::thread ta{[&] {
    for (int i = 0; i < 1000; ++i)
      a.push_back(new_event_id());
  }};
  std::thread tb{[&] {
    for (int i = 0; i < 1000; ++i)
      b.push_back(new_event_id());
  }};
  ta.join();
  tb.join();
  std::set<std::string> all{a.begin(), a.end()};
  all.insert(b.begin(), b.end());
  CHECK(all.size() == 2000);
  // Each position outside the version and variant digits takes all sixteen values.
  for (std::size_t pos = 0; pos < 36; ++pos) {
    if (pos == 8 || pos == 13 || pos == 14 || pos == 18 || pos == 19 || pos == 23)
      continue;
    std::set<char> digits;
    for (const auto& id : all)
      digits.insert(id[pos]);
    INFO("position " << pos);
    CHECK(digits.size() == 16);
  }
}

TEST_CASE("timestamps are ISO 8601 UTC with milliseconds") {
  using namespace std::chrono;
  system_clock::time_point t{milliseconds{1795420800123}};
  CHECK(iso_timestamp(t) == "2026-11-23T08:00:00.123Z");
}

TEST_CASE("every family has a creator that fills the envelope") {
  event_factory f{"factory-test"};
  auto doc = f.create_document_event("doc-1", "uploaded", "pending", "/in/a.pdf");
  REQUIRE(doc);
  CHECK((*doc)->event_type() == "document_uploaded");
  CHECK((*doc)->family() == event_family::document);
  CHECK((*doc)->source() == "factory-test");
  CHECK((*doc)->data_string("document_id") == "doc-1");
  CHECK((*doc)->data_string("file_path") == "/in/a.pdf");

  auto task = f.create_task_event("t-1", "failed", "analysis", "error", "worker");
  REQUIRE(task);
  CHECK((*task)->event_type() == "task_failed");
  CHECK((*task)->source() == "worker");

  auto agent = f.create_agent_event("a-1", "health", "llm", "healthy");
  REQUIRE(agent);
  CHECK((*agent)->event_type() == "agent_health");

  auto metric = f.create_analytics_event("performance_data", "latency_ms", 12.5);
  REQUIRE(metric);
  CHECK((*metric)->data_number("value") == 12.5);

  auto note = f.create_notification_event("alert", "ops", "High error rate", "5%", "critical");
  REQUIRE(note);
  CHECK((*note)->event_type() == "alert");
  CHECK((*note)->family() == event_family::notification);

  auto quality = f.create_quality_event("q-1", "passed", "doc-1", 0.97);
  REQUIRE(quality);
  CHECK((*quality)->event_type() == "quality_check_passed");

  auto insight = f.create_business_insight_event("trend", "uploads doubled", 0.8);
  REQUIRE(insight);
  CHECK((*insight)->family() == event_family::business_insight);

  auto health = f.create_system_health_event("component_health", "dispatcher", "healthy");
  REQUIRE(health);
  CHECK((*health)->family() == event_family::system_health);
}

TEST_CASE("creators refuse invalid fields with a message naming the creator") {
  event_factory f;
  auto bad_action = f.create_document_event("d", "deleted", "x", "/p");
  REQUIRE_FALSE(bad_action);
  CHECK(error_text(bad_action.error())
        == "create_document_event: action must be one of uploaded, processed, analyzed, "
           "not 'deleted'");
  auto empty_id = f.create_task_event("", "created", "analysis", "pending");
  REQUIRE_FALSE(empty_id);
  CHECK(error_text(empty_id.error()) == "create_task_event: task_id must not be empty");
  auto nan = f.create_analytics_event("metrics", "m", std::nan(""));
  REQUIRE_FALSE(nan);
  CHECK_THAT(error_text(nan.error()), Catch::Contains("finite"));
  auto sev = f.create_notification_event("alert", "ops", "t", "m", "loud");
  REQUIRE_FALSE(sev);
  CHECK_THAT(error_text(sev.error()), Catch::Contains("severity must be one of"));
  auto conf = f.create_business_insight_event("trend", "s", 1.5);
  REQUIRE_FALSE(conf);
  CHECK_THAT(error_text(conf.error()), Catch::Contains("between 0 and 1"));
  auto health = f.create_system_health_event("bogus", "c", "ok");
  REQUIRE_FALSE(health);
  CHECK(health.error().code() == static_cast<uint8_t>(event_errc::invalid_value));
}

TEST_CASE("extra data fields and correlation ids are carried") {
  event_factory f;
  json_fields extra;
  extra.set("priority", 3);
  auto ev = f.create_task_event("t", "created", "analysis", "pending", {}, extra);
  REQUIRE(ev);
  CHECK((*ev)->data_number("priority") == 3);
  auto with_cid = f.create("custom_event", {}, {}, "corr-1");
  REQUIRE(with_cid);
  CHECK((*with_cid)->correlation_id() == "corr-1");
  CHECK((*with_cid)->family() == event_family::unknown);
}

TEST_CASE("a creator's own fields replace extras of the same name in place") {
  event_factory f;
  auto ev = f.create_task_event("t-1", "created", "analysis", "pending", {},
                                {{"status", "overridden"}, {"owner", "alice"}});
  REQUIRE(ev);
  CHECK(std::string_view{(*ev)->bytes()}.find(
          R"("data":{"status":"pending","owner":"alice","task_id":"t-1",)"
          R"("task_type":"analysis"})")
        != std::string_view::npos);
}

TEST_CASE("derived events carry the parent's correlation and one more hop") {
  event_factory f{"child"};
  auto parent = f.create("custom_event", {{"n", 1}}, {{"hops", 2}}, "corr-9");
  REQUIRE(parent);
  CHECK((*parent)->hops() == 2);
  f.derive_from(parent->get());
  auto child = f.create("custom_event", {}, {{"note", "kept"}});
  REQUIRE(child);
  CHECK((*child)->correlation_id() == "corr-9");
  CHECK((*child)->hops() == 3);
  CHECK(std::string_view{(*child)->bytes()}.find(R"("metadata":{"note":"kept","hops":3})")
        != std::string_view::npos);
  // Hops given by the caller win over the derived count.
  auto own = f.create("custom_event", {}, {{"hops", 7}});
  REQUIRE(own);
  CHECK((*own)->hops() == 7);
  auto plain = f.create("custom_event", {});
  REQUIRE(plain);
  CHECK(std::string_view{(*plain)->bytes()}.find(R"("metadata":{"hops":3})")
        != std::string_view::npos);
  f.derive_from(nullptr);
  auto root = f.create("custom_event", {});
  REQUIRE(root);
  CHECK((*root)->hops() == 0);
  CHECK((*root)->correlation_id().empty());
  CHECK(std::string_view{(*root)->bytes()}.find(R"("metadata":{})") != std::string_view::npos);
}

TEST_CASE("invalid UTF-8 in a field is refused by the codec, not written as is") {
  event_factory f;
  auto ev = f.create("custom_event", {{"text", std::string_view{"bad \xFF byte"}}});
  REQUIRE_FALSE(ev);
  CHECK(ev.error().code() == static_cast<uint8_t>(event_errc::invalid_utf8));
}

TEST_CASE("a factory stamps events with the time it is given, else the clock") {
  using namespace std::chrono;
  event_factory factory{"test"};
  system_clock::time_point t{milliseconds{1795420800123}};
  factory.set_time(t);
  for (int i = 0; i < 3; ++i) {
    auto ev = factory.create_task_event("t-" + std::to_string(i), "created", "x", "pending");
    REQUIRE(ev);
    CHECK((*ev)->timestamp() == "2026-11-23T08:00:00.123Z");
  }
  factory.set_time(t + milliseconds{5});
  auto later = factory.create_task_event("t-9", "created", "x", "pending");
  REQUIRE(later);
  CHECK((*later)->timestamp() == "2026-11-23T08:00:00.128Z");
  factory.set_time(std::nullopt);
  auto before = iso_timestamp(system_clock::now());
  auto now = factory.create_task_event("t-10", "created", "x", "pending");
  auto after = iso_timestamp(system_clock::now());
  REQUIRE(now);
  CHECK(std::string{(*now)->timestamp()} >= before);
  CHECK(std::string{(*now)->timestamp()} <= after);
}
