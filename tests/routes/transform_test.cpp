#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "routes/transform.hpp"
#include "tests/support/dom_compare.hpp"

using namespace switchboard;
namespace json = boost::json;

namespace {

// A fixed clock: 2026-01-02T03:04:05.678Z.
std::chrono::system_clock::time_point fixed_time() {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{1767323045678}};
}

const clock_fn manual_clock = [] { return fixed_time(); };

transform_context context(std::string_view route = "r") {
  return transform_context{route, "dispatcher-1", &manual_clock};
}

transform_chain compile_ok(std::string_view spec) {
  auto chain = transform_chain::compile(spec);
  INFO(spec);
  if (!chain)
    FAIL(error_text(chain.error()));
  return std::move(*chain);
}

std::string compile_error(std::string_view spec) {
  auto chain = transform_chain::compile(spec, "routes[0].transformations");
  REQUIRE_FALSE(chain);
  CHECK(chain.error() == route_errc::bad_transform);
  return error_text(chain.error());
}

// Runs a patch on a document; returns the result or the failure text.
struct patch_outcome {
  json::value doc;
  std::string error;
};

patch_outcome run_patch(std::string_view doc, std::string_view patch) {
  auto chain = compile_ok(patch);
  patch_outcome out{json::parse(doc), {}};
  if (auto err = chain.apply_tree(out.doc, context()))
    out.error = error_text(err);
  return out;
}

void check_patch(std::string_view doc, std::string_view patch, std::string_view expected) {
  auto out = run_patch(doc, patch);
  INFO(patch);
  REQUIRE(out.error.empty());
  INFO(json::serialize(out.doc));
  CHECK(json_equal(out.doc, json::parse(expected)));
}

std::string patch_error(std::string_view doc, std::string_view patch) {
  auto out = run_patch(doc, patch);
  INFO(patch);
  REQUIRE_FALSE(out.error.empty());
  return out.error;
}

event_ptr decode(codec& dec, std::string_view text) {
  auto ev = dec.decode(text);
  if (!ev)
    FAIL(error_text(ev.error()));
  return *ev;
}

constexpr std::string_view sample_event
  = R"({"event_id":"e-1","event_type":"task_failed","timestamp":"2026-01-01T00:00:00Z",)"
    R"("source":"test","data":{"task_id":"t-1","status":"failed","retries":2}})";

} // namespace

TEST_CASE("JSON Pointer parsing follows RFC 6901 escapes") {
  auto p = json_pointer::parse("/a~1b/m~0n/~01/");
  REQUIRE(p);
  CHECK(p->tokens() == std::vector<std::string>{"a/b", "m~n", "~1", ""});
  CHECK(p->text() == "/a~1b/m~0n/~01/");
  auto root = json_pointer::parse("");
  REQUIRE(root);
  CHECK(root->tokens().empty());
  auto slash = json_pointer::parse("/");
  REQUIRE(slash);
  CHECK(slash->tokens() == std::vector<std::string>{""});
  CHECK_FALSE(json_pointer::parse("a/b"));
  CHECK_FALSE(json_pointer::parse("/a~2"));
  CHECK_FALSE(json_pointer::parse("/a~"));
  auto ab = json_pointer::parse("/a");
  auto abc = json_pointer::parse("/a/b");
  CHECK(ab->is_proper_prefix_of(*abc));
  CHECK_FALSE(abc->is_proper_prefix_of(*ab));
  CHECK_FALSE(ab->is_proper_prefix_of(*ab));
}

TEST_CASE("RFC 6901 section 5 pointers resolve against the example document") {
  constexpr std::string_view doc = R"({"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,)"
                                   R"("g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8})";
  check_patch(doc, R"([{"op":"test","path":"/foo","value":["bar","baz"]}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/foo/0","value":"bar"}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/","value":0}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/a~1b","value":1}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/c%d","value":2}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/e^f","value":3}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/g|h","value":4}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/i\\j","value":5}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/k\"l","value":6}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/ ","value":7}])", doc);
  check_patch(doc, R"([{"op":"test","path":"/m~0n","value":8}])", doc);
  check_patch(doc, std::string{R"([{"op":"test","path":"","value":)"} + std::string{doc} + "}]",
              doc);
}

