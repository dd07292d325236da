#include "monitor/metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>

using namespace switchboard;

TEST_CASE("counters and gauges keep one series per label set") {
  metrics_registry reg;
  auto& task = reg.counter("events_processed_total", {{"processor", "task"}});
  task.inc();
  task.inc(4);
  task.inc(-3); // counters never go down
  reg.counter("events_processed_total", {{"processor", "agent"}}).inc(2);
  CHECK(reg.counter("events_processed_total", {{"processor", "task"}}).value() == 5);
  CHECK(&reg.counter("events_processed_total", {{"processor", "task"}}) == &task);
  auto& g = reg.gauge("active_tasks");
  g.set(10);
  g.dec(3);
  g.inc();
  CHECK(reg.gauge("active_tasks").value() == 8);
  CHECK(reg.value("events_processed_total") == 7);
  CHECK(reg.value("events_processed_total{processor=\"agent\"}") == 2);
  CHECK_FALSE(reg.value("events_processed_total{processor=\"none\"}"));
  CHECK_FALSE(reg.value("no_such_metric"));
}

TEST_CASE("label order does not make a new series") {
  metrics_registry reg;
  reg.counter("requests_total", {{"b", "2"}, {"a", "1"}}).inc();
  reg.counter("requests_total", {{"a", "1"}, {"b", "2"}}).inc();
  REQUIRE(reg.find("requests_total")->series_by_labels.size() == 1);
  CHECK(reg.value("requests_total{b=\"2\",a=\"1\"}") == 2);
}

