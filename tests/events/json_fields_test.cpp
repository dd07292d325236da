#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "events/json_fields.hpp"
#include "events/random_bits.hpp"

using namespace switchboard;

namespace {

// Parses the builder's text, failing the test when it is not one JSON object.
simdjson::dom::object parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::object obj;
  auto rc = parser.parse(simdjson::padded_string{text}).get_object().get(obj);
  INFO(text);
  REQUIRE(rc == simdjson::SUCCESS);
  return obj;
}

} // namespace

TEST_CASE("an empty builder writes an empty object") {
  json_fields f;
  CHECK(f.empty());
  CHECK(f.size() == 0);
  CHECK(f.str() == "{}");
  CHECK(f.text_size() == 2);
  CHECK_FALSE(f.contains("anything"));
  std::string out = "x=";
  f.write(out);
  CHECK(out == "x={}");
}

TEST_CASE("fields keep insertion order and escape keys and strings") {
  json_fields f;
  f.set("zeta", "last letter").set("alpha", "a \"quoted\" back\\slash").set("ctl", "tab\tnl\n\x01");
  f.set("we\"ird", "key");
  CHECK(f.str()
        == R"({"zeta":"last letter","alpha":"a \"quoted\" back\\slash",)"
           R"("ctl":"tab\tnl\n\u0001","we\"ird":"key"})");
  CHECK(f.size() == 4);
  CHECK(f.text_size() == f.str().size());
  CHECK(f.contains("we\"ird"));
  CHECK(f.contains("alpha"));
  CHECK_FALSE(f.contains("alp"));
  simdjson::dom::parser parser;
  auto obj = parse(parser, f.str());
  CHECK(std::string_view{obj["alpha"].get_string().value()} == "a \"quoted\" back\\slash");
  CHECK(std::string_view{obj["ctl"].get_string().value()} == "tab\tnl\n\x01");
}

TEST_CASE("numbers keep their kind and non-finite doubles become null") {
  json_fields f;
  f.set("int", 3)
    .set("negative", int64_t{-42})
    .set("min", std::numeric_limits<int64_t>::min())
    .set("max_unsigned", std::numeric_limits<uint64_t>::max())
    .set("size", std::size_t{7})
    .set("whole_double", 5.0)
    .set("fraction", 0.25)
    .set("nan", std::nan(""))
    .set("inf", std::numeric_limits<double>::infinity())
    .set("minus_inf", -std::numeric_limits<double>::infinity())
    .set("yes", true)
    .set("no", false);
  CHECK(f.str()
        == R"({"int":3,"negative":-42,"min":-9223372036854775808,)"
           R"("max_unsigned":18446744073709551615,"size":7,"whole_double":5.0,)"
           R"("fraction":0.25,"nan":null,"inf":null,"minus_inf":null,"yes":true,"no":false})");
  simdjson::dom::parser parser;
  auto obj = parse(parser, f.str());
  CHECK(obj["int"].value().type() == simdjson::dom::element_type::INT64);
  CHECK(obj["max_unsigned"].value().type() == simdjson::dom::element_type::UINT64);
  CHECK(obj["whole_double"].value().type() == simdjson::dom::element_type::DOUBLE);
  CHECK(obj["nan"].is_null());
}

TEST_CASE("setting a key again replaces its value where it stands") {
  json_fields f;
  f.set("a", 1).set("b", "short").set("c", true);
  f.set("b", "a much longer value than before");
  CHECK(f.str() == R"({"a":1,"b":"a much longer value than before","c":true})");
  f.set("a", "first");
  CHECK(f.str() == R"({"a":"first","b":"a much longer value than before","c":true})");
  f.set("c", 0);
  CHECK(f.str() == R"({"a":"first","b":"a much longer value than before","c":0})");
  f.set("b", 2);
  CHECK(f.str() == R"({"a":"first","b":2,"c":0})");
  CHECK(f.size() == 3);
  // Later fields are still found and replaced after the text moved.
  f.set("c", "moved").set("d", 4.5);
  CHECK(f.str() == R"({"a":"first","b":2,"c":"moved","d":4.5})");
  CHECK(f.text_size() == f.str().size());
}

TEST_CASE("keys of every length differing in any one byte stay apart") {
  for (std::size_t n = 1; n <= 24; ++n) {
    std::string key(n, 'k');
    json_fields f;
    f.set(key, 0);
    for (std::size_t i = 0; i < n; ++i) {
      auto other = key;
      other[i] = 'x';
      f.set(other, static_cast<int>(i + 1));
    }
    f.set(key, -1); // the same key again replaces the first value
    INFO("length " << n);
    REQUIRE(f.size() == n + 1);
    auto text = f.str();
    CHECK(text.rfind("{\"" + key + "\":-1,", 0) == 0);
    for (std::size_t i = 0; i < n; ++i) {
      auto other = key;
      other[i] = 'x';
      CHECK(text.find("\"" + other + "\":" + std::to_string(i + 1)) != std::string::npos);
    }
  }
}

