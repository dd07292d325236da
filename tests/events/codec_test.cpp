#include <algorithm>

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "events/codec.hpp"
#include "events/json_writer.hpp"

using namespace switchboard;

namespace {

const std::string valid =
  R"({"event_id":"e-1","event_type":"task_created","timestamp":"2026-11-23T10:00:00.000Z",)"
  R"("source":"test","correlation_id":"c-9","version":"1.0","data":{"task_id":"t1"},)"
  R"("metadata":{"hops":2}})";

// Replaces the first occurrence of `from` in the valid event with `to`.
std::string with(const std::string& from, const std::string& to) {
  auto copy = valid;
  auto pos = copy.find(from);
  REQUIRE(pos != std::string::npos);
  copy.replace(pos, from.size(), to);
  return copy;
}

// Decodes and expects the given error code and message fragment.
void expect_error(codec& dec, const std::string& bytes, event_errc code,
                  const std::string& fragment) {
  auto ev = dec.decode(std::string_view{bytes});
  REQUIRE_FALSE(ev);
  CHECK(ev.error().category() == caf::atom("event"));
  CHECK(ev.error().code() == static_cast<uint8_t>(code));
  CHECK_THAT(error_text(ev.error()), Catch::Contains(fragment));
}

std::string reencode(const event& ev) {
  std::string out;
  write_json(out, ev.root());
  return out;
}

} // namespace

TEST_CASE("a valid envelope decodes into its fields") {
  codec dec;
  auto ev = dec.decode(std::string_view{valid});
  REQUIRE(ev);
  const auto& e = **ev;
  CHECK(e.bytes() == valid);
  CHECK(e.event_id() == "e-1");
  CHECK(e.event_type() == "task_created");
  CHECK(e.family() == event_family::task);
  CHECK(e.kind() == event_kind::task_created);
  CHECK(e.source() == "test");
  CHECK(e.timestamp() == "2026-11-23T10:00:00.000Z");
  CHECK(e.correlation_id() == "c-9");
  CHECK(e.hops() == 2);
  CHECK(e.has_metadata());
  CHECK(e.data_string("task_id") == "t1");
  CHECK(e.data_string("absent", "fallback") == "fallback");
}

TEST_CASE("optional envelope fields may be absent or null") {
  codec dec;
  auto ev = dec.decode(std::string_view{
    R"({"event_id":"x","event_type":"alert","timestamp":"t","source":"s","data":{},"correlation_id":null})"});
  REQUIRE(ev);
  CHECK((*ev)->correlation_id().empty());
  CHECK_FALSE((*ev)->has_metadata());
  CHECK((*ev)->metadata().size() == 0);
  CHECK((*ev)->hops() == 0);
}

TEST_CASE("round trip keeps unknown fields, key order and number types") {
  codec dec;
  std::string text =
    R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","zzz":[1,-2,3.5],)"
    R"("data":{"int":5,"float":5.0,"big":18446744073709551615,"neg":-9223372036854775808,)"
    R"("exp":1e3,"tiny":1.5e-300,"s":"quote\" backslash\\ tab\t nl\n ctl\u0001 é ☃ 😀",)"
    R"("nested":{"a":[{"b":null},true,false]}},"metadata":{"k":"v"},"extra":{"u":1}})";
  auto ev = dec.decode(std::string_view{text});
  REQUIRE(ev);
  auto out = reencode(**ev);
  CHECK_THAT(out, Catch::Contains(R"("int":5,)"));
  CHECK_THAT(out, Catch::Contains(R"("float":5.0,)"));
  CHECK_THAT(out, Catch::Contains(R"("big":18446744073709551615,)"));
  CHECK_THAT(out, Catch::Contains(R"("neg":-9223372036854775808,)"));
  CHECK_THAT(out, Catch::Contains(R"("exp":1000.0,)"));
  CHECK_THAT(out, Catch::Contains(R"("tiny":1.5e-300,)"));
  CHECK_THAT(out, Catch::Contains(R"(\" backslash\\ tab\t nl\n ctl\u0001 é ☃ 😀")"));
  CHECK_THAT(out, Catch::Contains(R"("zzz":[1,-2,3.5])"));
  CHECK_THAT(out, Catch::Contains(R"("extra":{"u":1})"));
  // Writing is a fixed point: decoding the output and writing again changes nothing.
  auto again = dec.decode(std::string_view{out});
  REQUIRE(again);
  CHECK(reencode(**again) == out);
  // The mutable tree keeps number kinds too.
  auto tree = to_tree((*ev)->root());
  const auto& data = tree.as_object().at("data").as_object();
  CHECK(data.at("int").is_int64());
  CHECK(data.at("float").is_double());
  CHECK(data.at("big").is_uint64());
  CHECK(to_json(tree) == out);
}

