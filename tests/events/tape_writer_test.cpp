#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <simdjson.h>

#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/factory.hpp"
#include "events/json_fields.hpp"
#include "events/json_writer.hpp"
#include "events/tape_writer.hpp"
#include "tests/support/dom_compare.hpp"

using namespace switchboard;
using switchboard::test::check_same_tree;

namespace {

// The parse `fields` keeps, as a document of its own; false when it keeps none.
bool document_of(const json_fields& fields, tape_writer& tape) {
  tape.begin_document();
  auto at = tape.begin_object();
  if (!fields.write_tape(tape))
    return false;
  tape.end_object(at, fields.size());
  tape.end_document();
  return true;
}

// Compares a written parse with another one (`parse`, `strings`: simdjson's layout) word
// for word, and the strings byte for byte.
void check_same_parse(const tape_writer& tape, const uint64_t* parse, const uint8_t* strings) {
  auto words = static_cast<std::size_t>(parse[0] & simdjson::internal::JSON_VALUE_MASK);
  REQUIRE(tape.tape_words() == words);
  for (std::size_t i = 0; i < words; ++i) {
    INFO("tape word " << i);
    CHECK(tape.tape()[i] == parse[i]);
  }
  CHECK(std::memcmp(tape.strings(), strings, tape.string_bytes()) == 0);
}

// Compares a written parse with simdjson's parse of `text`.
void check_same_parse(const tape_writer& tape, const std::string& text) {
  INFO(text);
  simdjson::dom::parser parser;
  REQUIRE(parser.parse(text).error() == simdjson::SUCCESS);
  check_same_parse(tape, parser.doc.tape.get(), parser.doc.string_buf.get());
}

// Compares the parse `fields` keeps with simdjson's parse of its text.
void check_against_simdjson(const json_fields& fields) {
  tape_writer tape;
  REQUIRE(document_of(fields, tape));
  check_same_parse(tape, fields.str());
}

// Random field lists; `plain` keeps to values whose parse json_fields keeps.
class random_fields {
public:
  explicit random_fields(uint64_t seed) : rng_(seed) {
    // nop
  }

  json_fields object(bool plain) {
    json_fields out;
    for (int i = pick(8); i > 0; --i) {
      // Keys repeat now and then: a set key is replaced in place.
      auto key = pick(4) == 0 ? std::string{"same"} : text(plain) + std::to_string(i);
      switch (pick(plain ? 8 : 10)) {
        case 0: out.set(key, text(plain)); break;
        case 1: out.set(key, static_cast<int64_t>(rng_() >> pick(64)) * (pick(2) ? 1 : -1)); break;
        case 2: out.set(key, rng_() | (uint64_t{1} << 63)); break;
        case 3: out.set(key, static_cast<uint32_t>(rng_())); break;
        case 4: {
          uint64_t bits = rng_();
          double d;
          std::memcpy(&d, &bits, 8);
          out.set(key, d); // NaN and infinities included: written as null
          break;
        }
        case 5: out.set(key, pick(100000) / 100.0); break;
        case 6: out.set(key, pick(2) == 1); break;
        case 7: out.set(key, std::numeric_limits<int64_t>::min()); break;
        case 8: out.set(key, object(true)); break;
        default: out.set_raw(key, "[1, 2]");
      }
    }
    return out;
  }

private:
  int pick(int n) {
    return std::uniform_int_distribution<int>{0, n - 1}(rng_);
  }

  std::string text(bool plain) {
    static const char* pieces[] = {"a", "task-17", " ", "/", "\xc3\xa9", "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80", "", "\"", "\\", "\n", "\x01"};
    constexpr int all = sizeof(pieces) / sizeof(pieces[0]);
    std::string s;
    for (int i = pick(6); i > 0; --i)
      s += pieces[pick(plain ? all - 4 : all)];
    return s;
  }