TEST_CASE("RFC 6902 appendix A examples") {
  SECTION("A.1 adding an object member") {
    check_patch(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
                R"({"baz":"qux","foo":"bar"})");
  }
  SECTION("A.2 adding an array element") {
    check_patch(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
                R"({"foo":["bar","qux","baz"]})");
  }
  SECTION("A.3 removing an object member") {
    check_patch(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
                R"({"foo":"bar"})");
  }
  SECTION("A.4 removing an array element") {
    check_patch(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
                R"({"foo":["bar","baz"]})");
  }
  SECTION("A.5 replacing a value") {
    check_patch(R"({"baz":"qux","foo":"bar"})",
                R"([{"op":"replace","path":"/baz","value":"boo"}])",
                R"({"baz":"boo","foo":"bar"})");
  }
  SECTION("A.6 moving a value") {
    check_patch(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
                R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
  }
  SECTION("A.7 moving an array element") {
    check_patch(R"({"foo":["all","grass","cows","eat"]})",
                R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
                R"({"foo":["all","cows","eat","grass"]})");
  }
  SECTION("A.8 testing a value: success") {
    check_patch(R"({"baz":"qux","foo":["a",2,"c"]})",
                R"([{"op":"test","path":"/baz","value":"qux"},)"
                R"({"op":"test","path":"/foo/1","value":2}])",
                R"({"baz":"qux","foo":["a",2,"c"]})");
  }
  SECTION("A.9 testing a value: error") {
    CHECK(patch_error(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])")
          == "route 'r': transformation[0] (test /baz): value differs");
  }
  SECTION("A.10 adding a nested member object") {
    check_patch(R"({"foo":"bar"})",
                R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
                R"({"foo":"bar","child":{"grandchild":{}}})");
  }
  SECTION("A.11 ignoring unrecognized elements") {
    check_patch(R"({"foo":"bar"})",
                R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])",
                R"({"foo":"bar","baz":"qux"})");
  }
  SECTION("A.12 adding to a nonexistent target") {
    CHECK(patch_error(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])")
          == "route 'r': transformation[0] (add /baz/bat): /baz does not exist");
  }
  SECTION("A.13 invalid JSON Patch document (duplicate op)") {
    CHECK(compile_error(R"([{"op":"add","path":"/baz","value":"qux","op":"remove"}])")
          == "routes[0].transformations[0].op: duplicate member");
  }
  SECTION("A.14 ~ escape ordering") {
    check_patch(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
                R"({"/":9,"~1":10})");
  }
  SECTION("A.15 comparing strings and numbers") {
    CHECK(patch_error(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])")
          == "route 'r': transformation[0] (test /~01): value differs");
  }
  SECTION("A.16 adding an array value") {
    check_patch(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
                R"({"foo":["bar",["abc","def"]]})");
  }
}

TEST_CASE("JSON Patch edge cases of RFC 6902 section 4") {
  SECTION("add replaces an existing member and the whole document") {
    check_patch(R"({"a":1})", R"([{"op":"add","path":"/a","value":2}])", R"({"a":2})");
    check_patch(R"({"a":1})", R"([{"op":"add","path":"","value":{"b":true}}])",
                R"({"b":true})");
  }
  SECTION("add at the end index of an array appends; past it fails") {
    check_patch(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/2","value":3}])",
                R"({"a":[1,2,3]})");
    CHECK(patch_error(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/3","value":3}])")
          == "route 'r': transformation[0] (add /a/3): array index 3 is out of range (size 2)");
  }
  SECTION("array indices with leading zeros or letters are refused") {
    CHECK_THAT(patch_error(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/01","value":3}])"),
               Catch::Contains("'01' is not an array index"));
    CHECK_THAT(patch_error(R"({"a":[1,2]})", R"([{"op":"replace","path":"/a/x","value":3}])"),
               Catch::Contains("'x' in /a/x is not an array index"));
    CHECK_THAT(patch_error(R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/-"}])"),
               Catch::Contains("'-' is not an array index"));
    CHECK_THAT(patch_error(R"({"a":[1,2]})", R"([{"op":"test","path":"/a/-","value":1}])"),
               Catch::Contains("is not an array index"));
  }
  SECTION("remove, replace and test need an existing target") {
    CHECK(patch_error(R"({"a":1})", R"([{"op":"remove","path":"/b"}])")
          == "route 'r': transformation[0] (remove /b): /b does not exist");
    CHECK(patch_error(R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])")
          == "route 'r': transformation[0] (remove /a/1): /a/1 does not exist "
             "(array index out of range)");
    CHECK(patch_error(R"({"a":1})", R"([{"op":"replace","path":"/b","value":2}])")
          == "route 'r': transformation[0] (replace /b): /b does not exist");
    CHECK(patch_error(R"({"a":1})", R"([{"op":"test","path":"/b","value":1}])")
          == "route 'r': transformation[0] (test /b): /b does not exist");
  }
  SECTION("paths through scalars fail") {
    CHECK(patch_error(R"({"a":1})", R"([{"op":"add","path":"/a/b","value":1}])")
          == "route 'r': transformation[0] (add /a/b): /a is not an object or array");
  }
  SECTION("move and copy need an existing source") {
    CHECK(patch_error(R"({"a":1})", R"([{"op":"move","from":"/x","path":"/b"}])")
          == "route 'r': transformation[0] (move /x to /b): from: /x does not exist");
    CHECK(patch_error(R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/b"}])")
          == "route 'r': transformation[0] (copy /x to /b): from: /x does not exist");
  }
  SECTION("copy duplicates, move onto itself changes nothing") {
    check_patch(R"({"a":{"x":[1]}})", R"([{"op":"copy","from":"/a","path":"/b"}])",
                R"({"a":{"x":[1]},"b":{"x":[1]}})");
    check_patch(R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])", R"({"a":1})");
    check_patch(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a/b","path":"/c"}])",
                R"({"a":{},"c":1})");
  }
  SECTION("test compares numbers by value and objects regardless of order") {
    check_patch(R"({"n":1,"o":{"x":1,"y":[true,null]}})",
                R"([{"op":"test","path":"/n","value":1.0},)"
                R"({"op":"test","path":"/o","value":{"y":[true,null],"x":1}}])",
                R"({"n":1,"o":{"x":1,"y":[true,null]}})");
    CHECK_THAT(patch_error(R"({"a":[1,2]})", R"([{"op":"test","path":"/a","value":[2,1]}])"),
               Catch::EndsWith("value differs"));
    CHECK_THAT(patch_error(R"({"a":{"x":1}})",
                           R"([{"op":"test","path":"/a","value":{"x":1,"y":2}}])"),
               Catch::EndsWith("value differs"));
  }
  SECTION("null is a value") {
    check_patch(R"({"a":1})", R"([{"op":"replace","path":"/a","value":null}])",
                R"({"a":null})");
  }
  SECTION("operations run in order and the failing one is named by index") {
    CHECK(patch_error(R"({"a":1})", R"([{"op":"add","path":"/b","value":2},)"
                                    R"({"op":"test","path":"/b","value":3}])")
          == "route 'r': transformation[1] (test /b): value differs");
  }
}

