#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "events/error.hpp"
#include "routes/pattern.hpp"

using namespace switchboard;

namespace {

// Matches with the compiled pattern and with a one-pattern set; both must agree.
bool matches(std::string_view pat, std::string_view event) {
  INFO("pattern " << pat << " event " << event);
  auto p = pattern::compile(pat);
  if (!p)
    FAIL("pattern refused: " << error_text(p.error()));
  simdjson::dom::parser parser;
  auto doc = parser.parse(simdjson::padded_string{event});
  REQUIRE(doc.error() == simdjson::SUCCESS);
  bool single = p->matches(doc.value_unsafe());
  pattern_set set;
  set.add(*p);
  std::vector<std::size_t> out;
  set.match(doc.value_unsafe(), out);
  CHECK(single == !out.empty());
  return single;
}

// The error sentence for a refused pattern, or "" when it compiles.
std::string refusal(std::string_view pat, std::string_view path = "") {
  auto p = pattern::compile(pat, path);
  if (p)
    return "";
  CHECK(p.error() == route_errc::bad_pattern);
  return error_text(p.error());
}

} // namespace

TEST_CASE("exact values, AND across fields, OR within arrays") {
  auto ev = R"({"event_type":"task_created","data":{"status":"pending","size":5}})";
  CHECK(matches(R"({"event_type":["task_created"],"data":{"status":["pending"]}})", ev));
  CHECK(matches(R"({"data":{"status":["done","pending"]}})", ev));
  CHECK_FALSE(matches(R"({"event_type":["task_created"],"data":{"status":["done"]}})", ev));
  CHECK_FALSE(matches(R"({"data":{"owner":["me"]}})", ev));
  CHECK_FALSE(matches(R"({"data":{"status":["Pending"]}})", ev));
}

TEST_CASE("a scalar where an array belongs is a one-element array") {
  auto ev = R"({"data":{"status":"pending","n":3,"ok":true}})";
  CHECK(matches(R"({"data":{"status":"pending"}})", ev));
  CHECK(matches(R"({"data":{"n":3,"ok":true}})", ev));
  CHECK_FALSE(matches(R"({"data":{"status":"done"}})", ev));
}

TEST_CASE("the empty pattern matches every event") {
  auto p = pattern::compile("{}");
  REQUIRE(p);
  CHECK(p->matches_all());
  CHECK(matches("{}", R"({"a":1})"));
  CHECK(matches("{}", "{}"));
  CHECK_FALSE(pattern::compile(R"({"a":[1]})")->matches_all());
}

TEST_CASE("null and empty strings are distinct values") {
  auto ev = R"({"detail":{"eventVersion":"","responseElements":null}})";
  CHECK(matches(R"({"detail":{"eventVersion":[""]}})", ev));
  CHECK(matches(R"({"detail":{"responseElements":[null]}})", ev));
  CHECK_FALSE(matches(R"({"detail":{"eventVersion":[null]}})", ev));
  CHECK_FALSE(matches(R"({"detail":{"responseElements":[""]}})", ev));
  CHECK_FALSE(matches(R"({"detail":{"missing":[null]}})", ev));
}

TEST_CASE("booleans match only booleans") {
  CHECK(matches(R"({"a":[true]})", R"({"a":true})"));
  CHECK_FALSE(matches(R"({"a":[true]})", R"({"a":"true"})"));
  CHECK_FALSE(matches(R"({"a":["true"]})", R"({"a":true})"));
  CHECK(matches(R"({"a":[false]})", R"({"a":false})"));
}

TEST_CASE("numbers compare by value in the comparable range, strings never equal numbers") {
  CHECK(matches(R"({"n":[5]})", R"({"n":5})"));
  CHECK(matches(R"({"n":[5]})", R"({"n":5.0})"));
  CHECK(matches(R"({"n":[5.0]})", R"({"n":5})"));
  CHECK(matches(R"({"n":[300]})", R"({"n":3.0e2})"));
  CHECK(matches(R"({"n":[0.1]})", R"({"n":1e-1})"));
  CHECK(matches(R"({"n":[-2.5]})", R"({"n":-2.500})"));
  CHECK_FALSE(matches(R"({"n":[5]})", R"({"n":"5"})"));
  CHECK_FALSE(matches(R"({"n":["5"]})", R"({"n":5})"));
  CHECK(matches(R"({"n":["5"]})", R"({"n":"5"})"));
  CHECK_FALSE(matches(R"({"n":[5]})", R"({"n":5.000001})"));
  SECTION("numbers outside the comparable range only equal the same JSON number") {
    CHECK(matches(R"({"account":[123456789012]})", R"({"account":123456789012})"));
    CHECK_FALSE(matches(R"({"account":[123456789012]})", R"({"account":123456789013})"));
    CHECK(matches(R"({"n":[18446744073709551615]})", R"({"n":18446744073709551615})"));
    CHECK(matches(R"({"n":[0.0000001]})", R"({"n":0.0000001})"));
  }
}

