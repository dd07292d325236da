#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/factory.hpp"
#include "events/json_fields.hpp"
#include "events/tape_writer.hpp"

using namespace switchboard;

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

// Compares the tape written for `fields` with simdjson's parse of its text, word for
// word, and the strings byte for byte.
void check_against_simdjson(const json_fields& fields) {
  auto text = fields.str();
  INFO(text);
  tape_writer tape;
  REQUIRE(document_of(fields, tape));
  simdjson::dom::parser parser;
  REQUIRE(parser.parse(text).error() == simdjson::SUCCESS);
  const auto& doc = parser.doc;
  auto words = static_cast<std::size_t>(doc.tape[0] & simdjson::internal::JSON_VALUE_MASK);
  REQUIRE(tape.tape_words() == words);
  for (std::size_t i = 0; i < words; ++i) {
    INFO("tape word " << i);
    CHECK(tape.tape()[i] == doc.tape[i]);
  }
  CHECK(std::memcmp(tape.strings(), doc.string_buf.get(), tape.string_bytes()) == 0);
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

// Walks two parses side by side: same types, number kinds and bits, strings, member
// counts (read from the object words) and keys in order (iteration reads the end index).
void check_same_tree(simdjson::dom::element a, simdjson::dom::element b) {
  using simdjson::dom::element_type;
  REQUIRE(a.type() == b.type());
  switch (a.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object oa = a.get_object().value_unsafe();
      simdjson::dom::object ob = b.get_object().value_unsafe();
      REQUIRE(oa.size() == ob.size());
      auto ib = ob.begin();
      for (auto fa : oa) {
        auto fb = *ib;
        CHECK(fa.key == fb.key);
        check_same_tree(fa.value, fb.value);
        ++ib;
      }
      CHECK_FALSE(ib != ob.end());
      break;
    }
    case element_type::ARRAY:
      CHECK(a.get_array().value_unsafe().size() == b.get_array().value_unsafe().size());
      break;
    case element_type::STRING:
      CHECK(a.get_string().value_unsafe() == b.get_string().value_unsafe());
      CHECK(std::strcmp(a.get_c_str().value_unsafe(), b.get_c_str().value_unsafe()) == 0);
      break;
    case element_type::INT64:
      CHECK(a.get_int64().value_unsafe() == b.get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      CHECK(a.get_uint64().value_unsafe() == b.get_uint64().value_unsafe());
      break;
    case element_type::DOUBLE: {
      auto x = a.get_double().value_unsafe();
      auto y = b.get_double().value_unsafe();
      CHECK(std::memcmp(&x, &y, 8) == 0);
      break;
    }
    case element_type::BOOL:
      CHECK(a.get_bool().value_unsafe() == b.get_bool().value_unsafe());
      break;
    case element_type::NULL_VALUE:
      break;
  }
}

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
  factory.derive_from(nullptr);
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