TEST_CASE("transformation specs are validated when loaded") {
  CHECK(compile_error(R"([{"path":"/a"}])")
        == "routes[0].transformations[0].op: missing (one of add, remove, replace, move, "
           "copy, test)");
  CHECK(compile_error(R"([{"op":"merge","path":"/a"}])")
        == "routes[0].transformations[0].op: unknown operation 'merge' (one of add, remove, "
           "replace, move, copy, test)");
  CHECK(compile_error(R"([{"op":1,"path":"/a"}])")
        == "routes[0].transformations[0].op: must be a string");
  CHECK(compile_error(R"([{"op":"add","value":1}])")
        == "routes[0].transformations[0].path: missing (required by add)");
  CHECK(compile_error(R"([{"op":"add","path":"/a"}])")
        == "routes[0].transformations[0].value: missing (required by add)");
  CHECK(compile_error(R"([{"op":"replace","path":"/a"}])")
        == "routes[0].transformations[0].value: missing (required by replace)");
  CHECK(compile_error(R"([{"op":"test","path":"/a"}])")
        == "routes[0].transformations[0].value: missing (required by test)");
  CHECK(compile_error(R"([{"op":"move","path":"/a"}])")
        == "routes[0].transformations[0].from: missing (required by move)");
  CHECK(compile_error(R"([{"op":"copy","path":"/a"}])")
        == "routes[0].transformations[0].from: missing (required by copy)");
  CHECK(compile_error(R"([{"op":"remove","path":5}])")
        == "routes[0].transformations[0].path: must be a string (a JSON Pointer)");
  CHECK(compile_error(R"([{"op":"remove","path":"a"}])")
        == "routes[0].transformations[0].path: JSON Pointer 'a' must start with '/'");
  CHECK(compile_error(R"([{"op":"remove","path":"/a~2"}])")
        == "routes[0].transformations[0].path: JSON Pointer '/a~2' has '~' not followed "
           "by 0 or 1");
  CHECK(compile_error(R"([{"op":"copy","from":"x","path":"/a"}])")
        == "routes[0].transformations[0].from: JSON Pointer 'x' must start with '/'");
  CHECK(compile_error(R"([{"op":"move","from":"/a","path":"/a/b"}])")
        == "routes[0].transformations[0].from: a value cannot be moved into one of its own "
           "children");
  CHECK(compile_error(R"([{"op":"remove","path":""}])")
        == "routes[0].transformations[0].path: remove cannot remove the whole document");
  CHECK(compile_error(R"([42])")
        == "routes[0].transformations[0]: must be a built-in name or a JSON Patch operation "
           "object");
  CHECK_THAT(compile_error(R"(["add_routing_metadata","nope"])"),
             Catch::StartsWith("routes[0].transformations[1]: unknown built-in transformation "
                               "'nope' (known: add_routing_metadata, add_timestamp, "));
  CHECK(compile_error(R"({"op":"add"})") == "routes[0].transformations: must be an array");
  SECTION("every problem is reported, one per line") {
    auto text = compile_error(R"([{"op":"add"},"nope",{"op":"move","path":"/a"}])");
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    CHECK_THAT(text, Catch::Contains("transformations[0].path: missing"));
    CHECK_THAT(text, Catch::Contains("transformations[0].value: missing"));
    CHECK_THAT(text, Catch::Contains("transformations[1]: unknown built-in"));
    CHECK_THAT(text, Catch::Contains("transformations[2].from: missing"));
  }
}

TEST_CASE("a chain reports its spec for the routes API") {
  auto chain = compile_ok(R"(["redact_pii",{"op":"move","from":"/a","path":"/b","x":1},)"
                          R"({"op":"remove","path":"/c"}])");
  CHECK(json::serialize(chain.spec())
        == R"(["redact_pii",{"op":"move","from":"/a","path":"/b"},{"op":"remove","path":"/c"}])");
}

TEST_CASE("add_routing_metadata stamps route, time and dispatcher") {
  codec dec;
  auto ev = decode(dec, sample_event);
  auto chain = compile_ok(R"(["add_routing_metadata"])");
  auto out = chain.apply(*ev, context("task-failures"), dec);
  REQUIRE(out);
  auto md = (*out)->metadata();
  CHECK(std::string_view{md["route"].get_string().value()} == "task-failures");
  CHECK(std::string_view{md["routed_at"].get_string().value()} == "2026-01-02T03:04:05.678Z");
  CHECK(std::string_view{md["dispatcher_id"].get_string().value()} == "dispatcher-1");
  // The original event is immutable and untouched.
  CHECK_FALSE(ev->has_metadata());
  CHECK(ev->bytes() == sample_event);
}