  std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("a field list's kept parse is simdjson's parse of its text") {
  check_against_simdjson(json_fields{});
  json_fields flat;
  flat.set("s", "plain \xc3\xa9").set("i", -7).set("u", uint64_t{1} << 63).set("small", 5u);
  flat.set("d", 0.1).set("whole", 5.0).set("nan", std::nan("")).set("t", true).set("f", false);
  flat.set("i", "replaced by a string");
  check_against_simdjson(flat);
}

TEST_CASE("random field lists keep simdjson's parse") {
  random_fields gen{20261123};
  for (int i = 0; i < 3000; ++i)
    check_against_simdjson(gen.object(true));
}

TEST_CASE("escapes, raw values and nested objects leave the text to be parsed") {
  tape_writer tape;
  CHECK_FALSE(document_of(json_fields{}.set("quote", "say \"hi\""), tape));
  CHECK_FALSE(document_of(json_fields{}.set("line\n", "key needs an escape"), tape));
  CHECK_FALSE(document_of(json_fields{}.set_raw("list", "[1,2]"), tape));
  CHECK_FALSE(document_of(json_fields{}.set("inner", json_fields{}.set("a", 1)), tape));
  CHECK_FALSE(document_of(json_fields{{"initializer", "list"}}, tape));
}

TEST_CASE("factory events built with their parse equal their text parsed") {
  event_factory factory{"tape-test"};
  codec dec;
  auto same_as_parsed = [&](const caf::expected<event_ptr>& made) {
    REQUIRE(made);
    const auto& ev = **made;
    auto parsed = dec.decode(ev.bytes());
    REQUIRE(parsed);
    INFO(ev.bytes());
    check_same_tree(ev.root(), (*parsed)->root());
    CHECK(ev.event_id() == (*parsed)->event_id());
    CHECK(ev.event_type() == (*parsed)->event_type());
    CHECK(ev.timestamp() == (*parsed)->timestamp());
    CHECK(ev.source() == (*parsed)->source());
    CHECK(ev.correlation_id() == (*parsed)->correlation_id());
    CHECK(ev.hops() == (*parsed)->hops());
    CHECK(ev.has_metadata() == (*parsed)->has_metadata());
    CHECK(ev.family() == (*parsed)->family());
    CHECK(ev.kind() == (*parsed)->kind());
    // The objects the event hands out are the ones the envelope holds.
    auto same_object = [](simdjson::dom::object a, simdjson::dom::object b) {
      REQUIRE(a.size() == b.size());
      auto ib = b.begin();
      for (auto fa : a) {
        CHECK(fa.key == (*ib).key);
        check_same_tree(fa.value, (*ib).value);
        ++ib;
      }
    };
    same_object(ev.data(), (*parsed)->data());
    same_object(ev.metadata(), (*parsed)->metadata());
  };
  random_fields gen{7};
  for (int i = 0; i < 500; ++i)
    same_as_parsed(factory.create("task_created", gen.object(i % 2 == 0), gen.object(true)));
  same_as_parsed(factory.create_task_event("t-1", "completed", "analysis", "done", "x"));
  same_as_parsed(factory.create_document_event("d-1", "uploaded", "pending", "/a.pdf", "x"));
  same_as_parsed(factory.create("task_created", json_fields{}, json_fields{}, "c-\"1\"", "s"));
  // Derived: correlation and hops come from the parent, hops appended to metadata.
  auto parent = factory.create("document_uploaded", json_fields{}.set("document_id", "d-2"));
  REQUIRE(parent);
  factory.derive_from(parent->get());
  same_as_parsed(factory.create("task_created", gen.object(true)));
  auto derived = factory.create("task_created", gen.object(true), json_fields{}.set("trace", "t"));
  same_as_parsed(derived);
  CHECK((*derived)->hops() == 1);
  CHECK((*derived)->correlation_id() == (*parent)->event_id());
  // A hop count the caller sets is read from what was written, derived or not.
  auto counted = factory.create("task_created", json_fields{}, json_fields{}.set("hops", 5));
  same_as_parsed(counted);
  CHECK((*counted)->hops() == 5);
  factory.derive_from(nullptr);
  same_as_parsed(factory.create("metrics", json_fields{}, json_fields{}.set("hops", 7)));
  same_as_parsed(factory.create("custom_type", json_fields{}));
  auto negative = factory.create("task_created", json_fields{}, json_fields{}.set("hops", -1));
  REQUIRE_FALSE(negative);
  CHECK(error_text(negative.error()) == "field 'metadata.hops' must be a non-negative integer");
  // Strictness of the factory's codec is not the caller's, but an unknown type in a
  // strict codec is refused by either path alike.
  codec strict{codec_options{1 << 20, 64, true}};
  auto text = std::string{(*counted)->bytes()};
  CHECK(strict.decode(std::string_view{text}));
}

TEST_CASE("factory events with bytes that are not UTF-8 keep the codec's error") {
  event_factory factory{"tape-test"};
  auto refused = factory.create("task_created", json_fields{}.set("name", "\xff\xfe"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == event_errc::invalid_utf8);
  auto empty_type = factory.create("", json_fields{});
  REQUIRE_FALSE(empty_type);
  CHECK(empty_type.error() == event_errc::invalid_value);
}

TEST_CASE("copying an event's root value gives its parse back word for word") {
  codec dec;
  // Each text with its nesting: root, data, a, the object in a, b.
  for (auto [text, depth] : std::vector<std::pair<std::string, std::size_t>>{
         {R"({"event_id":"e","event_type":"t","timestamp":"x","source":"s","data":{"a":[1,-2,3.5,"q\"x",{"b":[]},true,null],"u":18446744073709551615},"metadata":{}})", 5},
         {R"({"event_id":"e","event_type":"t","timestamp":"x","source":"s","data":{}})", 2}}) {
    auto ev = dec.decode(text);
    REQUIRE(ev);
    tape_writer tape;
    tape.begin_document();
    tape.copy_value((*ev)->tape(), (*ev)->tape_strings(), 1);
    tape.end_document();
    check_same_parse(tape, (*ev)->tape(), (*ev)->tape_strings());
    CHECK(tape.max_depth() == depth);
    // Copied elsewhere, after other words and strings, every index and offset moves.
    tape.begin_document();
    auto at = tape.begin_array();
    tape.add_string("before");
    tape.copy_value((*ev)->tape(), (*ev)->tape_strings(), 1);
    tape.end_array(at, 2);
    tape.end_document();
    check_same_parse(tape, "[\"before\"," + text + "]");
    CHECK(tape.max_depth() == depth + 1);
  }
}

TEST_CASE("a mutable tree's parse is simdjson's parse of its text") {
  for (std::string text :
       {R"({"a":[1,-2,3.5,"q\"x\u0001",{"b":[]},true,false,null],"big":18446744073709551615,"small":5,"nested":{"x":{"y":[[]]}}})",
        R"({"d":[0.1,-0.0,1e300,2.2250738585072011e-308],"e":"\u00e9"})"}) {
    INFO(text);
    auto tree = boost::json::parse(text);
    std::string written;
    write_json(written, tree);
    tape_writer tape;
    tape.begin_document();
    tape.add_tree(tree);
    tape.end_document();
    check_same_parse(tape, written);
  }
  // NaN and infinities are written as null, and so is their parse.
  boost::json::value odd = boost::json::array{std::nan(""), HUGE_VAL};
  tape_writer tape;
  tape.begin_document();
  tape.add_tree(odd);
  tape.end_document();
  CHECK(static_cast<char>(tape.tape()[2] >> 56) == 'n');
  CHECK(static_cast<char>(tape.tape()[3] >> 56) == 'n');
}