TEST_CASE("bad names and kind clashes are refused") {
  metrics_registry reg;
  reg.counter("hits_total").inc();
  CHECK_THROWS_AS(reg.gauge("hits_total"), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("hits"), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge("queue_total"), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge("bad-name"), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge("camelCase"), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge("depth", {{"__reserved", "x"}}), std::invalid_argument);
  CHECK_THROWS_AS(reg.gauge("depth", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("wait_count"), std::invalid_argument);
}

TEST_CASE("histogram buckets give percentile estimates") {
  metrics_registry reg;
  reg.describe_histogram("wait_seconds", "Wait.", {1, 2, 5, 10});
  auto& h = reg.histogram("wait_seconds");
  CHECK(h.quantile(0.5) == 0);
  // 100 observations evenly in (0,10]: 1..10 step 0.1.
  for (int i = 1; i <= 100; ++i)
    h.observe(i / 10.0);
  CHECK(h.count() == 100);
  CHECK(h.sum() == Approx(505));
  CHECK(h.mean() == Approx(5.05));
  CHECK(h.bucket_counts() == std::vector<uint64_t>{10, 10, 30, 50, 0});
  // The median is in (5, 10]: 50 of 100 are at or below 5, so exactly at its start.
  CHECK(h.quantile(0.5) == Approx(5));
  // p90: rank 90, 40 of the 50 in (5,10] -> 5 + 5 * 40/50.
  CHECK(h.quantile(0.9) == Approx(9));
  CHECK(h.quantile(0.99) == Approx(9.9));
  // The +Inf bucket is bounded by the largest observation.
  h.observe(50);
  CHECK(h.quantile(1) == Approx(50));
  CHECK(h.bucket_counts().back() == 1);
  // NaN is ignored.
  h.observe(std::nan(""));
  CHECK(h.count() == 101);
}

TEST_CASE("percentiles of one repeated value are that value") {
  metrics_registry reg;
  auto& h = reg.histogram("handle_seconds");
  for (int i = 0; i < 10; ++i)
    h.observe(0.003);
  CHECK(h.quantile(0.5) == Approx(0.003));
  CHECK(h.quantile(0.99) == Approx(0.003));
}

TEST_CASE("latency buckets span 0.01 ms to 10 s") {
  auto& b = latency_buckets_seconds();
  CHECK(b.front() == Approx(0.00001));
  CHECK(b.back() == 10);
  for (size_t i = 1; i < b.size(); ++i)
    CHECK(b[i] > b[i - 1]);
}

TEST_CASE("rates come from counter samples at given times") {
  metrics_registry reg(10);
  auto& c = reg.counter("events_processed_total", {{"processor", "task"}});
  CHECK(reg.value("events_processed_total:rate") == 0);
  reg.sample(100);
  c.inc(500);
  reg.sample(101);
  CHECK(reg.value("events_processed_total:rate") == Approx(500));
  c.inc(1500);
  reg.sample(103);
  CHECK(reg.value("events_processed_total:rate") == Approx(2000.0 / 3));
  // A series born between samples counts from zero at the previous sample.
  reg.counter("events_processed_total", {{"processor", "agent"}}).inc(300);
  reg.sample(104);
  CHECK(reg.value("events_processed_total{processor=\"agent\"}:rate") == Approx(300));
  // Old samples leave the window: no increase for 20 s gives rate 0.
  reg.sample(115);
  reg.sample(124);
  CHECK(reg.value("events_processed_total:rate") == 0);
  auto f = derive_figures(reg);
  CHECK(f.events_per_second == 0);
}

TEST_CASE("rate_window keeps one sample at the window start") {
  rate_window w(10);
  w.sample(0, 0);
  w.sample(5, 50);
  w.sample(10, 100);
  w.sample(15, 100);
  // Kept: 5 (the newest at or before 15 - 10), 10, 15.
  CHECK(w.increase() == 50);
  CHECK(w.rate() == Approx(5));
}

TEST_CASE("deltas merge into the registry") {
  metrics_delta d;
  CHECK(d.empty());
  d.add("events_processed_total", {{"processor", "task"}}, 3);
  d.add("events_processed_total", {{"processor", "task"}}, 2);
  d.add("events_failed_total", {{"processor", "task"}});
  d.set("active_tasks", {}, 4);
  d.set("active_tasks", {}, 6);
  d.observe("event_latency_seconds", {{"processor", "task"}}, 0.002);
  d.observe("event_latency_seconds", {{"processor", "task"}}, 0.004);
  d.describe("queue_depth", "Events waiting.");
  d.set("queue_depth", {}, 12);
  d.add("wrong", {}, 1);                       // counter without _total
  d.set("events_failed_total", {{"processor", "task"}}, 1); // kind clash
  CHECK(d.counters.size() == 3);
  CHECK(d.gauges.size() == 3);
  CHECK(d.histograms.size() == 1);

  metrics_registry reg;
  CHECK(reg.merge(d) == 5);
  CHECK(reg.rejected_updates() == 2);
  CHECK(reg.value("events_processed_total") == 5);
  CHECK(reg.value("active_tasks") == 6);
  CHECK(reg.value("event_latency_seconds:count") == 2);
  CHECK(reg.value("event_latency_seconds:avg") == Approx(0.003));
  CHECK(reg.find("queue_depth")->help == "Events waiting.");
  CHECK(reg.find("events_processed_total")->help.find("handled") != std::string::npos);
  d.clear();
  CHECK(d.empty());
}

TEST_CASE("derived figures over the well-known metrics") {
  metrics_registry reg(10);
  reg.sample(0);
  reg.counter("events_processed_total", {{"processor", "task"}}).inc(180);
  reg.counter("events_processed_total", {{"processor", "agent"}}).inc(20);
  reg.counter("events_failed_total", {{"processor", "agent"}}).inc(10);
  reg.counter("dead_letters_total", {{"reason", "malformed_json"}}).inc(4);
  reg.gauge("active_tasks").set(7);
  for (int i = 0; i < 100; ++i)
    reg.histogram("event_latency_seconds", {{"processor", "task"}}).observe(0.002);
  reg.sample(2);
  auto f = derive_figures(reg);
  CHECK(f.events_per_second == Approx(100));
  CHECK(f.error_rate == Approx(5));
  CHECK(f.avg_latency_ms == Approx(2));
  CHECK(f.p99_latency_ms == Approx(2));
  CHECK(f.active_tasks == 7);
  CHECK(f.dead_letters_total == 4);
  CHECK(f.dead_letters_per_second == Approx(2));
  auto agent = derive_figures(reg, "agent");
  CHECK(agent.error_rate == Approx(50));
  CHECK(agent.events_per_second == Approx(10));
  CHECK(reg.value("error_rate") == Approx(5));
  CHECK(reg.value("error_rate{processor=\"agent\"}") == Approx(50));
  // The error rate follows the window: a clean stretch brings it back to zero.
  reg.counter("events_processed_total", {{"processor", "task"}}).inc(1000);
  reg.sample(13);
  CHECK(reg.value("error_rate") == Approx(0));
}

TEST_CASE("metric references parse names, selectors and aggregates") {
  auto r = parse_metric_ref("event_latency_seconds{processor=\"task\",b=\"x,}\\\"\"}:p99");
  REQUIRE(r);
  CHECK(r->name == "event_latency_seconds");
  CHECK(r->aggregate == "p99");
  REQUIRE(r->selector.size() == 2);
  CHECK(r->selector[0] == std::make_pair(std::string{"b"}, std::string{"x,}\""}));
  CHECK(r->selector[1] == std::make_pair(std::string{"processor"}, std::string{"task"}));
  auto plain = parse_metric_ref("job:errors:ratio");
  REQUIRE(plain);
  CHECK(plain->name == "job:errors:ratio");
  CHECK(plain->aggregate.empty());
  CHECK(parse_metric_ref("x:rate")->aggregate == "rate");
  CHECK_FALSE(parse_metric_ref(""));
  CHECK_FALSE(parse_metric_ref("1abc"));
  CHECK_FALSE(parse_metric_ref("a{b=c}"));
  CHECK_FALSE(parse_metric_ref("a{b=\"c\""));
  CHECK_FALSE(parse_metric_ref("a{b=\"c\"}:median"));
  CHECK_FALSE(parse_metric_ref("a{__x=\"c\"}"));
}

namespace {

metrics_registry small_registry() {
  metrics_registry reg;
  reg.describe("events_processed_total", "Events handled.\nPer processor \\ kind.");
  reg.counter("events_processed_total", {{"processor", "task"}}).inc(3);
  reg.counter("events_processed_total", {{"processor", "a\"b\\c\nd"}}).inc(1.5);
  reg.gauge("active_tasks").set(-2);
  reg.describe_histogram("wait_seconds", "Wait time.", {0.5, 1});
  auto& h = reg.histogram("wait_seconds", {{"queue", "q1"}});
  h.observe(0.25);
  h.observe(0.75);
  h.observe(3);
  return reg;
}

} // namespace

TEST_CASE("Prometheus exposition of a small registry") {
  auto text = small_registry().to_prometheus();
  CHECK(text == R"(# HELP active_tasks Tasks created and not yet completed, failed or refused.
# TYPE active_tasks gauge
active_tasks -2
# HELP events_processed_total Events handled.\nPer processor \\ kind.
# TYPE events_processed_total counter
events_processed_total{processor="a\"b\\c\nd"} 1.5
events_processed_total{processor="task"} 3
# HELP wait_seconds Wait time.
# TYPE wait_seconds histogram
wait_seconds_bucket{queue="q1",le="0.5"} 1
wait_seconds_bucket{queue="q1",le="1"} 2
wait_seconds_bucket{queue="q1",le="+Inf"} 3
wait_seconds_sum{queue="q1"} 4
wait_seconds_count{queue="q1"} 3
)");
}

TEST_CASE("promtool accepts the exposition") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    WARN("promtool not installed; skipping the promtool check");
    return;
  }
  metrics_registry reg(10);
  reg.sample(0);
  auto& c = reg.counter("events_processed_total", {{"processor", "task"}});
  c.inc(1000);
  reg.counter("events_failed_total", {{"processor", "task"}}).inc(3);
  reg.counter("dead_letters_total", {{"reason", "bad \"json\"\n\\"}}).inc(2);
  reg.gauge("active_tasks").set(4);
  for (double v : {0.00001, 0.0002, 0.003, 0.04, 0.5, 6.0, 60.0})
    reg.histogram("event_latency_seconds", {{"processor", "task"}}).observe(v);
  reg.sample(1);
  // Families must be unique in one exposition, so each registry's text goes alone.
  for (auto& exposition : {reg.to_prometheus(), small_registry().to_prometheus()}) {
    auto* pipe = popen("promtool check metrics >promtool.out 2>&1", "w");
    REQUIRE(pipe != nullptr);
    std::fwrite(exposition.data(), 1, exposition.size(), pipe);
    auto status = pclose(pipe);
    std::ifstream report("promtool.out");
    std::string problems((std::istreambuf_iterator<char>(report)),
                         std::istreambuf_iterator<char>());
    std::remove("promtool.out");
    INFO(exposition << "\npromtool: " << problems);
    CHECK(status == 0);
  }
}

