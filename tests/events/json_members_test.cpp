#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "events/json_members.hpp"
#include "events/json_writer.hpp"

using namespace switchboard;

namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

// The members of `text` as (raw key, raw value) pairs; fails the test when the text
// cannot be split.
pairs split(std::string_view text) {
  std::vector<json_member> members;
  INFO(text);
  REQUIRE(split_json_members(text, members));
  pairs out;
  for (const auto& m : members)
    out.emplace_back(std::string{m.key}, std::string{m.value});
  return out;
}

bool splits(std::string_view text) {
  std::vector<json_member> members;
  return split_json_members(text, members);
}

// Checks the split against simdjson's parse of the same text: same number of members,
// same keys once unescaped, and each raw value parses to what the DOM holds.
void check_against_dom(const std::string& text) {
  INFO(text);
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  REQUIRE(parser.parse(simdjson::padded_string{text}).get_object().get(root)
          == simdjson::SUCCESS);
  std::vector<std::string> dom_keys;
  std::vector<std::string> dom_values;
  for (auto field : root) {
    dom_keys.emplace_back(field.key);
    std::string value;
    write_json(value, field.value);
    dom_values.push_back(std::move(value));
  }
  std::vector<json_member> members;
  REQUIRE(split_json_members(text, members));
  REQUIRE(members.size() == dom_keys.size());
  simdjson::dom::parser value_parser;
  for (std::size_t i = 0; i < members.size(); ++i) {
    CHECK(json_key_equals(members[i].key, dom_keys[i]));
    simdjson::dom::element el;
    REQUIRE(value_parser.parse(simdjson::padded_string{members[i].value}).get(el)
            == simdjson::SUCCESS);
    std::string value;
    write_json(value, el);
    CHECK(value == dom_values[i]);
  }
}

} // namespace

TEST_CASE("json_member_reader splits an object into raw keys and values") {
  CHECK(split(R"({"a":1,"b":"two","c":true,"d":null,"e":-1.50e+3})")
        == pairs{{"a", "1"}, {"b", R"("two")"}, {"c", "true"}, {"d", "null"},
                 {"e", "-1.50e+3"}});
}

TEST_CASE("json_member_reader reads an empty object") {
  CHECK(split("{}").empty());
  CHECK(split(" { \n } \n").empty());
}

TEST_CASE("json_member_reader keeps escapes in strings as written") {
  CHECK(split(R"({"a\"b":"x\\\"y","c\\":"\\","d":"\u00e9\"}"})")
        == pairs{{R"(a\"b)", R"("x\\\"y")"}, {R"(c\\)", R"("\\")"},
                 {"d", R"("\u00e9\"}")"}});
}

TEST_CASE("json_member_reader skips nested objects and arrays whole") {
  CHECK(split(R"({"n":{"a":[1,{"b":"]}"}],"c":"{["},"m":[[],{}],"k":2})")
        == pairs{{"n", R"({"a":[1,{"b":"]}"}],"c":"{["})"}, {"m", "[[],{}]"}, {"k", "2"}});
}

TEST_CASE("json_member_reader allows whitespace between all tokens") {
  CHECK(split("\xEF\xBB\xBF \r\n{\n  \"a\" :\t1 ,\n  \"b\":\r\n[ 1 , { \"c\" : 2 } ]\n  ,\"d\"  :  \"x\"}\n ")
        == pairs{{"a", "1"}, {"b", "[ 1 , { \"c\" : 2 } ]"}, {"d", "\"x\""}});
}

TEST_CASE("json_member_reader keeps duplicate keys in order") {
  CHECK(split(R"({"a":1,"b":2,"a":3})") == pairs{{"a", "1"}, {"b", "2"}, {"a", "3"}});
}

TEST_CASE("json_member_reader passes UTF-8 through") {
  CHECK(split("{\"caf\xC3\xA9\":\"\xE2\x82\xAC \xF0\x9F\x98\x80\",\"\\ud83d\\ude00\":1}")
        == pairs{{"caf\xC3\xA9", "\"\xE2\x82\xAC \xF0\x9F\x98\x80\""},
                 {R"(\ud83d\ude00)", "1"}});
}

TEST_CASE("json_member_reader finds string ends across 16-byte blocks") {
  // Escapes and quotes at every offset of the block scan, and its byte-by-byte tail.
  for (std::size_t pad = 0; pad < 40; ++pad) {
    std::string filler(pad, 'x');
    std::string value = "\"" + filler + "\\\"\\\\" + filler + "\"";
    std::string text = "{\"k" + filler + "\":" + value + ",\"z\":[\"" + filler + "\\\\\"]}";
    INFO(text);
    CHECK(split(text) == pairs{{"k" + filler, value}, {"z", "[\"" + filler + "\\\\\"]"}});
  }
}

TEST_CASE("json_member_reader agrees with simdjson's parse") {
  for (std::string text :
       {R"({"event_id":"e-1","event_type":"task_failed","data":{"x":[1,2,{"y":"}"}]},"metadata":{}})",
        R"({ "a" : [ ] , "b" : { } , "c" : "" , "" : 0 })",
        R"({"a\u0041":"\ud83d\ude00","b\/c":"\b\f\n\r\t","a":1,"a":2})",
        "{\"deep\":[[[[[[{\"x\":[[\"]]]]\"]]}]]]]]],\"n\":-0}"}) {
    check_against_dom(text);
  }
}

