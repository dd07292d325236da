#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <httplib.h>

#include "actors/notification_logic.hpp"
#include "actors/webhook.hpp"
#include "events/error.hpp"

using namespace switchboard;

namespace {

processors_config two_hooks(int max_retries = 3, int threshold = 2, double open_seconds = 30) {
  processors_config cfg;
  cfg.breaker_failure_threshold = threshold;
  cfg.breaker_open_seconds = open_seconds;
  webhook_spec alerts;
  alerts.name = "alerts";
  alerts.url = "http://127.0.0.1:1/alerts";
  alerts.event_types = {"alert"};
  alerts.max_retries = max_retries;
  webhook_spec all;
  all.name = "all";
  all.url = "http://127.0.0.1:1/all";
  all.max_retries = max_retries;
  all.timeout_seconds = 0.5;
  cfg.webhooks = {alerts, all};
  return cfg;
}

// The socket listens from bind on; wait until the accept loop runs so that stop()
// reaches it.
void wait_running(httplib::Server& server) {
  while (!server.is_running())
    std::this_thread::yield();
}

webhook_retry_options no_jitter() {
  webhook_retry_options opts;
  opts.base_seconds = 1;
  opts.cap_seconds = 8;
  opts.kind = jitter::none;
  return opts;
}

} // namespace

TEST_CASE("webhooks take the event types they list, or all") {
  webhook_planner planner{two_hooks()};
  CHECK(planner.targets("alert") == std::vector<std::string>{"alerts", "all"});
  CHECK(planner.targets("user_notification") == std::vector<std::string>{"all"});
  auto steps = planner.plan("system_update", 0);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action == delivery_action::send);
  CHECK(steps[0].webhook == "all");
  CHECK(steps[0].url == "http://127.0.0.1:1/all");
  CHECK(steps[0].attempt == 1);
  CHECK(steps[0].timeout_seconds == 0.5);
  CHECK(planner.pending() == 1);
  auto done = planner.finish(steps[0].id, true, 0.1);
  REQUIRE(done);
  CHECK(done->action == delivery_action::delivered);
  CHECK(planner.pending() == 0);
  CHECK(planner.delivered() == 1);
}

TEST_CASE("failed deliveries retry with backoff, then give up") {
  webhook_planner planner{two_hooks(2, 100), no_jitter()};
  auto s = planner.plan("user_notification", 0).at(0);
  REQUIRE(s.action == delivery_action::send);
  auto r = planner.finish(s.id, false, 0, "HTTP 500");
  REQUIRE(r);
  CHECK(r->action == delivery_action::wait);
  CHECK(r->at == Approx(1));
  // Not yet due.
  auto early = planner.due(s.id, 0.5);
  REQUIRE(early);
  CHECK(early->action == delivery_action::wait);
  CHECK(early->at == Approx(1));
  auto second = planner.due(s.id, 1);
  REQUIRE(second);
  CHECK(second->action == delivery_action::send);
  CHECK(second->attempt == 2);
  r = planner.finish(s.id, false, 1.2, "HTTP 500");
  REQUIRE(r);
  CHECK(r->action == delivery_action::wait);
  CHECK(r->at == Approx(3.2));
  auto third = planner.due(s.id, 3.2);
  REQUIRE(third);
  CHECK(third->attempt == 3);
  r = planner.finish(s.id, false, 4, "HTTP 503");
  REQUIRE(r);
  CHECK(r->action == delivery_action::give_up);
  CHECK_THAT(r->reason, Catch::Contains("3 attempts") && Catch::Contains("HTTP 503")
                          && Catch::Contains("all"));
  CHECK(planner.given_up() == 1);
  CHECK(planner.pending() == 0);
  auto gone = planner.due(s.id, 5);
  REQUIRE_FALSE(gone);
  CHECK_THAT(error_text(gone.error()), Catch::Contains("not in progress"));
}

TEST_CASE("an open breaker short-circuits attempts until its trial") {
  webhook_planner planner{two_hooks(5, 1, 10), no_jitter()};
  auto a = planner.plan("user_notification", 0).at(0);
  auto b = planner.plan("user_notification", 0).at(0);
  REQUIRE(a.action == delivery_action::send);
  REQUIRE(b.action == delivery_action::send);
  auto ra = planner.finish(a.id, false, 1);
  REQUIRE(ra);
  CHECK(planner.breaker("all")->state() == breaker_state::open);
  // b's request was out before the breaker opened; it fails too.
  REQUIRE(planner.finish(b.id, false, 1));
  // A new notification is refused by the open breaker and waits for the trial.
  auto c = planner.plan("user_notification", 2).at(0);
  CHECK(c.action == delivery_action::wait);
  CHECK(c.at == Approx(11));
  CHECK(planner.short_circuited() == 1);
  // Sending a twice too early is refused.
  CHECK_FALSE(planner.finish(c.id, true, 3));
  auto trial = planner.due(c.id, 11);
  REQUIRE(trial);
  CHECK(trial->action == delivery_action::send);
  CHECK(planner.breaker("all")->state() == breaker_state::half_open);
  // While the trial is out, other deliveries wait.
  auto other = planner.due(a.id, 11);
  REQUIRE(other);
  CHECK(other->action == delivery_action::wait);
  REQUIRE(planner.finish(trial->id, true, 11.5));
  CHECK(planner.breaker("all")->state() == breaker_state::closed);
  CHECK(planner.breaker("nope") == nullptr);
}