TEST_CASE("every known event type round-trips") {
  codec dec{codec_options{1 << 20, 64, true}};
  for (auto type : all_event_types()) {
    auto text = std::string{R"({"event_id":"id","event_type":")"} + std::string{type}
                + R"(","timestamp":"t","source":"s","data":{"n":1,"x":"y"},"metadata":{}})";
    auto ev = dec.decode(std::string_view{text});
    REQUIRE(ev);
    CHECK((*ev)->event_type() == type);
    CHECK((*ev)->family() != event_family::unknown);
    CHECK(reencode(**ev) == text);
  }
}

TEST_CASE("malformed JSON is its own error") {
  codec dec;
  expect_error(dec, valid.substr(0, valid.size() - 3), event_errc::malformed_json,
               "malformed JSON");
  expect_error(dec, "", event_errc::malformed_json, "malformed JSON");
  expect_error(dec, "{\"event_id\":tru}", event_errc::malformed_json, "malformed JSON");
}

TEST_CASE("an event must be an object") {
  codec dec;
  expect_error(dec, "[1,2]", event_errc::not_object, "must be a JSON object, not an array");
  expect_error(dec, "\"text\"", event_errc::not_object, "not a string");
  expect_error(dec, "42", event_errc::not_object, "not a number");
}

TEST_CASE("each required field is reported when missing") {
  codec dec;
  for (auto field : {"event_id", "event_type", "timestamp", "source", "data"}) {
    std::string text =
      R"({"event_id":"e","event_type":"alert","timestamp":"t","source":"s","data":{}})";
    auto key = std::string{"\""} + field + "\"";
    auto pos = text.find(key);
    text.replace(pos, key.size(), "\"renamed\"");
    expect_error(dec, text, event_errc::missing_field,
                 std::string{"missing required field '"} + field + "'");
  }
}

TEST_CASE("mistyped envelope fields are reported with the type found") {
  codec dec;
  expect_error(dec, with(R"("event_id":"e-1")", R"("event_id":7)"), event_errc::wrong_type,
               "field 'event_id' must be a string, not a number");
  expect_error(dec, with(R"("event_type":"task_created")", R"("event_type":null)"),
               event_errc::wrong_type, "field 'event_type' must be a string, not null");
  expect_error(dec, with(R"("data":{"task_id":"t1"})", R"("data":"t1")"),
               event_errc::wrong_type, "field 'data' must be an object, not a string");
  expect_error(dec, with(R"("data":{"task_id":"t1"})", R"("data":[1])"),
               event_errc::wrong_type, "field 'data' must be an object, not an array");
  expect_error(dec, with(R"("metadata":{"hops":2})", R"("metadata":true)"),
               event_errc::wrong_type, "field 'metadata' must be an object, not a boolean");
  expect_error(dec, with(R"("correlation_id":"c-9")", R"("correlation_id":1)"),
               event_errc::wrong_type, "field 'correlation_id' must be a string or null");
  expect_error(dec, with(R"("version":"1.0")", R"("version":1.0)"), event_errc::wrong_type,
               "field 'version' must be a string");
}

TEST_CASE("invalid values are reported") {
  codec dec;
  expect_error(dec, with(R"("event_id":"e-1")", R"("event_id":"")"), event_errc::invalid_value,
               "field 'event_id' must not be empty");
  expect_error(dec, with(R"("hops":2)", R"("hops":-1)"), event_errc::invalid_value,
               "metadata.hops");
  expect_error(dec, with(R"("hops":2)", R"("hops":"2")"), event_errc::invalid_value,
               "metadata.hops");
}

TEST_CASE("hop counts must be integers that fit int64") {
  codec dec;
  expect_error(dec, with(R"("hops":2)", R"("hops":2.5)"), event_errc::invalid_value,
               "metadata.hops");
  expect_error(dec, with(R"("hops":2)", R"("hops":18446744073709551615)"),
               event_errc::invalid_value, "metadata.hops");
  expect_error(dec, with(R"("hops":2)", R"("hops":null)"), event_errc::invalid_value,
               "metadata.hops");
  auto big = dec.decode(std::string_view{with(R"("hops":2)", R"("hops":9223372036854775807)")});
  REQUIRE(big);
  CHECK((*big)->hops() == INT64_MAX);
  // The first of repeated keys counts, and keys compare unescaped.
  auto twice = dec.decode(std::string_view{with(R"("hops":2)", R"("x":[1,{"hops":9}],"h\u006fps":4,"hops":-1)")});
  REQUIRE(twice);
  CHECK((*twice)->hops() == 4);
}