TEST_CASE("json_member_reader reports text it cannot split") {
  CHECK_FALSE(splits(""));
  CHECK_FALSE(splits("   "));
  CHECK_FALSE(splits("[1,2]"));
  CHECK_FALSE(splits(R"("a")"));
  CHECK_FALSE(splits(R"({"a":1,})"));
  CHECK_FALSE(splits(R"({,"a":1})"));
  CHECK_FALSE(splits(R"({"a" 1})"));
  CHECK_FALSE(splits(R"({"a":})"));
  CHECK_FALSE(splits(R"({a:1})"));
  CHECK_FALSE(splits(R"({"a":1 "b":2})"));
  CHECK_FALSE(splits(R"({"a":[1}})"));
  CHECK_FALSE(splits(R"({"a":1}x)"));
  CHECK_FALSE(splits(R"({"a":1}{})"));
  CHECK_FALSE(splits(R"({"a\":1})"));
  // Every prefix of an object is incomplete, and reading it stays inside the text.
  std::string text = R"({"a":"x\"y","b":[1,{"c":"\\"}],"d":-12.5e3,"e":true})";
  REQUIRE(splits(text));
  for (std::size_t n = 0; n < text.size(); ++n) {
    std::string prefix = text.substr(0, n);
    INFO(prefix);
    CHECK_FALSE(splits(prefix));
  }
}

TEST_CASE("json_member_reader stops after the end or a failure") {
  json_member_reader done{R"({"a":1})"};
  json_member m;
  REQUIRE(done.next(m));
  CHECK_FALSE(done.next(m));
  CHECK(done.done());
  CHECK_FALSE(done.failed());
  CHECK_FALSE(done.next(m));
  json_member_reader bad{R"({"a":1,})"};
  REQUIRE(bad.next(m));
  CHECK_FALSE(bad.next(m));
  CHECK(bad.failed());
  CHECK_FALSE(bad.done());
  CHECK_FALSE(bad.next(m));
}

TEST_CASE("json_key_equals compares a raw key with its unescaped text") {
  CHECK(json_key_equals("data", "data"));
  CHECK_FALSE(json_key_equals("data", "dat"));
  CHECK_FALSE(json_key_equals("dat", "data"));
  CHECK(json_key_equals("", ""));
  CHECK(json_key_equals(R"(a\"b\\c\/d)", "a\"b\\c/d"));
  CHECK(json_key_equals(R"(\b\f\n\r\t)", "\b\f\n\r\t"));
  CHECK(json_key_equals(R"(caf\u00e9)", "caf\xC3\xA9"));
  CHECK(json_key_equals(R"(caf\u00E9)", "caf\xC3\xA9"));
  CHECK(json_key_equals(R"(\u0041\u20ac)", "A\xE2\x82\xAC"));
  CHECK(json_key_equals(R"(\ud83d\ude00!)", "\xF0\x9F\x98\x80!"));
  CHECK(json_key_equals("caf\xC3\xA9", "caf\xC3\xA9"));
  CHECK_FALSE(json_key_equals(R"(a\"b)", "a\"c"));
  CHECK_FALSE(json_key_equals(R"(a\"b)", "a\"b!"));
  CHECK_FALSE(json_key_equals(R"(a\"b!)", "a\"b"));
  CHECK_FALSE(json_key_equals(R"(\u00e9)", "e"));
  // Escapes that do not decode never match.
  CHECK_FALSE(json_key_equals(R"(\x)", "x"));
  CHECK_FALSE(json_key_equals(R"(a\)", "a\\"));
  CHECK_FALSE(json_key_equals(R"(\u00g9)", "?"));
  CHECK_FALSE(json_key_equals(R"(\u00e)", "?"));
  CHECK_FALSE(json_key_equals(R"(\ud83d)", "\xED\xA0\xBD"));
  CHECK_FALSE(json_key_equals(R"(\ude00)", "\xED\xB8\x80"));
  CHECK_FALSE(json_key_equals(R"(\ud83d\u0041)", "?A"));
}

