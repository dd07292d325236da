// The REST API, event stream and web page over real HTTP on loopback, in front of the
// real demo pipeline fed by the generator; curl and headless Chromium are the clients.

#include <catch2/catch.hpp>

#include <future>
#include <regex>
#include <thread>

#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "demo/generator.hpp"
#include "monitor/event_stream.hpp"
#include "monitor/http_server.hpp"
#include "tests/demo/pipeline_support.hpp"
#include "tests/support/run.hpp"

using namespace switchboard;
using namespace switchboard::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* token = "e2e-token";

/// One answer as curl saw it.
struct reply {
  int status = 0;
  std::string body;
  std::string headers;

  boost::json::value json() const {
    boost::json::error_code ec;
    auto v = boost::json::parse(body, ec);
    INFO(body);
    REQUIRE(!ec);
    return v;
  }
};

/// The demo pipeline at a modest rate behind the HTTP server on a picked port.
struct live_pipeline {
  test_system ts;
  pipeline p;
  http_frontend web;

  explicit live_pipeline(std::optional<std::string> api_token = std::string{token},
                         double error_rate = 2) {
    auto& sys = *ts.sys;
    auto cfg = parse_config(builtin_demo_config());
    REQUIRE(cfg);
    pipeline_options opts;
    opts.keep_per_topic = 16;
    opts.monitor_tick_ms = 200;
    p = ts.own(start_pipeline(sys, *cfg, opts));
    generator_config gc;
    gc.traffic.seed = 11;
    gc.traffic.error_rate = error_rate;
    gc.rate = 2000;
    gc.duration_seconds = 300;
    gc.dispatcher = p.dispatcher;
    ts.own(spawn_generator(sys, gc));
    auto fe = start_http(sys, p, "127.0.0.1:0", std::move(api_token));
    REQUIRE(fe);
    web = *fe;
  }

  ~live_pipeline() {
    web.server->stop();
  }

  std::string url(const std::string& path = {}) const {
    return web.server->url() + path;
  }

