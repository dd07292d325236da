#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "tests/support/run.hpp"

using namespace switchboard::test;

namespace {

boost::json::value summary_of(const run_result& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  boost::json::error_code ec;
  auto v = boost::json::parse(r.out, ec);
  REQUIRE_FALSE(ec);
  return v;
}

bool fired(const boost::json::value& summary, const std::string& name) {
  for (auto& f : summary.at("alerts").at("fired").as_array())
    if (f.at("name").as_string() == name)
      return true;
  return false;
}

uint64_t count(const boost::json::value& v) {
  return v.to_number<uint64_t>();
}

} // namespace

TEST_CASE("demo --json prints a summary that accounts for every generated event") {
  auto s = summary_of(run_switchboard("demo --duration 3s --rate 1000 --http off --json --seed 1"));
  auto& gen = s.at("generation");
  auto& proc = s.at("processing");
  auto generated = count(gen.at("generated"));
  CHECK(generated >= 2700);
  CHECK(generated <= 3100);
  CHECK(count(proc.at("processed")) + count(proc.at("dead_lettered"))
          + count(proc.at("unmatched"))
        == generated);
  CHECK(proc.at("events_per_second").to_number<double>() > 500);
  CHECK(proc.at("avg_latency_ms").to_number<double>() > 0);
  CHECK(proc.at("p99_latency_ms").to_number<double>() >= proc.at("avg_latency_ms").to_number<double>() * 0.5);
  for (auto* component : {"dispatcher", "processor.document", "processor.task", "processor.agent",
                          "processor.analytics", "processor.notification"})
    CHECK(s.at("health").as_object().contains(component));
  CHECK(s.at("alerts").as_object().contains("active_count"));
  CHECK(s.at("alerts").as_object().contains("total_triggered"));
}

TEST_CASE("demo with 30 percent errors fires the error-rate alert; the default 2 percent does not") {
  auto bad = summary_of(run_switchboard(
    "demo --duration 6s --rate 2000 --error-rate 30 --http off --json --seed 2"));
  CHECK(fired(bad, "high-error-rate"));
  CHECK(count(bad.at("alerts").at("total_triggered")) >= 1);
  CHECK(count(bad.at("processing").at("dead_lettered"))
        >= count(bad.at("generation").at("generated")) / 4);
  auto normal = summary_of(run_switchboard("demo --duration 6s --rate 2000 --http off --json --seed 2"));
  CHECK_FALSE(fired(normal, "high-error-rate"));
}

TEST_CASE("demo --mix shapes the traffic") {
  auto s = summary_of(run_switchboard(
    "demo --duration 2s --rate 1000 --mix document=100 --error-rate 0 --http off --json --seed 3"));
  auto& fams = s.at("generation").at("by_family").as_object();
  CHECK(fams.size() == 1);
  CHECK(fams.contains("document"));
}

TEST_CASE("demo refuses bad flags and configs with exit 2") {
  auto dur = run_switchboard("demo --duration soon --http off");
  CHECK(dur.exit_code == 2);
  CHECK_THAT(dur.err, Catch::Contains("--duration 'soon' is not a duration"));
  auto mix = run_switchboard("demo --mix widgets=5 --http off");
  CHECK(mix.exit_code == 2);
  CHECK_THAT(mix.err, Catch::Contains("--mix item 'widgets=5'"));
  temp_file bad{R"({"routes":[{"name":"x","target_topics":[]}]})", ".json"};
  auto cfg = run_switchboard("demo --config " + bad.path() + " --http off");
  CHECK(cfg.exit_code == 2);
  CHECK_THAT(cfg.err, Catch::Contains("routes[0].target_topics"));
}

TEST_CASE("demo --json with the dashboard on keeps standard output to the summary") {
  auto r = run_switchboard("demo --duration 1s --rate 500 --http 127.0.0.1:0 --json --seed 4");
  auto s = summary_of(r);
  CHECK(count(s.at("generation").at("generated")) > 0);
  // The server's log line goes to standard error.
  CHECK(r.err.find("HTTP API listening") != std::string::npos);
}