TEST_CASE("json_member_reader tells keys with escapes from plain ones") {
  json_member_reader reader{R"({"plain":"a\"b","a\u0041":1,"\\":2})"};
  json_member m;
  REQUIRE(reader.next(m));
  CHECK_FALSE(m.key_escaped);
  REQUIRE(reader.next(m));
  CHECK(m.key_escaped);
  CHECK(json_key_equals(m.key, "aA"));
  REQUIRE(reader.next(m));
  CHECK(m.key_escaped);
  CHECK(json_key_equals(m.key, "\\"));
  CHECK_FALSE(reader.next(m));
  CHECK(reader.done());
}

namespace {

// What the forward reader says the backward search must find: the last member, when
// its value is an object and another member comes before it.
void check_last_member(const std::string& text) {
  INFO(text);
  std::vector<json_member> members;
  REQUIRE(split_json_members(text, members));
  json_last_member last;
  bool found = find_last_object_member(text, last);
  bool expected = members.size() >= 2 && members.back().value.front() == '{';
  REQUIRE(found == expected);
  if (!found)
    return;
  CHECK(last.key == members.back().key);
  CHECK(text.substr(last.value_begin, last.value_end - last.value_begin)
        == members.back().value);
  CHECK(text[last.key_begin] == '"');
  CHECK(text.substr(last.key_begin + 1, last.key.size()) == last.key);
}

} // namespace

TEST_CASE("the last object member is found from the end as the reader finds it") {
  for (std::string text : {
         R"({"a":1,"metadata":{"generator":"demo"}})",
         R"({"a":1,"metadata":{}})",
         "{ \"a\" : 1 ,\n  \"metadata\" : { \"k\" : [ 1 , 2 ] } \n}\n",
         R"({"a":1,"m":{"s":"}{][\"","t":"\\","u":"\\\"}"}})",
         R"({"a":"{\"x\":1}","m":{"in":{"deep":[{"x":"]"}]}}})",
         R"({"a":1,"m\"e":{"k":"v"}})",
         R"({"a":1,"m\\":{"k":"v"}})",
         R"({"a":{"b":1},"m":{"k":"\u007d"}})",
         R"({"only":{"k":1}})",
         R"({"a":1,"m":[1,2]})",
         R"({"a":1,"m":"{}"})",
         R"({"a":1,"m":2})",
         R"({"a":1,"m":{"x":{}}, "n":{"y":"\\\\"}})",
       })
    check_last_member(text);
}

TEST_CASE("the last object member is found after strings ending in backslash runs") {
  // Runs of backslashes before quotes, at every length, inside the last member.
  for (std::size_t n = 0; n < 9; ++n) {
    std::string run(2 * n, '\\');
    check_last_member("{\"a\":1,\"m\":{\"k\":\"" + run + "\"}}");
    check_last_member("{\"a\":1,\"m\":{\"k\":\"x" + run + "\\\"" + run + "\"}}");
    check_last_member("{\"a\":1,\"m\":{\"k" + run + "\":\"" + run + "}\"}}");
  }
}

TEST_CASE("the backward search refuses text that does not end in an object member") {
  json_last_member last;
  CHECK_FALSE(find_last_object_member("", last));
  CHECK_FALSE(find_last_object_member("}", last));
  CHECK_FALSE(find_last_object_member("}}", last));
  CHECK_FALSE(find_last_object_member(R"(:{"k":1}})", last));
  CHECK_FALSE(find_last_object_member(R"("m":{"k":1}})", last));
  CHECK_FALSE(find_last_object_member(R"({"a":1,"m":{"k":1]})", last));
  CHECK_FALSE(find_last_object_member(R"({"a":1,"m":{"k":"1}})", last));
}