  /// Runs curl against `path` with extra arguments placed before the URL.
  reply curl(const std::string& path, const std::string& args = {}) const {
    temp_file headers;
    auto r = run("curl -sS --max-time 20 -D " + headers.path() + " -w '\\n%{http_code}' " + args
                 + " '" + url(path) + "'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    reply out;
    auto nl = r.out.rfind('\n');
    REQUIRE(nl != std::string::npos);
    out.status = std::stoi(r.out.substr(nl + 1));
    out.body = r.out.substr(0, nl);
    out.headers = headers.read();
    return out;
  }

  /// The dashboard once the monitor has measured traffic.
  boost::json::value busy_dashboard() const {
    boost::json::value d;
    for (int i = 0; i < 150; ++i) {
      auto r = curl("/api/dashboard");
      if (r.status == 200) {
        d = r.json();
        auto& m = d.at("metrics");
        auto& procs = d.at("processors").as_object();
        // Processor rates need two refreshes of the dashboard actor.
        auto* doc = procs.if_contains("document");
        if (m.at("events_per_second").to_number<double>() > 0 && doc != nullptr
            && doc->at("events_per_second").to_number<double>() > 0)
          return d;
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL("the dashboard never showed traffic: " << boost::json::serialize(d));
    return d;
  }

  uint64_t count(const std::string& topic) {
    return topic_count(*ts.sys, p.sink, topic);
  }
};

std::string auth(const std::string& t = token) {
  return "-H 'Authorization: Bearer " + t + "' ";
}

std::string json_body(const std::string& body) {
  return "-H 'Content-Type: application/json' --data-binary '" + body + "' ";
}

double number(const boost::json::value& v) {
  return v.to_number<double>();
}

bool has_program(const std::string& name) {
  return run("command -v " + name).exit_code == 0;
}

/// Waits up to `limit` for `pred`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 15s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

const char* always_rule = R"({"name":"always","metric":"events_per_second","condition":"gt",)"
                          R"("threshold":0,"severity":"warning","for":0})";

const char* processor_names[] = {"document", "task", "agent", "analytics", "notification"};

} // namespace

TEST_CASE("the dashboard API shows the running pipeline's figures", "[http][e2e]") {
  live_pipeline lp;
  auto d = lp.busy_dashboard();
  auto& o = d.as_object();
  for (auto* key : {"timestamp", "uptime_seconds", "component_health", "metrics", "alerts",
                    "processors", "history", "notifications"})
    CHECK(o.contains(key));
  auto& m = o.at("metrics").as_object();
  CHECK(number(m.at("events_per_second")) > 0);
  for (auto* key : {"avg_latency_ms", "p99_latency_ms", "error_rate", "active_tasks"})
    CHECK(m.contains(key));
  CHECK(number(m.at("p99_latency_ms")) >= number(m.at("avg_latency_ms")));
  auto& health = o.at("component_health").as_object();
  CHECK(health.contains("dispatcher"));
  for (auto* name : processor_names) {
    INFO(name);
    auto& h = health.at(std::string{"processor."} + name).as_object();
    CHECK(h.at("status").is_string());
    CHECK(h.at("message").is_string());
  }
  auto& procs = o.at("processors").as_object();
  for (auto* name : processor_names) {
    INFO(name);
    auto& p = procs.at(name).as_object();
    for (auto* key : {"status", "queue_depth", "events_per_second", "processed_total",
                      "errors_total", "avg_latency_ms"})
      CHECK(p.contains(key));
    CHECK(number(p.at("queue_depth")) >= 0);
  }
  CHECK(number(procs.at("document").at("processed_total")) > 0);
  CHECK(number(procs.at("document").at("events_per_second")) > 0);
  auto& alerts = o.at("alerts").as_object();
  CHECK(alerts.contains("active_count"));
  CHECK(alerts.contains("total_triggered"));
  auto& eps = o.at("history").at("events_per_second").as_array();
  CHECK(!eps.empty());
  CHECK(eps.size() <= 120);
}

TEST_CASE("health, readiness, metrics and alerts answer from the running pipeline",
          "[http][e2e]") {
  live_pipeline lp;
  auto live = lp.curl("/api/health");
  CHECK(live.status == 200);
  CHECK(live.json().at("status") == "alive");

  // Ready once the dispatcher reported to the monitor.
  reply ready;
  CHECK(eventually([&] { return (ready = lp.curl("/api/ready")).status == 200; }));
  CHECK(ready.json().at("ready") == true);

  lp.busy_dashboard();
  auto metrics = lp.curl("/api/metrics");
  REQUIRE(metrics.status == 200);
  auto mj = metrics.json();
  REQUIRE(mj.is_object());
  CHECK(!mj.as_object().empty());

  auto prom = lp.curl("/metrics");
  REQUIRE(prom.status == 200);
  CHECK_THAT(prom.headers, Catch::Contains("text/plain; version=0.0.4"));
  CHECK_THAT(prom.body, Catch::Contains("# TYPE "));
  if (has_program("promtool")) {
    temp_file exposition{prom.body};
    auto check = run("promtool check metrics < " + exposition.path());
    INFO(prom.body << "\npromtool: " << check.out << check.err);
    CHECK(check.exit_code == 0);
  } else {
    WARN("promtool is not installed (scripts/install-deps.sh installs it)");
  }

  auto alerts = lp.curl("/api/alerts");
  REQUIRE(alerts.status == 200);
  auto aj = alerts.json();
  CHECK(aj.at("active").is_array());
  CHECK(aj.at("recent").is_array());
}

TEST_CASE("failing input makes processors unhealthy but leaves the node ready",
          "[http][e2e]") {
  live_pipeline lp{std::string{token}, 80};
  CHECK(eventually([&] {
    auto d = lp.curl("/api/dashboard").json();
    if (number(d.at("metrics").at("error_rate")) <= 25)
      return false;
    for (auto& [name, h] : d.at("component_health").as_object())
      if (h.at("status") == "unhealthy")
        return true;
    return false;
  }));
  auto ready = lp.curl("/api/ready");
  CHECK(ready.status == 200);
  CHECK(ready.json().at("ready") == true);
}

TEST_CASE("alert rules change only with the right token", "[http][e2e]") {
  live_pipeline lp;
  auto missing = lp.curl("/api/alerts/rules", "-X POST " + json_body(always_rule));
  CHECK(missing.status == 401);
  CHECK_THAT(missing.headers, Catch::Contains("WWW-Authenticate: Bearer"));
  CHECK(missing.json().at("status") == 401);
  CHECK_THAT(std::string{missing.json().at("error").as_string()},
             Catch::Contains("Authorization: Bearer"));

  auto wrong = lp.curl("/api/alerts/rules", "-X POST " + auth("nope") + json_body(always_rule));
  CHECK(wrong.status == 401);
  CHECK(wrong.json().at("error") == "invalid API token");

  auto added = lp.curl("/api/alerts/rules", "-X POST " + auth() + json_body(always_rule));
  CHECK(added.status == 201);
  CHECK(added.json().at("name") == "always");

  auto listed = lp.curl("/api/alerts/rules").json();
  bool found = false;
  for (auto& r : listed.at("rules").as_array())
    found = found || r.at("name") == "always";
  CHECK(found);

  auto again = lp.curl("/api/alerts/rules", "-X POST " + auth() + json_body(always_rule));
  CHECK(again.status == 409);

  auto invalid = lp.curl("/api/alerts/rules",
                         "-X POST " + auth()
                           + json_body(R"({"name":"bad","metric":"events_per_second",)"
                                       R"("condition":"sideways","threshold":"x"})"));
  CHECK(invalid.status == 400);
  auto errors = invalid.json().at("errors").as_array();
  REQUIRE(!errors.empty());
  CHECK_THAT(std::string{errors.at(0).as_string()}, Catch::Contains("alert_rules[0]"));

  // The rule fires on the live traffic.
  CHECK(eventually([&] {
    auto alerts = lp.curl("/api/alerts").json();
    for (auto& a : alerts.at("active").as_array())
      if (a.at("rule") == "always")
        return true;
    return false;
  }));

  auto unauth_delete = lp.curl("/api/alerts/rules/always", "-X DELETE");
  CHECK(unauth_delete.status == 401);
  auto removed = lp.curl("/api/alerts/rules/always", "-X DELETE " + auth());
  CHECK(removed.status == 200);
  CHECK(removed.json().at("deleted") == "always");
  auto gone = lp.curl("/api/alerts/rules?name=always", "-X DELETE " + auth());
  CHECK(gone.status == 404);
  CHECK(gone.json().at("status") == 404);
}

TEST_CASE("without a configured token the changing calls are forbidden", "[http][e2e]") {
  live_pipeline lp{std::string{}};
  auto post = lp.curl("/api/alerts/rules", "-X POST " + auth("anything") + json_body(always_rule));
  CHECK(post.status == 403);
  CHECK_THAT(std::string{post.json().at("error").as_string()},
             Catch::Contains("SWITCHBOARD_API_TOKEN"));
  auto put = lp.curl("/api/routes", "-X PUT " + json_body(R"({"routes":[]})"));
  CHECK(put.status == 403);
  CHECK(lp.curl("/api/routes").status == 200);
}

TEST_CASE("new routes put through the API take effect; refused ones leave the old",
          "[http][e2e]") {
  live_pipeline lp;
  lp.busy_dashboard();
  auto before = lp.curl("/api/routes");
  REQUIRE(before.status == 200);
  auto names = [](const boost::json::value& v) {
    std::vector<std::string> out;
    for (auto& r : v.at("routes").as_array())
      out.emplace_back(r.at("name").as_string());
    return out;
  };
  auto old_names = names(before.json());
  CHECK(std::find(old_names.begin(), old_names.end(), "document-events") != old_names.end());
  CHECK(lp.count("firehose") == 0);

  // Refused: every problem named by its JSON path; the running routes stay.
  auto refused = lp.curl("/api/routes",
                         "-X PUT " + auth()
                           + json_body(R"({"routes":[{"name":"a","target_topics":[]},)"
                                       R"({"name":"b","event_types":[5],"target_topics":["x"]}]})"));
  CHECK(refused.status == 400);
  auto rj = refused.json();
  CHECK(rj.at("status") == 400);
  std::string all_errors;
  for (auto& e : rj.at("errors").as_array())
    all_errors += std::string{e.as_string()} + "\n";
  CHECK_THAT(all_errors, Catch::Contains("routes[0]"));
  CHECK_THAT(all_errors, Catch::Contains("routes[1]"));
  CHECK(names(lp.curl("/api/routes").json()) == old_names);

  // Accepted: everything goes to one new topic from now on.
  auto documents_before = lp.count("documents");
  auto accepted = lp.curl(
    "/api/routes", "-X PUT " + auth() + json_body(R"({"routes":[{"name":"everything",)"
                                                   R"("target_topics":["firehose"]}]})"));
  CHECK(accepted.status == 200);
  CHECK(names(accepted.json()) == std::vector<std::string>{"everything"});
  CHECK(names(lp.curl("/api/routes").json()) == std::vector<std::string>{"everything"});
  CHECK(eventually([&] { return lp.count("firehose") > 0; }));
  auto documents_after = lp.count("documents");
  CHECK(documents_after >= documents_before);
  auto firehose = lp.count("firehose");
  CHECK(eventually([&] { return lp.count("firehose") > firehose + 1000; }));
  CHECK(lp.count("documents") == documents_after);
  auto kept_records = kept(*lp.ts.sys, lp.p.sink, "firehose");
  REQUIRE(!kept_records.empty());
  CHECK_THAT(kept_records.back(), Catch::Contains("\"event_type\""));
}

TEST_CASE("bad requests to the running pipeline get JSON errors", "[http][e2e]") {
  live_pipeline lp;
  auto wrong = lp.curl("/api/routes", "-X DELETE " + auth());
  CHECK(wrong.status == 405);
  CHECK_THAT(wrong.headers, Catch::Contains("Allow: GET, HEAD, PUT, OPTIONS"));
  CHECK(wrong.json().at("status") == 405);
  CHECK(lp.curl("/api/dashboard", "-X POST " + auth() + json_body("{}")).status == 405);

  auto unknown = lp.curl("/api/nothing-here");
  CHECK(unknown.status == 404);
  CHECK_THAT(unknown.headers, Catch::Contains("application/json"));
  CHECK_THAT(std::string{unknown.json().at("error").as_string()},
             Catch::Contains("/api/nothing-here"));

  temp_file big{"{\"routes\":[\"" + std::string(std::size_t{1} << 20, 'x') + "\"]}"};
  auto large = lp.curl("/api/routes", "-X PUT " + auth()
                                        + "-H 'Content-Type: application/json' --data-binary @"
                                        + big.path());
  CHECK(large.status == 413);
  CHECK(large.json().at("status") == 413);

  auto bad = lp.curl("/api/routes", "-X PUT " + auth() + json_body(R"({"routes": [)"));
  CHECK(bad.status == 400);
  CHECK_THAT(std::string{bad.json().at("error").as_string()}, Catch::Contains("line 1"));
  CHECK(lp.curl("/api/routes").json().at("routes").as_array().size() > 1);
}

TEST_CASE("the event stream delivers alerts from API rules and notifications",
          "[http][e2e][sse]") {
  live_pipeline lp;
  lp.busy_dashboard();
  auto stream = std::async(std::launch::async, [&lp] {
    return run("curl -sN --max-time 6 '" + lp.url("/api/events/stream") + "'");
  });
  REQUIRE(eventually([&] { return lp.p.hub->subscribers() > 0; }));
  auto added = lp.curl("/api/alerts/rules", "-X POST " + auth() + json_body(always_rule));
  CHECK(added.status == 201);
  auto out = stream.get().out;
  INFO(out);
  CHECK_THAT(out, Catch::StartsWith("retry: 3000\n: connected\n\n"));
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex{"event: alert\ndata: (.*)\n"}));
  auto alert = boost::json::parse(m[1].str());
  CHECK(alert.at("name") == "always");
  CHECK(alert.at("severity") == "warning");
  CHECK(alert.at("state") == "firing");
  CHECK(number(alert.at("value")) > 0);
  // The demo's task lifecycles end in user notifications from the notification processor.
  REQUIRE(std::regex_search(out, m, std::regex{"event: notification\ndata: (.*)\n"}));
  auto note = boost::json::parse(m[1].str());
  CHECK_THAT(std::string{note.at("title").as_string()}, Catch::Contains("Task "));
  CHECK(note.at("event_type") == "user_notification");
}