TEST_CASE("add_timestamp and increment_hops change metadata") {
  codec dec;
  auto ev = decode(dec, R"({"event_id":"e","event_type":"metrics","timestamp":"t",)"
                        R"("source":"s","data":{},"metadata":{"hops":3,"keep":"me"}})");
  auto chain = compile_ok(R"(["add_timestamp","increment_hops"])");
  auto out = chain.apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->hops() == 4);
  auto md = (*out)->metadata();
  CHECK(std::string_view{md["processed_at"].get_string().value()}
        == "2026-01-02T03:04:05.678Z");
  CHECK(std::string_view{md["keep"].get_string().value()} == "me");
  auto fresh = compile_ok(R"(["increment_hops"])").apply(*decode(dec, sample_event), context(),
                                                         dec);
  REQUIRE(fresh);
  CHECK((*fresh)->hops() == 1);
}

TEST_CASE("built-ins fail clearly on a metadata that is not an object") {
  json::value doc = json::parse(R"({"metadata":[1],"data":{}})");
  auto chain = compile_ok(R"(["add_timestamp"])");
  auto err = chain.apply_tree(doc, context("m"));
  CHECK(error_text(err) == "route 'm': transformation[0] (add_timestamp): metadata is not an object");
}

TEST_CASE("redact_pii masks e-mail addresses and phone numbers anywhere in data") {
  codec dec;
  auto ev = decode(
    dec, R"({"event_id":"e","event_type":"user_notification","timestamp":"t","source":"s",)"
         R"("data":{"message":"Contact jane.doe+x@example.co.uk or +44 20 7946 0958.",)"
         R"("nested":{"list":["call (555) 123-4567 now","ok"],"n":5551234567},)"
         R"("when":"2026-11-23T10:00:00.123Z","ip":"192.168.100.200",)"
         R"("id":"4f9c2a1e-8b7d-4c3a-9e2f-1a2b3c4d5e6f","count":"1234567890",)"
         R"("version":"3.14159265358","at":"not@an-address"},)"
         R"("metadata":{"owner":"bob@example.com"}})");
  auto out = compile_ok(R"(["redact_pii"])").apply(*ev, context(), dec);
  REQUIRE(out);
  auto data = (*out)->data();
  CHECK(std::string_view{data["message"].get_string().value()}
        == "Contact [redacted-email] or [redacted-phone].");
  CHECK(std::string_view{data["nested"]["list"].at(0).get_string().value()}
        == "call [redacted-phone] now");
  CHECK(std::string_view{data["nested"]["list"].at(1).get_string().value()} == "ok");
  // Numbers are not strings and stay; non-PII strings stay.
  CHECK(data["nested"]["n"].get_int64().value() == 5551234567);
  CHECK(std::string_view{data["when"].get_string().value()} == "2026-11-23T10:00:00.123Z");
  CHECK(std::string_view{data["ip"].get_string().value()} == "192.168.100.200");
  CHECK(std::string_view{data["id"].get_string().value()}
        == "4f9c2a1e-8b7d-4c3a-9e2f-1a2b3c4d5e6f");
  CHECK(std::string_view{data["count"].get_string().value()} == "1234567890");
  CHECK(std::string_view{data["version"].get_string().value()} == "3.14159265358");
  CHECK(std::string_view{data["at"].get_string().value()} == "not@an-address");
  // Only data is redacted.
  CHECK(std::string_view{(*out)->metadata()["owner"].get_string().value()}
        == "bob@example.com");
}

TEST_CASE("redact_pii_text recognises common phone formats") {
  auto redacted = [](std::string s) {
    redact_pii_text(s);
    return s;
  };
  CHECK(redacted("555-123-4567") == "[redacted-phone]");
  CHECK(redacted("555.123.4567") == "[redacted-phone]");
  CHECK(redacted("+14155552671") == "[redacted-phone]");
  CHECK(redacted("tel:+1 (415) 555-2671;") == "tel:[redacted-phone];");
  CHECK(redacted("a@b.io, c@d.org") == "[redacted-email], [redacted-email]");
  CHECK(redacted("x5551234567") == "x5551234567");
  CHECK(redacted("2026-11-23") == "2026-11-23");
  CHECK(redacted("10.0.0.1") == "10.0.0.1");
  CHECK(redacted("user@localhost") == "user@localhost");
}

TEST_CASE("a transformed event that is no longer an envelope is a failure") {
  codec dec;
  auto ev = decode(dec, sample_event);
  auto chain = compile_ok(R"([{"op":"remove","path":"/event_id"}])");
  auto out = chain.apply(*ev, context("strip"), dec);
  REQUIRE_FALSE(out);
  CHECK(out.error() == route_errc::transform_failed);
  CHECK(error_text(out.error())
        == "route 'strip': transformed event is not a valid event: missing required field "
           "'event_id'");
}

TEST_CASE("a transformed event keeps number types and unknown fields") {
  codec dec;
  auto ev = decode(dec, R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
                        R"("extra":{"k":[1,2.5,-3]},"data":{"value":1.0,"big":18446744073709551615}})");
  auto out = compile_ok(R"([{"op":"add","path":"/data/tag","value":"x"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("extra":{"k":[1,2.5,-3]},"data":{"value":1.0,"big":18446744073709551615,"tag":"x"}})");
}