TEST_CASE("envelope fields are found among unknown fields of every kind") {
  // Unknown fields before, between and after the envelope's: nested objects and arrays,
  // numbers of each kind and literals, which the reader must step over.
  std::string text =
    R"({"a":{"event_id":"inner","data":[1,2,{"x":1}]},"n":-1,"u":18446744073709551615,)"
    R"("d":1.5,"t":true,"event_id":"e-2","f":false,"z":null,"event_type":"alert",)"
    R"("timestamp":"t","s":[],"source":"s","data":{"k":"v","o":{"data":1}},"o":{},)"
    R"("event_id":"dup","metadata":{"x":[{"hops":7}],"hops":3},"tail":[[[]]]})";
  codec dec;
  auto ev = dec.decode(std::string_view{text});
  REQUIRE(ev);
  const auto& e = **ev;
  CHECK(e.event_id() == "e-2");
  CHECK(e.event_type() == "alert");
  CHECK(e.family() == event_family::notification);
  CHECK(e.source() == "s");
  CHECK(e.correlation_id().empty());
  CHECK(e.hops() == 3);
  CHECK(e.data_string("k") == "v");
  CHECK(simdjson::minify(e.data()) == R"({"k":"v","o":{"data":1}})");
  CHECK(simdjson::minify(e.metadata()) == R"({"x":[{"hops":7}],"hops":3})");
  CHECK(reencode(e) == text);
}

TEST_CASE("data fields are read by key, the first of repeated keys counting") {
  codec dec;
  auto ev = dec.decode(std::string_view{with(
    R"("data":{"task_id":"t1"})",
    R"("data":{"task":"no","task_id":"t1","n":-3,"u":18446744073709551615,"d":2.5,)"
    R"("o":{"task_id":"inner"},"a":[1],"b":true,"z":null,"s\u0074":"esc","n":7})")});
  REQUIRE(ev);
  const auto& e = **ev;
  CHECK(e.data_string("task_id") == "t1");
  CHECK(e.data_string("task") == "no");
  CHECK(e.data_string("st") == "esc");
  CHECK(e.data_string("n", "fallback") == "fallback");
  CHECK(e.data_string("o", "fallback") == "fallback");
  CHECK(e.data_string("missing", "fallback") == "fallback");
  CHECK(e.data_string("task_i").empty());
  CHECK(e.data_number("n") == -3);
  CHECK(e.data_number("u") == Approx(18446744073709551615.0));
  CHECK(e.data_number("d") == 2.5);
  CHECK(e.data_number("task_id", -1) == -1);
  CHECK(e.data_number("b", -1) == -1);
  CHECK(e.data_number("z", -1) == -1);
  CHECK(e.data_number("a", -1) == -1);
  CHECK(e.data_number("missing", 42) == 42);
  auto empty = dec.decode(std::string_view{with(R"("data":{"task_id":"t1"})", R"("data":{})")});
  REQUIRE(empty);
  CHECK((*empty)->data_string("task_id", "none") == "none");
  CHECK((*empty)->data_number("task_id", 1) == 1);
}

TEST_CASE("unknown event types are refused only when a known family is required") {
  auto text = with("task_created", "custom_thing");
  codec lenient;
  auto ev = lenient.decode(std::string_view{text});
  REQUIRE(ev);
  CHECK((*ev)->family() == event_family::unknown);
  CHECK((*ev)->kind() == event_kind::other);
  codec strict{codec_options{1 << 20, 64, true}};
  expect_error(strict, text, event_errc::unknown_event_type,
               "event_type 'custom_thing' belongs to no known event family");
}

TEST_CASE("events over the size limit are refused before parsing") {
  codec dec{codec_options{200, 64, false}};
  std::string big = with(R"("task_id":"t1")", R"("task_id":")" + std::string(300, 'x') + "\"");
  expect_error(dec, big, event_errc::too_large, "exceeds the limit of 200 bytes");
  codec def;
  std::string huge = with(R"("task_id":"t1")",
                          R"("task_id":")" + std::string((1 << 20) + 1, 'x') + "\"");
  expect_error(def, huge, event_errc::too_large, "exceeds the limit of 1048576 bytes");
}

TEST_CASE("nesting is limited to 64 levels counting the envelope") {
  codec dec;
  auto nested = [](int levels) {
    // The envelope and `data` are two levels; the rest are arrays inside data.
    std::string inner;
    for (int i = 0; i < levels - 2; ++i)
      inner += "[";
    for (int i = 0; i < levels - 2; ++i)
      inner += "]";
    return with(R"("task_id":"t1")", R"("deep":)" + inner);
  };
  CHECK(dec.decode(std::string_view{nested(64)}));
  expect_error(dec, nested(65), event_errc::too_deep, "deeper than 64 levels");
}

TEST_CASE("invalid UTF-8 is its own error") {
  codec dec;
  expect_error(dec, with("t1", "t\xff\xfe"), event_errc::invalid_utf8, "not valid UTF-8");
  expect_error(dec, with("t1", "\xc3"), event_errc::invalid_utf8, "not valid UTF-8");
  // An overlong encoding of '/' is not valid UTF-8 either.
  expect_error(dec, with("t1", "\xc0\xaf"), event_errc::invalid_utf8, "not valid UTF-8");
}