TEST_CASE("too many pending deliveries give up at once") {
  webhook_retry_options opts;
  opts.max_pending = 1;
  webhook_planner planner{two_hooks(), opts};
  auto steps = planner.plan("alert", 0);
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].action == delivery_action::send);
  CHECK(steps[1].action == delivery_action::give_up);
  CHECK_THAT(steps[1].reason, Catch::Contains("pending"));
}

TEST_CASE("post_json refuses urls it cannot use") {
  CHECK_THAT(post_json("ftp://x/y", "{}", 1).error, Catch::Contains("http://"));
  CHECK_THAT(post_json("http:///path", "{}", 1).error, Catch::Contains("no host"));
  CHECK_FALSE(post_json("http://", "{}", 1).ok());
}

TEST_CASE("a real webhook on loopback drives the breaker open, half-open and closed") {
  // A server that fails its first three requests, then accepts.
  httplib::Server server;
  std::atomic<int> requests{0};
  std::atomic<int> accepted{0};
  std::string last_body;
  std::mutex body_mutex;
  server.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    if (++requests <= 3) {
      res.status = 500;
      return;
    }
    ++accepted;
    std::lock_guard<std::mutex> guard{body_mutex};
    last_body = req.body;
    res.status = 204;
  });
  auto port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread runner{[&] { server.listen_after_bind(); }};
  wait_running(server);

  processors_config cfg;
  cfg.breaker_failure_threshold = 2;
  cfg.breaker_open_seconds = 30;
  webhook_spec hook;
  hook.name = "ops";
  hook.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  hook.max_retries = 5;
  hook.timeout_seconds = 5;
  cfg.webhooks = {hook};
  webhook_planner planner{cfg, no_jitter()};
  const std::string body = R"({"event_type":"alert","data":{"title":"disk full"}})";

  // The manual clock; the loop plays the notification actor.
  double now = 0;
  auto step = planner.plan("alert", now).at(0);
  std::vector<breaker_state> seen;
  int sends = 0;
  while (step.action == delivery_action::send || step.action == delivery_action::wait) {
    if (step.action == delivery_action::wait) {
      now = step.at;
      auto next = planner.due(step.id, now);
      REQUIRE(next);
      step = *next;
      continue;
    }
    ++sends;
    auto res = post_json(step.url, body, step.timeout_seconds);
    auto next = planner.finish(step.id, res.ok(), now, res.error);
    REQUIRE(next);
    seen.push_back(planner.breaker("ops")->state());
    step = *next;
  }
  server.stop();
  runner.join();

  CHECK(step.action == delivery_action::delivered);
  CHECK(sends == 4);
  CHECK(requests == 4);
  CHECK(accepted == 1);
  CHECK(last_body == body);
  // Failure 1 keeps it closed, failure 2 opens it, the half-open trial fails and
  // opens it again, the next trial succeeds and closes it.
  CHECK(seen == std::vector<breaker_state>{breaker_state::closed, breaker_state::open,
                                           breaker_state::open, breaker_state::closed});
  std::vector<breaker_state> path;
  for (const auto& t : planner.breaker("ops")->transitions())
    path.push_back(t.to);
  CHECK(path == std::vector<breaker_state>{breaker_state::open, breaker_state::half_open,
                                           breaker_state::open, breaker_state::half_open,
                                           breaker_state::closed});
  // Trials came one open period after each opening.
  const auto& log = planner.breaker("ops")->transitions();
  CHECK(log[1].at - log[0].at == Approx(30));
  CHECK(log[3].at - log[2].at == Approx(30));
  CHECK(planner.short_circuited() == 0);
}

TEST_CASE("a webhook that does not answer in time fails with the reason") {
  // The handler answers later than the client waits for.
  httplib::Server server;
  server.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    res.status = 200;
  });
  auto port = server.bind_to_any_port("127.0.0.1");
  std::thread runner{[&] { server.listen_after_bind(); }};
  wait_running(server);
  auto res = post_json("http://127.0.0.1:" + std::to_string(port) + "/slow", "{}", 0.1);
  server.stop();
  runner.join();
  CHECK_FALSE(res.ok());
  CHECK(res.status == 0);
  CHECK_THAT(res.error, Catch::Contains("failed"));
  // Nothing listens on the port any more: the connection is refused.
  auto refused = post_json("http://127.0.0.1:" + std::to_string(port) + "/slow", "{}", 1);
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.error, Catch::Contains("127.0.0.1"));
}