TEST_CASE("the registry of built-ins is extensible") {
  builtin_registry reg;
  reg.add("tag_urgent", [](json::object& ev, const transform_context& ctx) -> caf::error {
    ev["data"].as_object()["urgent"] = true;
    ev["data"].as_object()["by"] = json::string{ctx.route};
    return {};
  });
  CHECK(reg.names() == std::vector<std::string>{"tag_urgent"});
  CHECK_FALSE(transform_chain::compile(R"(["redact_pii"])", "t", reg));
  auto chain = transform_chain::compile(R"(["tag_urgent"])", "t", reg);
  REQUIRE(chain);
  json::value doc = json::parse(R"({"data":{}})");
  REQUIRE_FALSE(chain->apply_tree(doc, context("urgent-route")));
  CHECK(json::serialize(doc) == R"({"data":{"urgent":true,"by":"urgent-route"}})");
  CHECK(builtin_registry::global().find("add_routing_metadata") != nullptr);
  CHECK(builtin_registry::global().find("redact_pii") != nullptr);
  CHECK(builtin_registry::global().find("add_timestamp") != nullptr);
}

TEST_CASE("only touched members are rewritten; the rest keeps its order and form") {
  codec dec;
  auto ev = decode(dec, R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
                        R"("correlation_id":"c","data":{"x":1.50,"y":[1,2]},"version":"1.0"})");
  auto chain = compile_ok(R"([{"op":"remove","path":"/correlation_id"},)"
                          R"({"op":"move","from":"/data/x","path":"/moved"},)"
                          R"({"op":"add","path":"/data/y/-","value":3}])");
  auto out = chain.apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("data":{"y":[1,2,3]},"version":"1.0","moved":1.5})");
  // A step on the whole document takes the full-tree path and agrees with it.
  auto whole = compile_ok(R"([{"op":"test","path":"","value":{"event_id":"e","event_type":"metrics",)"
                          R"("timestamp":"t","source":"s","correlation_id":"c",)"
                          R"("data":{"x":1.5,"y":[1,2]},"version":"1.0"}},)"
                          R"({"op":"remove","path":"/correlation_id"}])");
  auto same = whole.apply(*ev, context(), dec);
  REQUIRE(same);
  CHECK((*same)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("data":{"x":1.5,"y":[1,2]},"version":"1.0"})");
}

TEST_CASE("steps tell the members they change from those they only read") {
  using members = std::vector<std::string>;
  auto chain = compile_ok(R"([{"op":"add","path":"/a/x","value":1},)"
                          R"({"op":"remove","path":"/b"},)"
                          R"({"op":"replace","path":"/c/0","value":2},)"
                          R"({"op":"move","from":"/d/x","path":"/e/y"},)"
                          R"({"op":"copy","from":"/f/x","path":"/g"},)"
                          R"({"op":"test","path":"/h/x","value":3},)"
                          R"({"op":"move","from":"/i/x","path":"/i/y"},)"
                          R"("add_timestamp"])");
  CHECK_FALSE(chain.touches_all());
  CHECK(chain.members() == members{"a", "b", "c", "e", "d", "g", "f", "h", "i", "metadata"});
  CHECK(chain.written_members() == members{"a", "b", "c", "e", "d", "g", "i", "metadata"});
  auto whole = compile_ok(R"([{"op":"test","path":"/h","value":3},)"
                          R"({"op":"copy","from":"","path":"/snapshot"}])");
  CHECK(whole.touches_all());
  CHECK(whole.members().empty());
  CHECK(whole.written_members().empty());
}

namespace {

// An envelope around `data` and `metadata` texts, with an untouched member between.
std::string envelope_with(std::string_view data, std::string_view metadata) {
  return R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","data":)"
         + std::string{data} + R"(,"extra":{"k":[1.0E2,"\u00e9"]},"metadata":)"
         + std::string{metadata} + "}";
}

// Data whose numbers and strings a parse-and-write round trip would change.
constexpr std::string_view unusual_data
  = R"({"price":1.50,"count":1e3,"zero":-0,"text":"a\"b\\c\u00e9",)"
    R"("nested":[[1,[2.50]],[],{"k":"\/"}]})";

// The text `write_json` makes of `text`'s parse.
std::string reserialized(std::string_view text) {
  simdjson::dom::parser parser;
  std::string out;
  write_json(out, parser.parse(simdjson::padded_string{text}).value());
  return out;
}

} // namespace

TEST_CASE("members no step changes keep their original bytes") {
  // The round trip would write 1.5, 1000.0, 0, a raw é and / unescaped.
  REQUIRE(reserialized(unusual_data) != unusual_data);
  REQUIRE(reserialized(R"({"k":[1.0E2,"\u00e9"]})") != R"({"k":[1.0E2,"\u00e9"]})");
  codec dec;
  auto ev = decode(dec, envelope_with(unusual_data, R"({"hops":1})"));
  auto out = compile_ok(R"([{"op":"add","path":"/metadata/x","value":"y"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes() == envelope_with(unusual_data, R"({"hops":1,"x":"y"})"));
}

TEST_CASE("a member only copied from keeps its original bytes") {
  codec dec;
  auto ev = decode(dec, envelope_with(unusual_data, "{}"));
  auto out = compile_ok(R"([{"op":"copy","from":"/data/nested/0/1","path":"/metadata/n"},)"
                        R"({"op":"test","path":"/data/price","value":1.5},)"
                        R"("add_timestamp"])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == envelope_with(unusual_data,
                         R"({"n":[2.5],"processed_at":"2026-01-02T03:04:05.678Z"})"));
}