TEST_CASE("events are immutable and shared by pointer") {
  codec dec;
  auto ev = dec.decode(std::string_view{valid});
  REQUIRE(ev);
  event_ptr a = *ev;
  event_ptr b = a;
  CHECK(a.get() == b.get());
  CHECK(a.use_count() == 3);
  static_assert(std::is_same_v<event_ptr, std::shared_ptr<const event>>);
  static_assert(!std::is_copy_constructible_v<event>);
}

TEST_CASE("decode_or_keep copies a valid event's bytes and leaves the caller's buffer") {
  codec dec;
  auto bad = with("\"data\"", "\"dat\"");
  auto kept = bad;
  auto refused = dec.decode_or_keep(kept);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == static_cast<uint8_t>(event_errc::missing_field));
  CHECK(kept == bad);
  auto broken = valid.substr(0, 40);
  auto kept_broken = broken;
  REQUIRE_FALSE(dec.decode_or_keep(kept_broken));
  CHECK(kept_broken == broken);

  std::string bytes;
  bytes.reserve(valid.size() + simdjson::SIMDJSON_PADDING);
  bytes = valid;
  auto ev = dec.decode_or_keep(bytes);
  REQUIRE(ev);
  CHECK((*ev)->bytes() == valid);
  CHECK(bytes == valid);
  // The event owns its copy: the caller may reuse its buffer at once.
  std::fill(bytes.begin(), bytes.end(), 'x');
  bytes = "{}";
  CHECK((*ev)->bytes() == valid);
  CHECK((*ev)->data_string("task_id") == "t1");
  CHECK((*ev)->event_id() == "e-1");
}

TEST_CASE("events decoded one after another keep their own trees") {
  // Each event's tree and strings are copied out of the shared parser.
  codec dec;
  std::vector<event_ptr> events;
  for (int i = 0; i < 50; ++i) {
    auto ev = dec.decode(with("t1", "task-" + std::to_string(i) + std::string(i, 'x')));
    REQUIRE(ev);
    events.push_back(*ev);
  }
  for (int i = 0; i < 50; ++i) {
    CHECK(events[i]->data_string("task_id") == "task-" + std::to_string(i) + std::string(i, 'x'));
    CHECK(events[i]->event_id() == "e-1");
    CHECK(events[i]->hops() == 2);
    CHECK(reencode(*events[i]) == std::string{events[i]->bytes()});
  }
}

TEST_CASE("events whose parse is as large as their text allows decode intact") {
  // The event's block is sized from the count of structural characters before the
  // parse is written into it: dense numbers (two tape words each), empty strings (five
  // string bytes for three of text), escapes and deep nesting approach those bounds.
  auto event_with = [](const std::string& data) {
    return R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","data":)"
           + data + "}";
  };
  std::string numbers = "{\"n\":[";
  std::string empties = "{\"e\":[";
  for (int i = 0; i < 5000; ++i) {
    numbers += (i ? "," : "") + std::to_string(i % 10);
    empties += i ? ",\"\"" : "\"\"";
  }
  numbers += "]}";
  empties += "]}";
  std::string escapes = "{\"s\":\"";
  for (int i = 0; i < 2000; ++i)
    escapes += "\\u00e9\\n";
  escapes += "\"}";
  std::string deep = "{\"d\":";
  // 64 levels: the envelope, data, 61 arrays, and simdjson counts the innermost scalar.
  for (int i = 0; i < 61; ++i)
    deep += "[";
  deep += "1.5";
  for (int i = 0; i < 61; ++i)
    deep += "]";
  deep += "}";
  codec dec;
  for (const auto& data : {numbers, empties, escapes, deep, std::string{"{}"}}) {
    auto text = event_with(data);
    auto ev = dec.decode(std::string_view{text});
    REQUIRE(ev);
    // What was parsed reads back as the same JSON value as the text.
    boost::json::parse_options deep_enough;
    deep_enough.max_depth = 128;
    CHECK(boost::json::parse(reencode(**ev), {}, deep_enough)
          == boost::json::parse(text, {}, deep_enough));
    CHECK((*ev)->bytes() == text);
  }
  auto ev = dec.decode(std::string_view{event_with(numbers)});
  REQUIRE(ev);
  auto array = (*ev)->data()["n"].get_array();
  REQUIRE_FALSE(array.error());
  CHECK(array.value().size() == 5000);
  auto s = dec.decode(std::string_view{event_with(escapes)});
  REQUIRE(s);
  std::string_view unescaped = (*s)->data_string("s");
  CHECK(unescaped.size() == 2000 * 3); // U+00E9 is two bytes, \n one
}