TEST_CASE("JSON snapshot of the registry") {
  auto json = small_registry().to_json();
  auto& obj = json.as_object();
  CHECK(obj.at("active_tasks").at("type") == "gauge");
  CHECK(obj.at("active_tasks").at("series").at(0).at("value") == -2.0);
  auto& counter = obj.at("events_processed_total");
  CHECK(counter.at("type") == "counter");
  CHECK(counter.at("series").as_array().size() == 2);
  CHECK(counter.at("series").at(1).at("labels").at("processor") == "task");
  auto& hist = obj.at("wait_seconds").at("series").at(0);
  CHECK(hist.at("count") == 3u);
  CHECK(hist.at("sum") == 4.0);
  auto& buckets = hist.at("buckets").as_array();
  REQUIRE(buckets.size() == 3);
  CHECK(buckets[2].at("le") == "+Inf");
  CHECK(buckets[2].at("count") == 3u);
  CHECK(buckets[1].at("count") == 2u);
}

TEST_CASE("a delta survives CAF serialization") {
  metrics_delta d;
  d.add("events_processed_total", {{"processor", "task"}}, 3);
  d.set("active_tasks", {}, 4);
  d.observe("event_latency_seconds", {{"processor", "task"}}, 0.002);
  d.describe("active_tasks", "Open tasks.");
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(sink(d));
  metrics_delta copy;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE_FALSE(source(copy));
  metrics_registry a;
  metrics_registry b;
  a.merge(d);
  b.merge(copy);
  CHECK(a.to_prometheus() == b.to_prometheus());
  CHECK(copy.help.at(0).text == "Open tasks.");
}