TEST_CASE("arrays in the event match when any element does") {
  auto ev = R"({"resources":["arn:a","arn:b"],"nested":[["x"],["y",["z"]]],"empty":[]})";
  CHECK(matches(R"({"resources":["arn:b"]})", ev));
  CHECK(matches(R"({"resources":["arn:c","arn:a"]})", ev));
  CHECK_FALSE(matches(R"({"resources":["arn:c"]})", ev));
  CHECK(matches(R"({"nested":["z"]})", ev));
  CHECK_FALSE(matches(R"({"empty":["x"]})", ev));
}

TEST_CASE("arrays of objects are flattened but fields stay within one element") {
  auto ev = R"({"employees":[{"firstName":"John","lastName":"Doe"},)"
            R"({"firstName":"Anna","lastName":"Smith"},{"firstName":"Peter","lastName":"Jones"}]})";
  CHECK(matches(R"({"employees":{"firstName":["Anna"]}})", ev));
  CHECK(matches(R"({"employees":{"firstName":["Anna"],"lastName":["Smith"]}})", ev));
  CHECK_FALSE(matches(R"({"employees":{"firstName":["Anna"],"lastName":["Jones"]}})", ev));
  auto multi = R"({"employees":[[{"firstName":"John","lastName":"Doe"},)"
               R"({"firstName":"Anna","lastName":"Smith"}],[{"firstName":"Peter","lastName":"Jones"}]]})";
  CHECK(matches(R"({"employees":{"firstName":["Peter"],"lastName":["Jones"]}})", multi));
  CHECK_FALSE(matches(R"({"employees":{"firstName":["John"],"lastName":["Jones"]}})", multi));
  SECTION("different arrays combine freely") {
    auto two = R"({"a":[{"x":1},{"x":2}],"b":[{"y":1},{"y":2}]})";
    CHECK(matches(R"({"a":{"x":[2]},"b":{"y":[1]}})", two));
  }
  SECTION("nested arrays keep consistency at every level") {
    auto deep = R"({"a":[{"b":[{"c":1},{"d":2}],"e":3}]})";
    CHECK(matches(R"({"a":{"b":{"c":[1]},"e":[3]}})", deep));
    CHECK_FALSE(matches(R"({"a":{"b":{"c":[1],"d":[2]}}})", deep));
  }
}

TEST_CASE("prefix and suffix match strings only") {
  auto ev = R"({"time":"2017-10-02T18:43:48Z","file":"photo.PNG","n":2017})";
  CHECK(matches(R"({"time":[{"prefix":"2017-10-02"}]})", ev));
  CHECK_FALSE(matches(R"({"time":[{"prefix":"2017-10-03"}]})", ev));
  CHECK(matches(R"({"time":[{"prefix":""}]})", ev));
  CHECK_FALSE(matches(R"({"n":[{"prefix":"20"}]})", ev));
  CHECK(matches(R"({"file":[{"suffix":".PNG"}]})", ev));
  CHECK_FALSE(matches(R"({"file":[{"suffix":".png"}]})", ev));
  CHECK(matches(R"({"file":[{"suffix":{"equals-ignore-case":".png"}}]})", ev));
  CHECK(matches(R"({"file":[{"prefix":{"equals-ignore-case":"PHOTO"}}]})", ev));
  CHECK_FALSE(matches(R"({"file":[{"prefix":{"equals-ignore-case":"PHOTOS"}}]})", ev));
}

