#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include <simdjson.h>

#include "actors/dead_letter.hpp"
#include "events/codec.hpp"

using namespace switchboard;

namespace {

// Parses a dead-letter record, failing the test when it is not one valid JSON object.
simdjson::dom::object parse(simdjson::dom::parser& parser, const std::string& record) {
  simdjson::dom::object obj;
  INFO(record);
  REQUIRE(parser.parse(simdjson::padded_string{record}).get_object().get(obj) == simdjson::SUCCESS);
  return obj;
}

std::string_view text_of(simdjson::dom::object obj, const char* key) {
  return obj[key].get_string().value();
}

} // namespace

TEST_CASE("a dead letter carries the reason, the place and the original bytes") {
  std::string original
    = R"({"event_id":"e-1","event_type":"task_completed","data":{"note":"tab\there \\ \"q\""}})";
  auto record = make_dead_letter("processor", "no such task", "task-lifecycle", "events",
                                 "e-1", original);
  simdjson::dom::parser parser;
  auto obj = parse(parser, record);
  CHECK(text_of(obj, "kind") == "processor");
  CHECK(text_of(obj, "reason") == "no such task");
  CHECK(text_of(obj, "route") == "task-lifecycle");
  CHECK(text_of(obj, "source_topic") == "events");
  CHECK(text_of(obj, "event_id") == "e-1");
  CHECK(text_of(obj, "original") == original);
  std::regex iso{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};
  CHECK(std::regex_match(std::string{text_of(obj, "at")}, iso));
}

TEST_CASE("an empty route and event id are written as null") {
  auto record = make_dead_letter("malformed", "malformed JSON", "", "events", "", "{oops");
  simdjson::dom::parser parser;
  auto obj = parse(parser, record);
  CHECK(obj["route"].is_null());
  CHECK(obj["event_id"].is_null());
  CHECK(text_of(obj, "original") == "{oops");
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD and the record stays valid JSON") {
  const std::string fffd = "\xEF\xBF\xBD";
  struct sample {
    std::string original;
    std::string expected;
  };
  const sample samples[] = {
    {"a\xFF" "b", "a" + fffd + "b"},
    {"\xFE\xFF", fffd + fffd},
    {"cut \xC3", "cut " + fffd},                                // truncated sequence
    {"over \xC0\xAF long", "over " + fffd + fffd + " long"},     // overlong '/'
    {"sur \xED\xA0\x80 x", "sur " + fffd + fffd + fffd + " x"}, // UTF-16 surrogate
    {"ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \x80",
     "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 " + fffd}, // whole characters stay
  };
  simdjson::dom::parser parser;
  for (const auto& s : samples) {
    auto record = make_dead_letter("malformed", "not UTF-8", "", "", "", s.original);
    auto obj = parse(parser, record);
    CHECK(text_of(obj, "original") == s.expected);
  }
}

TEST_CASE("a decoded event's dead letter is the record of its bytes and id") {
  codec dec;
  std::string text = R"({"event_id":"e-7","event_type":"task_created","timestamp":"t",)"
                     R"("source":"s","data":{"note":"\u00e9 \"q\" \\"}})";
  auto ev = dec.decode(std::string_view{text});
  REQUIRE(ev);
  auto from_event = make_dead_letter("processor_rejected", "busy", "", "processor.agent", **ev);
  auto from_bytes
    = make_dead_letter("processor_rejected", "busy", "", "processor.agent", "e-7", text);
  simdjson::dom::parser parser;
  auto obj = parse(parser, from_event);
  CHECK(text_of(obj, "original") == text);
  CHECK(text_of(obj, "event_id") == "e-7");
  // The same record but for its time.
  auto cut = [](const std::string& r) { return r.substr(0, r.find(",\"at\":")); };
  CHECK(cut(from_event) == cut(from_bytes));
}

TEST_CASE("a dead letter stamped with a given time carries it") {
  codec dec;
  std::string text = R"({"event_id":"e-8","event_type":"task_created","timestamp":"t",)"
                     R"("source":"s","data":{}})";
  auto ev = dec.decode(std::string_view{text});
  REQUIRE(ev);
  auto record = make_dead_letter("processor_rejected", "busy", "", "processor.agent", **ev,
                                 "2026-01-02T03:04:05.678Z");
  simdjson::dom::parser parser;
  auto obj = parse(parser, record);
  CHECK(text_of(obj, "at") == "2026-01-02T03:04:05.678Z");
  CHECK(text_of(obj, "original") == text);
  // Without one it is now.
  auto now = make_dead_letter("processor_rejected", "busy", "", "processor.agent", **ev);
  CHECK(std::regex_match(std::string{text_of(parse(parser, now), "at")},
                         std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}));
}
