#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "actors/processors.hpp"
#include "tests/actors/processor_harness.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

event_ptr note(processor_harness& h, std::string_view kind, std::string_view title,
               std::string_view recipient = "alice") {
  return must(h.input.create_notification_event(kind, recipient, title, "details", "warning"));
}

// A webhook endpoint on loopback that records what it receives.
class hook_server {
public:
  explicit hook_server(int status) {
    server_.Post("/hook", [this, status](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> guard{mtx_};
        bodies_.push_back(req.body);
      }
      cv_.notify_all();
      res.status = status;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    runner_ = std::thread{[this] { server_.listen_after_bind(); }};
    while (!server_.is_running())
      std::this_thread::yield();
  }

  ~hook_server() {
    server_.stop();
    runner_.join();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
  }

  // Waits (bounded) until `n` requests arrived; returns their bodies.
  std::vector<std::string> wait_for(std::size_t n) {
    std::unique_lock<std::mutex> lock{mtx_};
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return bodies_.size() >= n; });
    return bodies_;
  }

private:
  httplib::Server server_;
  int port_ = 0;
  std::thread runner_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::string> bodies_;
};

processors_config with_hook(const std::string& url, int max_retries) {
  processors_config cfg;
  webhook_spec hook;
  hook.name = "ops";
  hook.url = url;
  hook.max_retries = max_retries;
  hook.timeout_seconds = 5;
  cfg.webhooks = {hook};
  return cfg;
}

// Ticks until the processor's statistics satisfy `done`; the webhook request runs on
// the processor's own thread, so its outcome arrives on a later tick.
template <class Pred>
bool tick_until(processor_harness& h, Pred done) {
  for (int i = 0; i < 1000; ++i) {
    h.tick();
    if (done(h.stats()))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

} // namespace

TEST_CASE("notifications reach stream subscribers once per dedupe window") {
  processors_config cfg;
  cfg.dedupe_window_seconds = 60;
  processor_harness h{make_notification_processor(cfg)};
  auto first = note(h, "user_notification", "Task t-1 completed");
  auto r = h.handle(first);
  CHECK(r.rejection.empty());
  CHECK(r.outputs.empty());
  REQUIRE(r.notifications.size() == 1);
  auto msg = boost::json::parse(r.notifications[0]).as_object();
  CHECK(msg.at("type").as_string() == "notification");
  CHECK(msg.at("event").at("event_id").as_string() == first->event_id());
  CHECK(msg.at("event").at("data").at("title").as_string() == "Task t-1 completed");

  // The same notification again within the window is dropped.
  h.now += 30;
  CHECK(h.handle(note(h, "user_notification", "Task t-1 completed")).notifications.empty());
  // Another recipient or title is not a repeat.
  CHECK(h.handle(note(h, "user_notification", "Task t-1 completed", "bob")).notifications.size()
        == 1);
  // After the window the notification passes again.
  h.now += 31;
  CHECK(h.handle(note(h, "user_notification", "Task t-1 completed")).notifications.size() == 1);

  r = h.handle(note(h, "alert", "Disk full"));
  REQUIRE(r.notifications.size() == 1);
  CHECK(boost::json::parse(r.notifications[0]).at("type").as_string() == "alert");

  auto s = h.stats();
  CHECK(count_at(s, "notifications") == 4);
  CHECK(count_at(s, "deduplicated") == 1);
  CHECK(count_at(s, "by_type.alert") == 1);
  CHECK(count_at(s, "handled") == 5);
}

TEST_CASE("notifications are delivered to a webhook") {
  hook_server server{204};
  processor_harness h{make_notification_processor(with_hook(server.url(), 3))};
  auto ev = note(h, "alert", "Queue backlog");
  h.handle(ev);
  auto bodies = server.wait_for(1);
  REQUIRE(bodies.size() == 1);
  CHECK(bodies[0] == ev->bytes());
  CHECK(tick_until(h, [](const boost::json::object& s) { return count_at(s, "delivered") == 1; }));
  auto s = h.stats();
  CHECK(count_at(s, "webhooks.ops.successes") == 1);
  CHECK(count_at(s, "webhooks.ops.failures") == 0);
  CHECK(at_path(s, "webhooks.ops.state").as_string() == "closed");
  CHECK(count_at(s, "pending") == 0);
}

TEST_CASE("a failing webhook is retried, then given up") {
  hook_server server{500};
  processor_harness h{make_notification_processor(with_hook(server.url(), 1))};
  h.handle(note(h, "system_update", "Maintenance"));
  CHECK(server.wait_for(1).size() == 1);
  // The failure comes back and schedules a retry within the backoff cap.
  CHECK(tick_until(h, [](const boost::json::object& s) {
    return count_at(s, "webhooks.ops.failures") == 1;
  }));
  h.now += 60;
  h.tick();
  CHECK(server.wait_for(2).size() == 2);
  CHECK(tick_until(h, [](const boost::json::object& s) { return count_at(s, "given_up") == 1; }));
  auto s = h.stats();
  CHECK(count_at(s, "webhooks.ops.failures") == 2);
  CHECK(count_at(s, "delivered") == 0);
  CHECK(count_at(s, "pending") == 0);
}