TEST_CASE("equals-ignore-case folds beyond ASCII") {
  CHECK(matches(R"({"s":[{"equals-ignore-case":"EC2"}]})", R"({"s":"ec2"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ÀÉÎÕÜ"}]})", R"({"s":"àéîõü"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ŁÓDŹ"}]})", R"({"s":"łódź"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ΣΟΦΊΑ"}]})", R"({"s":"σοφία"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ΌΣΟΣ"}]})", R"({"s":"όσος"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"МОСКВА"}]})", R"({"s":"москва"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ЁЖ"}]})", R"({"s":"ёж"})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":"ǅ"}]})", R"({"s":"ǆ"})"));
  CHECK_FALSE(matches(R"({"s":[{"equals-ignore-case":"москва"}]})", R"({"s":"mockba"})"));
  CHECK_FALSE(matches(R"({"s":[{"equals-ignore-case":"5"}]})", R"({"s":5})"));
  CHECK(matches(R"({"s":[{"equals-ignore-case":""}]})", R"({"s":""})"));
}

TEST_CASE("wildcards with escapes") {
  CHECK(matches(R"({"s":[{"wildcard":"Simple*Service"}]})", R"({"s":"SimpleQueueService"})"));
  CHECK(matches(R"({"s":[{"wildcard":"Simple*Service"}]})", R"({"s":"SimpleService"})"));
  CHECK_FALSE(matches(R"({"s":[{"wildcard":"Simple*Service"}]})", R"({"s":"SimpleServices"})"));
  CHECK(matches(R"({"p":[{"wildcard":"dir/*.png"}]})", R"({"p":"dir/a/b.png"})"));
  CHECK(matches(R"({"p":[{"wildcard":"*"}]})", R"({"p":""})"));
  CHECK(matches(R"({"p":[{"wildcard":"*a*b*"}]})", R"({"p":"xxaxxbxx"})"));
  CHECK_FALSE(matches(R"({"p":[{"wildcard":"*a*b*"}]})", R"({"p":"xxbxxaxx"})"));
  CHECK(matches(R"({"p":[{"wildcard":"a*aa"}]})", R"({"p":"aaa"})"));
  CHECK_FALSE(matches(R"({"p":[{"wildcard":"a*aa"}]})", R"({"p":"aa"})"));
  CHECK(matches(R"({"p":[{"wildcard":"a\\*b"}]})", R"({"p":"a*b"})"));
  CHECK_FALSE(matches(R"({"p":[{"wildcard":"a\\*b"}]})", R"({"p":"axb"})"));
  CHECK(matches(R"({"p":[{"wildcard":"a\\\\*"}]})", R"({"p":"a\\xyz"})"));
  CHECK_FALSE(matches(R"({"p":[{"wildcard":"*"}]})", R"({"p":1})"));
}

TEST_CASE("anything-but in all its forms") {
  auto ev = R"({"state":"running","n":123,"z":null,"f":"photo.png","tags":["a","b"]})";
  CHECK(matches(R"({"state":[{"anything-but":"initializing"}]})", ev));
  CHECK_FALSE(matches(R"({"state":[{"anything-but":"running"}]})", ev));
  CHECK_FALSE(matches(R"({"state":[{"anything-but":["stopped","running"]}]})", ev));
  CHECK_FALSE(matches(R"({"n":[{"anything-but":123}]})", ev));
  CHECK_FALSE(matches(R"({"n":[{"anything-but":[100,123.0]}]})", ev));
  CHECK(matches(R"({"n":[{"anything-but":[100,200]}]})", ev));
  CHECK(matches(R"({"n":[{"anything-but":"123"}]})", ev));
  CHECK(matches(R"({"state":[{"anything-but":123}]})", ev));
  CHECK(matches(R"({"z":[{"anything-but":"x"}]})", ev));
  CHECK_FALSE(matches(R"({"missing":[{"anything-but":"x"}]})", ev));
  CHECK_FALSE(matches(R"({"state":[{"anything-but":{"prefix":"run"}}]})", ev));
  CHECK(matches(R"({"state":[{"anything-but":{"prefix":"init"}}]})", ev));
  CHECK(matches(R"({"n":[{"anything-but":{"prefix":"1"}}]})", ev));
  CHECK_FALSE(matches(R"({"f":[{"anything-but":{"suffix":".png"}}]})", ev));
  CHECK(matches(R"({"f":[{"anything-but":{"suffix":[".jpg",".gif"]}}]})", ev));
  CHECK_FALSE(matches(R"({"state":[{"anything-but":{"equals-ignore-case":["RUNNING"]}}]})", ev));
  CHECK(matches(R"({"state":[{"anything-but":{"equals-ignore-case":"STOPPED"}}]})", ev));
  CHECK_FALSE(matches(R"({"f":[{"anything-but":{"wildcard":"*.png"}}]})", ev));
  CHECK(matches(R"({"f":[{"anything-but":{"wildcard":["*/lib/*","*.gif"]}}]})", ev));
  SECTION("on arrays any element that is not excluded matches") {
    CHECK(matches(R"({"tags":[{"anything-but":"a"}]})", ev));
    CHECK_FALSE(matches(R"({"tags":[{"anything-but":["a","b"]}]})", ev));
  }
}

TEST_CASE("numeric comparisons and ranges") {
  auto ev = R"({"c":5,"d":3,"x":301.8,"s":"5","neg":-0.5})";
  CHECK(matches(R"({"c":[{"numeric":[">",0,"<=",5]}]})", ev));
  CHECK_FALSE(matches(R"({"c":[{"numeric":[">",0,"<",5]}]})", ev));
  CHECK(matches(R"({"c":[{"numeric":[">=",5]}]})", ev));
  CHECK_FALSE(matches(R"({"c":[{"numeric":[">",5]}]})", ev));
  CHECK(matches(R"({"d":[{"numeric":["<",10]}]})", ev));
  CHECK(matches(R"({"x":[{"numeric":["=",3.018e2]}]})", ev));
  CHECK_FALSE(matches(R"({"x":[{"numeric":["=",301.80001]}]})", ev));
  CHECK(matches(R"({"neg":[{"numeric":[">=",-1,"<",0]}]})", ev));
  CHECK_FALSE(matches(R"({"s":[{"numeric":["=",5]}]})", ev));
  CHECK_FALSE(matches(R"({"missing":[{"numeric":[">",0]}]})", ev));
  CHECK(matches(R"({"x":[{"numeric":[">",301.799999]}]})", ev));
  CHECK(matches(R"({"big":[{"numeric":["<=",5000000000]}]})", R"({"big":5e9})"));
  CHECK_FALSE(matches(R"({"big":[{"numeric":[">",0]}]})", R"({"big":6e9})"));
  CHECK_FALSE(matches(R"({"tiny":[{"numeric":[">",0]}]})", R"({"tiny":0.0000001})"));
}

TEST_CASE("exists true and false") {
  auto ev = R"({"detail":{"c":5,"z":null,"o":{"c1":100},"e":[],"s":""}})";
  CHECK(matches(R"({"detail":{"c":[{"exists":true}]}})", ev));
  CHECK_FALSE(matches(R"({"detail":{"c":[{"exists":false}]}})", ev));
  CHECK(matches(R"({"detail":{"missing":[{"exists":false}]}})", ev));
  CHECK_FALSE(matches(R"({"detail":{"missing":[{"exists":true}]}})", ev));
  SECTION("null is a present value") {
    CHECK(matches(R"({"detail":{"z":[{"exists":true}]}})", ev));
    CHECK_FALSE(matches(R"({"detail":{"z":[{"exists":false}]}})", ev));
  }
  SECTION("objects and empty arrays are not leaf values") {
    CHECK(matches(R"({"detail":{"o":[{"exists":false}]}})", ev));
    CHECK_FALSE(matches(R"({"detail":{"o":[{"exists":true}]}})", ev));
    CHECK(matches(R"({"detail":{"e":[{"exists":false}]}})", ev));
    CHECK(matches(R"({"detail":{"s":[{"exists":true}]}})", ev));
  }
  SECTION("absence of a whole subtree") {
    CHECK(matches(R"({"other":{"x":[{"exists":false}]}})", ev));
    CHECK(matches(R"({"detail":{"c":{"x":[{"exists":false}]}}})", ev));
    CHECK_FALSE(matches(R"({"other":{"x":[{"exists":false}],"y":[1]}})", ev));
  }
  SECTION("exists false alongside values") {
    CHECK(matches(R"({"detail":{"q":["v",{"exists":false}]}})", ev));
    CHECK(matches(R"({"detail":{"c":[5,{"exists":false}]}})", ev));
    CHECK_FALSE(matches(R"({"detail":{"c":[6,{"exists":false}]}})", ev));
  }
}

TEST_CASE("cidr matching for IPv4 and IPv6") {
  CHECK(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.255"})"));
  CHECK(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.0"})"));
  CHECK_FALSE(matches(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.1.0"})"));
  CHECK(matches(R"({"ip":[{"cidr":"10.0.0.77/24"}]})", R"({"ip":"10.0.0.1"})"));
  CHECK(matches(R"({"ip":[{"cidr":"0.0.0.0/0"}]})", R"({"ip":"255.255.255.255"})"));
  CHECK(matches(R"({"ip":[{"cidr":"192.168.1.4/31"}]})", R"({"ip":"192.168.1.5"})"));
  CHECK_FALSE(matches(R"({"ip":[{"cidr":"192.168.1.4/31"}]})", R"({"ip":"192.168.1.6"})"));
  CHECK_FALSE(matches(R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"not an ip"})"));
  CHECK_FALSE(matches(R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"2001:db8::1"})"));
  CHECK(matches(R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:DB8:ffff::1"})"));
  CHECK_FALSE(matches(R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:db9::1"})"));
  CHECK(matches(R"({"ip":[{"cidr":"::/0"}]})", R"({"ip":"::1"})"));
  CHECK(matches(R"({"ip":[{"cidr":"fe80::/127"}]})", R"({"ip":"fe80:0:0:0:0:0:0:1"})"));
  CHECK(matches(R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"::ffff:a00:1"})"));
  SECTION("a plain IP value compares as an address") {
    CHECK(matches(R"({"ip":["2001:db8::1"]})", R"({"ip":"2001:0db8:0:0:0:0:0:1"})"));
    CHECK(matches(R"({"ip":["10.0.0.1"]})", R"({"ip":"10.0.0.1"})"));
    CHECK_FALSE(matches(R"({"ip":["10.0.0.1"]})", R"({"ip":"10.0.0.2"})"));
  }
}

TEST_CASE("$or combines alternatives") {
  auto ev = R"({"source":"aws.cloudwatch","metricName":"CPU","detail":{"state":"ALARM"}})";
  CHECK(matches(R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPU"]},{"namespace":["AWS/EC2"]}]})", ev));
  CHECK_FALSE(matches(R"({"source":["aws.ec2"],"$or":[{"metricName":["CPU"]},{"namespace":["AWS/EC2"]}]})", ev));
  CHECK_FALSE(matches(R"({"$or":[{"metricName":["RAM"]},{"namespace":["AWS/EC2"]}]})", ev));
  CHECK(matches(R"({"detail":{"$or":[{"state":["OK"]},{"state":["ALARM"]}]}})", ev));
  SECTION("$or with AND inside and nested $or") {
    auto p = R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["RAM"]},)"
             R"({"metricType":["T"],"$or":[{"id":[1]},{"detail":{"state":["ALARM"]}}]}]})";
    CHECK_FALSE(matches(p, ev));
    CHECK(matches(p, R"({"source":"aws.cloudwatch","metricType":"T","detail":{"state":"ALARM"}})"));
    CHECK(matches(p, R"({"source":"aws.cloudwatch","metricType":"T","id":1})"));
    CHECK_FALSE(matches(p, R"({"source":"aws.cloudwatch","id":1})"));
  }
  SECTION("parallel $or groups") {
    auto p = R"({"$or":[{"a":[1]},{"b":[1]}],"d":{"$or":[{"c":[1]},{"e":[1]}]}})";
    CHECK(matches(p, R"({"b":1,"d":{"e":1}})"));
    CHECK_FALSE(matches(p, R"({"b":1,"d":{"f":1}})"));
  }
  SECTION("$or with exists false") {
    auto p = R"({"$or":[{"a":[{"exists":false}]},{"a":["x"]}]})";
    CHECK(matches(p, R"({"b":1})"));
    CHECK(matches(p, R"({"a":"x"})"));
    CHECK_FALSE(matches(p, R"({"a":"y"})"));
  }
  SECTION("$or branches in arrays of objects stay within one element") {
    auto p = R"({"items":{"sku":["a"],"$or":[{"qty":[1]},{"price":[2]}]}})";
    CHECK(matches(p, R"({"items":[{"sku":"a","price":2},{"sku":"b","qty":1}]})"));
    CHECK_FALSE(matches(p, R"({"items":[{"sku":"a","price":3},{"sku":"b","qty":1}]})"));
  }
}

TEST_CASE("rejected patterns name the path and the reason") {
  using Catch::Matchers::Contains;
  CHECK(refusal(R"({"data":{"size":[{"numeric":[]}]}})", "routes[2].filters")
        == "routes[2].filters.data.size: numeric needs an operator");
  CHECK(refusal("[1]") == "pattern: must be a JSON object, not an array");
  CHECK_THAT(refusal("{bad", "f"), Contains("f: is not valid JSON"));
  CHECK(refusal(R"({"a":[]})") == "a: empty arrays are not allowed");
  CHECK(refusal(R"({"a":{}})") == "a: empty objects are not allowed");
  CHECK(refusal(R"({"a":[[1]]})").find("a: match values must be") == 0);
  CHECK(refusal(R"({"a":[{}]})") == "a: empty operator object");
  CHECK(refusal(R"({"a":[{"prefix":"x","suffix":"y"}]})")
        == "a: only one operator is allowed per object, found 2");
  CHECK(refusal(R"({"a":[{"contains":"x"}]})") == "a: unknown operator 'contains'");
  CHECK(refusal(R"({"a":[{"prefix":1}]})") == "a: prefix needs a string, not a number");
  CHECK(refusal(R"({"a":[{"suffix":null}]})") == "a: suffix needs a string, not null");
  CHECK(refusal(R"({"a":[{"prefix":{"wildcard":"x"}}]})")
        == "a: unsupported prefix operator 'wildcard' (only equals-ignore-case)");
  CHECK(refusal(R"({"a":[{"equals-ignore-case":["x"]}]})")
        == "a: equals-ignore-case needs a string, not an array");
  CHECK(refusal(R"({"a":[{"exists":"yes"}]})") == "a: exists needs true or false, not a string");
  SECTION("wildcards") {
    CHECK(refusal(R"({"a":[{"wildcard":"a**b"}]})")
          == "a: wildcard 'a**b': consecutive wildcard characters at position 1");
    CHECK_THAT(refusal(R"({"a":[{"wildcard":"a\\b"}]})"), Contains("invalid escape"));
    CHECK_THAT(refusal(R"({"a":[{"wildcard":"a\\"}]})"), Contains("invalid escape"));
  }
  SECTION("numeric") {
    CHECK(refusal(R"({"n":[{"numeric":5}]})").find("n: numeric needs an array") == 0);
    CHECK(refusal(R"({"n":[{"numeric":[">","5"]}]})")
          == "n: numeric operator > needs a number, not a string");
    CHECK(refusal(R"({"n":[{"numeric":[">"]}]})") == "n: numeric operator > needs a number after it");
    CHECK(refusal(R"({"n":[{"numeric":[5]}]})").find("n: numeric expects an operator") == 0);
    CHECK(refusal(R"({"n":[{"numeric":["!=",5]}]})").find("n: unknown numeric operator '!='") == 0);
    CHECK(refusal(R"({"n":[{"numeric":["<",10,">",0]}]})")
          == "n: too many elements in numeric expression");
    CHECK(refusal(R"({"n":[{"numeric":[">",0,">",5]}]})")
          == "n: numeric range needs < or <= after >, not '>'");
    CHECK(refusal(R"({"n":[{"numeric":[">",10,"<",5]}]})")
          == "n: numeric range lower bound must be below its upper bound");
    CHECK(refusal(R"({"n":[{"numeric":["=",5,"<",6]}]})")
          == "n: too many elements in numeric expression");
    CHECK_THAT(refusal(R"({"n":[{"numeric":["<",6e9]}]})"), Contains("out of range"));
    CHECK_THAT(refusal(R"({"n":[{"numeric":["=",0.0000001]}]})"), Contains("six decimals"));
  }
  SECTION("anything-but") {
    CHECK(refusal(R"({"a":[{"anything-but":[]}]})") == "a: anything-but list must not be empty");
    CHECK(refusal(R"({"a":[{"anything-but":["x",1]}]})")
          == "a: anything-but list must be all strings or all numbers");
    CHECK(refusal(R"({"a":[{"anything-but":[null]}]})")
          == "a: anything-but values must be strings or numbers, not null");
    CHECK_THAT(refusal(R"({"a":[{"anything-but":true}]})"), Contains("anything-but needs"));
    CHECK(refusal(R"({"a":[{"anything-but":{"numeric":[">",1]}}]})")
          == "a: unsupported anything-but operator 'numeric'");
    CHECK(refusal(R"({"a":[{"anything-but":{"prefix":""}}]})")
          == "a: anything-but prefix must not be empty");
    CHECK(refusal(R"({"a":[{"anything-but":{"suffix":[1]}}]})")
          == "a: anything-but suffix needs a string, not a number");
    CHECK(refusal(R"({"a":[{"anything-but":{"equals-ignore-case":[]}}]})")
          == "a: anything-but equals-ignore-case list must not be empty");
    CHECK_THAT(refusal(R"({"a":[{"anything-but":{"wildcard":"x**"}}]})"),
               Contains("consecutive wildcard"));
    CHECK_THAT(refusal(R"({"a":[{"anything-but":[1e10]}]})"), Contains("out of range"));
  }
  SECTION("cidr") {
    CHECK(refusal(R"({"ip":[{"cidr":"10.0.0.0"}]})")
          == "ip: cidr: malformed CIDR '10.0.0.0', one '/' required");
    CHECK(refusal(R"({"ip":[{"cidr":"10.0.0.0/x"}]})")
          == "ip: cidr: malformed CIDR '10.0.0.0/x', mask bits must be an integer");
    CHECK(refusal(R"({"ip":[{"cidr":"10.0.0.0/32"}]})") == "ip: cidr: IPv4 mask bits must be < 32");
    CHECK(refusal(R"({"ip":[{"cidr":"::/128"}]})") == "ip: cidr: IPv6 mask bits must be < 128");
    CHECK(refusal(R"({"ip":[{"cidr":"300.0.0.0/8"}]})")
          == "ip: cidr: '300.0.0.0' is not an IP address");
    CHECK(refusal(R"({"ip":[{"cidr":"1::2::3/64"}]})") == "ip: cidr: '1::2::3' is not an IP address");
    CHECK(refusal(R"({"ip":[{"cidr":5}]})") == "ip: cidr needs a string, not a number");
  }
  SECTION("$or") {
    CHECK(refusal(R"({"$or":[{"a":[1]}]})") == "$or: $or needs at least two objects");
    CHECK(refusal(R"({"x":{"$or":{"a":[1]}}})")
          == "x.$or: $or needs an array of at least two objects, not an object");
    CHECK(refusal(R"({"$or":[{"a":[1]},"b"]})") == "$or[1]: $or elements must be objects, not a string");
    CHECK(refusal(R"({"$or":[{"a":[1]},{}]})") == "$or[1]: empty objects are not allowed");
    CHECK(refusal(R"({"$or":[{"a":[1]},{"numeric":[1]}]})", "r")
          == "r.$or[1].numeric: 'numeric' is a reserved operator name and cannot be a field "
             "inside $or");
    CHECK(refusal(R"({"$or":[{"a":[{"nope":1}]},{"b":[1]}]})") == "$or[0].a: unknown operator 'nope'");
  }
}

TEST_CASE("a later value list for the same path replaces the earlier one") {
  CHECK(matches(R"({"a":[1],"a":[2]})", R"({"a":2})"));
  CHECK_FALSE(matches(R"({"a":[1],"a":[2]})", R"({"a":1})"));
}

TEST_CASE("pattern_set reports every matching pattern in ascending order") {
  pattern_set set;
  const char* patterns[] = {
    R"({"t":["a"]})",
    R"({"t":[{"prefix":"a"}]})",
    R"({"n":[{"numeric":[">",1]}]})",
    R"({"x":[{"exists":false}]})",
    R"({})",
    R"({"t":["b"]})",
  };
  for (auto p : patterns)
    set.add(*pattern::compile(p));
  CHECK(set.size() == 6);
  simdjson::dom::parser parser;
  auto doc = parser.parse(simdjson::padded_string{std::string_view{R"({"t":"a","n":2})"}});
  std::vector<std::size_t> out{99};
  set.match(doc.value_unsafe(), out);
  CHECK(out == std::vector<std::size_t>{99, 0, 1, 2, 3, 4});
}