TEST_CASE("a step that removes a top-level member drops it") {
  codec dec;
  auto ev = decode(dec, envelope_with(unusual_data, R"({"hops":2})"));
  auto out = compile_ok(R"([{"op":"remove","path":"/metadata"}])").apply(*ev, context(), dec);
  REQUIRE(out);
  auto expected = envelope_with(unusual_data, "");
  expected.erase(expected.size() - std::string_view{R"(,"metadata":})"}.size());
  CHECK((*out)->bytes() == expected + "}");
  CHECK_FALSE((*out)->has_metadata());
}

TEST_CASE("a move between members rewrites both and keeps the others") {
  codec dec;
  auto ev = decode(dec, envelope_with(R"({"x":1.50,"y":"\/"})", R"({"hops":1})"));
  auto out = compile_ok(R"([{"op":"move","from":"/data/x","path":"/metadata/x"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes() == envelope_with(R"({"y":"/"})", R"({"hops":1,"x":1.5})"));
  auto top = compile_ok(R"([{"op":"move","from":"/extra","path":"/moved"}])")
               .apply(*ev, context(), dec);
  REQUIRE(top);
  CHECK((*top)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("data":{"x":1.50,"y":"\/"},"metadata":{"hops":1},"moved":{"k":[100.0,"é"]}})");
}

TEST_CASE("formatted input keeps the text of unchanged members") {
  codec dec;
  constexpr std::string_view data = "{\n    \"a\": [ 1, 2.50 ],\n    \"b\" : \"x\"\n  }";
  auto ev = decode(dec, "\n{\n  \"event_id\" : \"e\",\n  \"event_type\": \"metrics\",\n"
                        "  \"timestamp\":\"t\" ,\"source\":\t\"s\",\r\n  \"data\": "
                          + std::string{data}
                          + ",\n  \"metadata\": { \"hops\" : 1 }\n}\n");
  // Members are joined without the whitespace between them; the kept ones' text stays.
  auto out = compile_ok(R"([{"op":"replace","path":"/source","value":"r"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"r","data":)"
             + std::string{data} + R"(,"metadata":{ "hops" : 1 }})");
  // A chain that only sets members of metadata rewrites that member alone: all text
  // before and after it stays as it was.
  out = compile_ok(R"([{"op":"add","path":"/metadata/x","value":true}])")
          .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == "\n{\n  \"event_id\" : \"e\",\n  \"event_type\": \"metrics\",\n"
           "  \"timestamp\":\"t\" ,\"source\":\t\"s\",\r\n  \"data\": "
             + std::string{data} + ",\n  \"metadata\":{\"hops\":1,\"x\":true}\n}\n");
}

TEST_CASE("duplicate members keep today's rules with raw text") {
  codec dec;
  auto ev = decode(dec, R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
                        R"("data":{},"u":1.50,"r":{"k":2.50},"u":-0,"r":{"k":3},"w":1,"w":2})");
  // Untouched duplicates all stay; a touched member appears once, as the first one.
  auto out = compile_ok(R"([{"op":"copy","from":"/r/k","path":"/data/k"},)"
                        R"({"op":"replace","path":"/w","value":"w"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("data":{"k":2.5},"u":1.50,"r":{"k":2.50},"u":-0,"w":"w"})");
}

TEST_CASE("escaped keys of unchanged members are kept as written") {
  codec dec;
  auto ev = decode(dec, R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
                        R"("d\u0061ta":{"v":1.50},"\ud83d\ude00 \"q\"":[0.50]})");
  auto out = compile_ok(R"([{"op":"add","path":"/data/w","value":2},)"
                        R"({"op":"test","path":"/\ud83d\ude00 \"q\"/0","value":0.5}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
           R"("data":{"v":1.5,"w":2},"\ud83d\ude00 \"q\"":[0.50]})");
}

TEST_CASE("transforms of large events build trees beyond the stack arena") {
  codec dec;
  std::string items;
  for (int i = 0; i < 500; ++i)
    items += (i ? "," : "") + std::string{R"({"n":)"} + std::to_string(i) + R"(,"s":"item"})";
  std::string data = R"({"items":[)" + items + "]}";
  auto text = R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","data":)"
              + data + "}";
  auto ev = decode(dec, text);
  // The member path and the whole-document path both carry the large member through.
  auto member = compile_ok(R"([{"op":"add","path":"/data/tag","value":"x"}])")
                  .apply(*ev, context(), dec);
  REQUIRE(member);
  data.insert(data.size() - 1, R"(,"tag":"x")");
  CHECK((*member)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","data":)"
             + data + "}");
  auto whole = compile_ok(R"([{"op":"copy","from":"","path":"/data/copy"},)"
                          R"({"op":"remove","path":"/data/copy"}])")
                 .apply(*ev, context(), dec);
  REQUIRE(whole);
  CHECK((*whole)->bytes() == text);
}