TEST_CASE("the web page shows the running pipeline in a browser", "[http][e2e][page]") {
  if (!has_program("chromium")) {
    WARN("chromium is not installed (scripts/install-deps.sh installs it); skipping");
    return;
  }
  live_pipeline lp;
  lp.busy_dashboard();
  REQUIRE(lp.curl("/api/alerts/rules", "-X POST " + auth() + json_body(always_rule)).status
          == 201);
  REQUIRE(eventually([&] {
    auto alerts = lp.curl("/api/alerts").json();
    return !alerts.at("active").as_array().empty();
  }));
  // Headless Chromium's virtual time stands still while the event stream is open: once
  // the page has subscribed and had time for its first polls, the streams are closed so
  // the budget can run out and the DOM is dumped.
  auto hub = lp.p.hub;
  auto closer = std::async(std::launch::async, [hub] {
    bool opened = false;
    for (int i = 0; i < 3000 && !(opened = hub->subscribers() > 0); ++i)
      std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(1500ms);
    hub->close_all();
    return opened;
  });
  char profile[] = "/tmp/sbtest-chromium-XXXXXX";
  REQUIRE(::mkdtemp(profile) != nullptr);
  auto chromium = [&](const std::string& output) {
    return run("timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic "
               "--no-first-run --disable-background-networking --disable-component-update "
               "--disable-sync --virtual-time-budget=3000 --window-size=1400,1100 "
               "--user-data-dir="
               + std::string{profile} + " " + output + " '" + lp.url("/") + "'");
  };
  auto dom = chromium("--dump-dom");
  // For a person to look at: the streams are closed now, so the page settles at once.
  if (const char* dir = std::getenv("SWITCHBOARD_SCREENSHOT_DIR"))
    chromium("--screenshot=" + std::string{dir} + "/dashboard.png");
  run("rm -rf " + std::string{profile});
  CHECK(closer.get());
  REQUIRE(dom.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(dom.out, m,
                            std::regex{R"re(id="kpi-eps" data-value="([0-9.]+)">([^<]*)<)re"}));
  CHECK(std::stod(m[1].str()) > 0);
  CHECK(m[2].str() != "0");
  for (auto* proc : processor_names)
    CHECK(dom.out.find(std::string{"data-processor=\""} + proc + "\"") != std::string::npos);
  CHECK(std::regex_search(dom.out, std::regex{R"re(data-component="dispatcher")re"}));
  CHECK(dom.out.find("class=\"banner show\"") == std::string::npos);
  CHECK(dom.out.find("Waiting for the first snapshot") == std::string::npos);
  // Figures only the running pipeline has: its own latency per processor, the alert
  // fired by the rule added above, task notifications.
  CHECK(std::regex_search(dom.out, std::regex{R"re(data-processor="task">.*?([1-9][0-9]*\.[0-9]+|0\.[0-9]*[1-9][0-9]*) ms<)re"}));
  CHECK(dom.out.find("data-alert=\"always\"") != std::string::npos);
  CHECK(dom.out.find("Task task-") != std::string::npos);
  CHECK(dom.out.find(">task processor<") != std::string::npos);
}
