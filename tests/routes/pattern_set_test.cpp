#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "events/error.hpp"
#include "routes/pattern.hpp"

using namespace switchboard;

namespace {

// Random patterns and events over a small vocabulary, so that matches are common
// and arrays of objects, absence and `$or` all occur.
class generator {
public:
  explicit generator(uint64_t seed) : rng_(seed) {
    // nop
  }

  std::string event() {
    std::string out = "{";
    bool first = true;
    for (const char* key : {"a", "b", "n"}) {
      if (coin(3))
        continue;
      field(out, first, key, std::string{key} == "n" ? number() : scalar_or_array());
    }
    if (!coin(4))
      field(out, first, "d", object(2));
    if (!coin(3)) {
      std::string items = "[";
      auto count = pick(4);
      for (std::size_t i = 0; i < count; ++i) {
        if (i)
          items += ',';
        items += coin(5) ? scalar() : object(1);
      }
      field(out, first, "items", items + "]");
    }
    return out + "}";
  }

  std::string pattern() {
    std::string out = "{";
    bool first = true;
    auto fields = 1 + pick(2);
    for (std::size_t i = 0; i < fields; ++i) {
      switch (pick(5)) {
        case 0:
          field(out, first, "a", leaf());
          break;
        case 1:
          field(out, first, "n", leaf());
          break;
        case 2:
          field(out, first, "d", "{" + sub_fields() + "}");
          break;
        case 3:
          field(out, first, "items", "{" + sub_fields() + "}");
          break;
        default:
          field(out, first, "$or", "[{" + sub_fields() + "},{" + sub_fields() + "}]");
      }
    }
    return out + "}";
  }

private:
  std::size_t pick(std::size_t n) {
    return static_cast<std::size_t>(rng_() % n);
  }

  bool coin(std::size_t one_in) {
    return pick(one_in) == 0;
  }

  static void field(std::string& out, bool& first, const std::string& key, const std::string& v) {
    if (!first)
      out += ',';
    first = false;
    out += "\"" + key + "\":" + v;
  }

  std::string scalar() {
    static const char* values[] = {"\"x\"", "\"y\"", "\"xy\"", "\"X\"", "\"10.0.0.9\"",
                                   "1",     "2.0",   "null",   "true",  "\"\""};
    return values[pick(std::size(values))];
  }

  std::string number() {
    static const char* values[] = {"1", "2", "2.5", "-3", "1e1", "\"2\""};
    return values[pick(std::size(values))];
  }

  std::string scalar_or_array() {
    if (!coin(3))
      return scalar();
    return "[" + scalar() + "," + scalar() + "]";
  }

  std::string object(int depth) {
    std::string out = "{";
    bool first = true;
    for (const char* key : {"a", "b", "n"})
      if (!coin(3))
        field(out, first, key, std::string{key} == "n" ? number() : scalar_or_array());
    if (depth > 1 && coin(2))
      field(out, first, "e", object(depth - 1));
    return out + "}";
  }

  std::string leaf() {
    static const char* ops[] = {
      "\"x\"", "[\"y\",\"xy\"]", "[1]", "[2]", "[null]", "[true]", "[\"\"]",
      "[{\"prefix\":\"x\"}]", "[{\"suffix\":\"y\"}]", "[{\"equals-ignore-case\":\"x\"}]",
      "[{\"wildcard\":\"*y\"}]", "[{\"anything-but\":\"x\"}]", "[{\"anything-but\":[1,2]}]",
      "[{\"anything-but\":{\"prefix\":\"x\"}}]", "[{\"numeric\":[\">\",1,\"<=\",2.5]}]",
      "[{\"numeric\":[\"<\",0]}]", "[{\"exists\":true}]", "[{\"exists\":false}]",
      "[{\"cidr\":\"10.0.0.0/24\"}]", "[\"x\",{\"exists\":false}]",
      "[{\"prefix\":{\"equals-ignore-case\":\"X\"}}]", "[{\"anything-but\":{\"wildcard\":\"x*\"}}]",
    };
    return ops[pick(std::size(ops))];
  }

  std::string sub_fields() {
    std::string out;
    bool first = true;
    static const char* keys[] = {"a", "b", "n"};
    auto count = 1 + pick(2);
    for (std::size_t i = 0; i < count; ++i)
      field(out, first, keys[i], leaf());
    if (coin(4))
      field(out, first, "e", "{\"a\":" + leaf() + "}");
    return out;
  }

  std::mt19937_64 rng_;
};

} // namespace

TEST_CASE("pattern_set agrees with each pattern on a randomized corpus") {
  generator gen{20261123};
  std::vector<pattern> patterns;
  std::vector<std::string> texts;
  pattern_set set;
  while (patterns.size() < 300) {
    auto text = gen.pattern();
    auto p = pattern::compile(text);
    if (!p)
      FAIL("generated pattern refused: " << text << ": " << error_text(p.error()));
    set.add(*p);
    patterns.push_back(std::move(*p));
    texts.push_back(std::move(text));
  }
  simdjson::dom::parser parser;
  std::size_t total_matches = 0;
  std::size_t events_with_match = 0;
  std::vector<std::size_t> got;
  for (int i = 0; i < 2000; ++i) {
    auto text = gen.event();
    auto doc = parser.parse(simdjson::padded_string{text});
    REQUIRE(doc.error() == simdjson::SUCCESS);
    got.clear();
    set.match(doc.value_unsafe(), got);
    std::vector<std::size_t> want;
    for (std::size_t k = 0; k < patterns.size(); ++k)
      if (patterns[k].matches(doc.value_unsafe()))
        want.push_back(k);
    if (got != want) {
      for (std::size_t k = 0; k < patterns.size(); ++k) {
        bool in_got = std::find(got.begin(), got.end(), k) != got.end();
        bool in_want = std::find(want.begin(), want.end(), k) != want.end();
        if (in_got != in_want)
          FAIL("event " << text << " pattern " << texts[k] << " set says " << in_got
                        << ", pattern says " << in_want);
      }
    }
    total_matches += want.size();
    events_with_match += !want.empty();
  }
  // The corpus must exercise matching, not agree on empty results.
  CHECK(events_with_match > 1000);
  CHECK(total_matches > 10000);
  CHECK(total_matches < 2000 * 300 / 2);
}