TEST_CASE("reads of members no step writes fail as they would on a tree") {
  codec dec;
  auto ev = decode(dec, envelope_with(R"({"a":{"b":[1,{"c":"x"}]},"s":"t"})", "{}"));
  // Each fails somewhere on its path; the wording must not depend on where it is read.
  for (const char* spec : {R"([{"op":"copy","from":"/data/a/zz","path":"/metadata/v"}])",
                           R"([{"op":"copy","from":"/data/a/b/7","path":"/metadata/v"}])",
                           R"([{"op":"copy","from":"/data/a/b/01","path":"/metadata/v"}])",
                           R"([{"op":"copy","from":"/data/s/k","path":"/metadata/v"}])",
                           R"([{"op":"copy","from":"/nothing/k","path":"/metadata/v"}])",
                           R"([{"op":"test","path":"/data/a/b/1/c","value":"y"}])",
                           R"([{"op":"test","path":"/data/a/b/1/d","value":"x"}])"}) {
    INFO(spec);
    auto chain = compile_ok(spec);
    auto out = chain.apply(*ev, context(), dec);
    REQUIRE_FALSE(out);
    auto tree = to_tree(ev->root());
    auto expected = chain.apply_tree(tree, context());
    REQUIRE(expected);
    CHECK(error_text(out.error()) == error_text(expected));
  }
  // And succeed with the value the tree would give.
  auto out = compile_ok(R"([{"op":"test","path":"/data/a/b/1/c","value":"x"},)"
                        R"({"op":"copy","from":"/data/a/b/1","path":"/metadata/v"}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == envelope_with(R"({"a":{"b":[1,{"c":"x"}]},"s":"t"})", R"({"v":{"c":"x"}})"));
}

TEST_CASE("a member a step removed cannot be copied from afterwards") {
  codec dec;
  auto ev = decode(dec, envelope_with(R"({"x":1})", "{}"));
  auto out = compile_ok(R"([{"op":"remove","path":"/data/x"},)"
                        R"({"op":"copy","from":"/data/x","path":"/metadata/x"}])")
               .apply(*ev, context(), dec);
  CHECK_FALSE(out);
}

TEST_CASE("transformed events carry the parse of their own text") {
  codec dec;
  std::vector<std::string> events{
    std::string{sample_event},
    R"({"event_id":"e","event_type":"document_uploaded","timestamp":"t","source":"s",)"
    R"("data":{"file_path":"/a/b.pdf","owner":"jo@example.com","n":[1,-2,3.50,1e300,)"
    R"(18446744073709551615,{"deep":[[{"x":null}]]}],"ok":true},"metadata":{"hops":2,"m":"x"}})",
    "\n{ \"event_id\" : \"e\", \"event_type\": \"metrics\", \"timestamp\":\"t\",\n"
    "  \"source\":\t\"s\", \"data\": {\n \"a\": [ 1, 2.50 ] }, \"metadata\": null }\n",
    R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
    R"("data":{},"u":1.50,"r":{"k":2.50},"u":-0,"r":{"k":3},"w":1,"w":2})",
    R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s",)"
    R"("d\u0061ta":{"v":1.50},"\ud83d\ude00 \"q\"":[0.50],"x":"\u00e9\n"})",
  };
  std::vector<std::string> chains{
    R"(["add_routing_metadata"])",
    R"(["add_timestamp","increment_hops"])",
    R"(["redact_pii","add_timestamp"])",
    R"(["add_routing_metadata",{"op":"add","path":"/metadata/ocr","value":true},)"
    R"({"op":"copy","from":"/data/file_path","path":"/metadata/ocr_source"}])",
    R"([{"op":"add","path":"/data/list","value":[1,2.5,{"a":"\u00e9"},null]}])",
    R"([{"op":"remove","path":"/data"},{"op":"add","path":"/data","value":{"z":1}}])",
    R"([{"op":"replace","path":"/source","value":"elsewhere"}])",
    R"([{"op":"move","from":"/data","path":"/moved"}])",
    R"([{"op":"add","path":"/extra","value":18446744073709551615}])",
  };
  // A built-in registered without members sees (and rewrites) the whole event.
  builtin_registry whole;
  whole.add("stamp_all", [](json::object& ev, const transform_context&) {
    ev["stamped"] = json::array{1, -2.5, "x", nullptr};
    return caf::error{};
  });
  auto whole_chain = transform_chain::compile(R"(["stamp_all"])", "t", whole);
  REQUIRE(whole_chain);
  std::size_t checked = 0;
  for (const auto& text : events) {
    auto ev = decode(dec, text);
    auto check = [&](const transform_chain& chain, const std::string& spec) {
      auto out = chain.apply(*ev, context(), dec);
      if (!out)
        return; // a step that does not apply to this event (e.g. no data.file_path)
      INFO(spec << " on " << text);
      auto parsed = dec.decode((*out)->bytes());
      REQUIRE(parsed);
      switchboard::test::check_same_tree((*out)->root(), (*parsed)->root());
      CHECK((*out)->event_id() == (*parsed)->event_id());
      CHECK((*out)->source() == (*parsed)->source());
      CHECK((*out)->hops() == (*parsed)->hops());
      CHECK((*out)->has_metadata() == (*parsed)->has_metadata());
      ++checked;
    };
    for (const auto& spec : chains)
      check(compile_ok(spec), spec);
    check(*whole_chain, "stamp_all");
  }
  CHECK(checked >= 40);
}