TEST_CASE("keys alike in length and first, middle and last byte stay apart") {
  json_fields f;
  f.set("abcdb", "one").set("axcyb", "two").set("", "empty").set("abcdb", 3);
  f.set(std::string(70, 'k'), "long key").set(std::string(70, 'k'), "again");
  f.set("v", std::string(200, 'x'));
  CHECK(f.str() == R"({"abcdb":3,"axcyb":"two","":"empty",")" + std::string(70, 'k')
                     + R"(":"again","v":")" + std::string(200, 'x') + R"("})");
  CHECK(f.size() == 5);
  CHECK(f.text_size() == f.str().size());
}

TEST_CASE("raw and nested values are written as given") {
  json_fields inner;
  inner.set("x", 1).set("y", "two");
  json_fields f;
  f.set_raw("list", "[1,2,{\"k\":null}]").set("inner", inner).set("after", "end");
  CHECK(f.str() == R"({"list":[1,2,{"k":null}],"inner":{"x":1,"y":"two"},"after":"end"})");
  f.set("inner", json_fields{});
  f.set_raw("list", "[]");
  CHECK(f.str() == R"({"list":[],"inner":{},"after":"end"})");
  simdjson::dom::parser parser;
  auto obj = parse(parser, f.str());
  CHECK(obj["list"].get_array().value().size() == 0);
  CHECK(std::string_view{obj["after"].get_string().value()} == "end");
}

TEST_CASE("a field list builds the same object as set calls") {
  json_fields listed{{"task_id", "t-1"},        {"priority", 3},  {"ratio", 0.5},
                     {"urgent", false},         {"owner", std::string{"alice"}},
                     {"priority", uint64_t{4}}, {"note", "say \"hi\""}};
  json_fields called;
  called.set("task_id", "t-1").set("priority", 3).set("ratio", 0.5).set("urgent", false);
  called.set("owner", "alice").set("priority", uint64_t{4}).set("note", "say \"hi\"");
  CHECK(listed.str() == called.str());
  CHECK(listed.str()
        == R"({"task_id":"t-1","priority":4,"ratio":0.5,"urgent":false,"owner":"alice",)"
           R"("note":"say \"hi\""})");
}

TEST_CASE("random sets, replacements and copies match a simple model") {
  // The model: keys in first-set order, each with its value's JSON text.
  using model = std::vector<std::pair<std::string, std::string>>;
  auto text_of = [](const model& m) {
    std::string out = "{";
    for (const auto& [k, v] : m)
      out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":") + v;
    return out + "}";
  };
  auto put = [](model& m, const std::string& k, std::string v) {
    for (auto& [key, value] : m)
      if (key == k) {
        value = std::move(v);
        return;
      }
    m.emplace_back(k, std::move(v));
  };
  random_bits rng{11};
  for (int round = 0; round < 200; ++round) {
    json_fields f;
    model m;
    std::vector<std::pair<json_fields, model>> copies;
    auto ops = 1 + rng() % 40;
    for (uint64_t op = 0; op < ops; ++op) {
      // Few distinct keys, so many sets replace; values short and long.
      auto key = "key_" + std::to_string(rng() % 12) + std::string(rng() % 3 * 5, 'k');
      switch (rng() % 4) {
        case 0: {
          std::string v(rng() % 3 == 0 ? 100 + rng() % 200 : rng() % 12, 'v');
          f.set(key, v);
          put(m, key, "\"" + v + "\"");
          break;
        }
        case 1: {
          auto n = static_cast<int64_t>(rng() % 2000000) - 1000000;
          f.set(key, n);
          put(m, key, std::to_string(n));
          break;
        }
        case 2: {
          bool b = rng() % 2 == 0;
          f.set(key, b);
          put(m, key, b ? "true" : "false");
          break;
        }
        default:
          f.set(key, 2.5);
          put(m, key, "2.5");
      }
      if (rng() % 8 == 0)
        copies.emplace_back(f, m);
    }
    INFO("round " << round);
    REQUIRE(f.str() == text_of(m));
    CHECK(f.size() == m.size());
    CHECK(f.text_size() == f.str().size());
    // Copies are their own: a later set on the copy leaves the original alone.
    for (auto& [copy, copied] : copies) {
      CHECK(copy.str() == text_of(copied));
      copy.set("after_copy", 1);
      put(copied, "after_copy", "1");
      CHECK(copy.str() == text_of(copied));
    }
    auto moved = std::move(f);
    CHECK(moved.str() == text_of(m));
  }
}