TEST_CASE("chains that only set metadata members give what the tree gives") {
  codec dec;
  // The same chain with one more step that leaves the event alone but can only run on
  // a tree makes the tree run the whole chain: the reference.
  builtin_registry registry = builtin_registry::global();
  registry.add(
    "tree_only", [](json::object&, const transform_context&) { return caf::error{}; },
    {"metadata"});
  const std::string head
    = R"({"event_id":"e","event_type":"document_uploaded","timestamp":"t","source":"s",)"
      R"("data":{"file_path":"/in/a \"b\".pdf","n":-7,"big":18446744073709551615,)"
      R"("x":2.50,"ok":false,"nil":null,"obj":{"k":[1]}})";
  std::vector<std::string> events{
    head + R"(,"metadata":{"generator":"demo"}})",
    head + R"(,"metadata":{}})",
    head + R"(,"metadata":{"s":"tab\there \u00e9 \"q\" \\","i":-1,"u":18446744073709551615,)"
           R"("d":1e300,"f":0.50,"t":true,"n":null,"route":"old"}})",
    head + R"(,"metadata":{"nested":{"a":1}}})",
    head + R"(,"metadata":{"a":1,"a":2}})",
    head + R"(,"metadata":{"a":1},"after":1})",
    head + R"(})",
    head + R"(,"m\u0065tadata":{"a":1}})",
    head + R"(,"metadata":{"a":1},"metadata":{"b":2}})",
    head + R"(,"metadata":{"k\"ey":"v"}})",
    "\n" + head + ",\n  \"metadata\" : {\n \"a\" : [ ] , \"b\" : 1 }\n}\n",
    head + ",\n  \"metadata\" : {\n \"a\" : \"}\\\\\" , \"b\" : 1 }\n}\n",
  };
  std::vector<std::string> chains{
    R"(["add_routing_metadata"])",
    R"(["add_timestamp","add_routing_metadata","add_timestamp"])",
    R"(["add_routing_metadata",{"op":"add","path":"/metadata/ocr","value":true},)"
    R"({"op":"copy","from":"/data/file_path","path":"/metadata/ocr_source"}])",
    R"([{"op":"add","path":"/metadata/a","value":"x"},{"op":"add","path":"/metadata/i","value":-3},)"
    R"({"op":"add","path":"/metadata/u","value":18446744073709551615},)"
    R"({"op":"add","path":"/metadata/d","value":2.5},{"op":"add","path":"/metadata/z","value":null},)"
    R"({"op":"add","path":"/metadata/e","value":"\u00e9\n"}])",
    R"([{"op":"copy","from":"/data/n","path":"/metadata/n"},{"op":"copy","from":"/data/big","path":"/metadata/b"},)"
    R"({"op":"copy","from":"/data/x","path":"/metadata/x"},{"op":"copy","from":"/data/ok","path":"/metadata/ok"},)"
    R"({"op":"copy","from":"/data/nil","path":"/metadata/nil"}])",
    R"([{"op":"copy","from":"/data/obj","path":"/metadata/o"}])",
    R"([{"op":"copy","from":"/data/missing","path":"/metadata/o"}])",
    R"([{"op":"copy","from":"/data/obj/k/0","path":"/metadata/first"}])",
    R"([{"op":"add","path":"/metadata/generator","value":"replaced"},"add_routing_metadata"])",
  };
  std::size_t compared = 0;
  for (const auto& text : events) {
    auto ev = decode(dec, text);
    for (const auto& spec : chains) {
      INFO(spec << " on " << text);
      auto chain = compile_ok(spec);
      auto reference_spec = spec.substr(0, spec.size() - 1) + R"(,"tree_only"])";
      auto reference = transform_chain::compile(reference_spec, "t", registry);
      REQUIRE(reference);
      auto fast = chain.apply(*ev, context(), dec);
      auto slow = reference->apply(*ev, context(), dec);
      REQUIRE(static_cast<bool>(fast) == static_cast<bool>(slow));
      if (!fast) {
        CHECK(error_text(fast.error()) == error_text(slow.error()));
        continue;
      }
      switchboard::test::check_same_tree((*fast)->root(), (*slow)->root());
      // The parse the event carries is the parse of its text.
      auto parsed = dec.decode((*fast)->bytes());
      REQUIRE(parsed);
      switchboard::test::check_same_tree((*fast)->root(), (*parsed)->root());
      CHECK((*fast)->hops() == (*slow)->hops());
      // Compact text comes out byte for byte the same.
      if (text.find('\n') == std::string::npos)
        CHECK((*fast)->bytes() == (*slow)->bytes());
      ++compared;
    }
  }
  CHECK(compared >= 80);
}

TEST_CASE("a metadata of many members is left to the tree") {
  // Repeated keys are looked for pairwise on the short path, so a large metadata takes
  // the tree's path; formatted text shows which path ran (the tree joins members
  // without the whitespace between them).
  codec dec;
  std::string md;
  for (int i = 0; i < 40; ++i)
    md += (i ? "," : "") + std::string{"\"k"} + std::to_string(i) + "\":" + std::to_string(i);
  auto ev = decode(dec, "{\"event_id\":\"e\", \"event_type\":\"metrics\",\"timestamp\":\"t\","
                        "\"source\":\"s\",\"data\":{},\"metadata\":{" + md + "}}");
  auto out = compile_ok(R"([{"op":"add","path":"/metadata/x","value":true}])")
               .apply(*ev, context(), dec);
  REQUIRE(out);
  CHECK((*out)->bytes()
        == R"({"event_id":"e","event_type":"metrics","timestamp":"t","source":"s","data":{},)"
           R"("metadata":{)" + md + R"(,"x":true}})");
}
