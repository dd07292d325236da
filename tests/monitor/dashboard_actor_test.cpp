// The dashboard actor between the HTTP API and the pipeline: route reloads and what it
// publishes on the event stream, against stand-in actors.

#include <catch2/catch.hpp>

#include <thread>

#include <boost/json/parse.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/protocol.hpp"
#include "monitor/dashboard_actor.hpp"
#include "monitor/event_stream.hpp"
#include "monitor/monitor_actor.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const switchboard::route_table>)

using namespace switchboard;
using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<caf::actor> owned;

  ~fixture() {
    for (auto& a : owned)
      caf::anon_send_exit(a, caf::exit_reason::kill);
  }

  caf::actor own(caf::actor a) {
    owned.push_back(a);
    return a;
  }

  /// Asks the dashboard and returns its text answer, or the error's text.
  std::string ask(const caf::actor& dashboard, caf::message msg) {
    caf::scoped_actor self{sys};
    std::string out;
    self->request(dashboard, 5s, std::move(msg))
      .receive([&](std::string& text) { out = text; },
               [&](caf::error& err) { out = "error: " + caf::to_string(err); });
    return out;
  }
};

// Stands in for the dispatcher: takes reloads and, like every event-based actor by
// default, quits on a stray error message.
caf::behavior fake_dispatcher(caf::event_based_actor*, std::shared_ptr<int> reloads) {
  return {
    [=](reload_atom, std::shared_ptr<const route_table>&) {
      ++*reloads;
      return true;
    },
    [](stats_atom) { return std::string{"alive"}; },
  };
}

std::string route_names(const std::string& json) {
  std::string out;
  auto doc = boost::json::parse(json);
  for (auto& r : doc.at("routes").as_array())
    out += std::string{r.at("name").as_string()} + ";";
  return out;
}

const char* new_routes = R"({"routes":[{"name":"everything","target_topics":["firehose"]}]})";

} // namespace

TEST_CASE("a route reload is confirmed by the dispatcher, which stays up") {
  fixture f;
  auto reloads = std::make_shared<int>(0);
  auto dispatcher = f.own(f.sys.spawn(fake_dispatcher, reloads));
  dashboard_config dc;
  dc.dispatcher = dispatcher;
  auto dashboard = f.own(spawn_dashboard(f.sys, dc));
  CHECK(f.ask(dashboard, caf::make_message(reload_atom::value, std::string{new_routes})).empty());
  CHECK(*reloads == 1);
  CHECK(route_names(f.ask(dashboard, caf::make_message(snapshot_atom::value,
                                                       std::string{"routes"})))
        == "everything;");
  // The dispatcher's answer went to a waiting request, not back to it as an error.
  caf::scoped_actor self{f.sys};
  std::string answer;
  self->request(dispatcher, 5s, stats_atom::value)
    .receive([&](std::string& s) { answer = s; }, [&](caf::error&) {});
  CHECK(answer == "alive");
}

TEST_CASE("a route reload the dispatcher cannot take leaves the old routes") {
  fixture f;
  auto reloads = std::make_shared<int>(0);
  auto gone = f.sys.spawn(fake_dispatcher, reloads);
  {
    caf::scoped_actor self{f.sys};
    self->monitor(gone);
    caf::anon_send_exit(gone, caf::exit_reason::kill);
    self->receive([](caf::down_msg&) {});
  }
  dashboard_config dc;
  dc.dispatcher = gone;
  auto old = parse_routes(R"({"routes":[{"name":"old","target_topics":["t"]}]})");
  REQUIRE(old);
  dc.routes = *old;
  auto dashboard = f.own(spawn_dashboard(f.sys, dc));
  auto answer = f.ask(dashboard, caf::make_message(reload_atom::value, std::string{new_routes}));
  CHECK_THAT(answer, Catch::StartsWith("error: "));
  CHECK(route_names(f.ask(dashboard, caf::make_message(snapshot_atom::value,
                                                       std::string{"routes"})))
        == "old;");
  // Invalid routes are refused before the dispatcher is asked, naming the JSON path.
  auto invalid = f.ask(dashboard, caf::make_message(reload_atom::value,
                                                    std::string{R"({"routes":[{"name":"x"}]})"}));
  CHECK_THAT(invalid, Catch::Contains("routes[0]"));
}

TEST_CASE("alert events from the pipeline reach the stream as alerts") {
  fixture f;
  dashboard_config dc;
  dc.hub = std::make_shared<event_hub>();
  auto sub = dc.hub->subscribe();
  auto dashboard = f.own(spawn_dashboard(f.sys, dc));
  caf::anon_send(dashboard, notify_atom::value,
                 std::string{R"({"type":"alert","event":{"event_type":"alert",)"
                             R"("timestamp":"2026-11-23T10:00:00.000Z","data":{)"
                             R"("title":"Anomalous rate of metrics","message":"9 events/s",)"
                             R"("severity":"warning","recipient":"operations"}}})"});
  caf::anon_send(dashboard, notify_atom::value,
                 std::string{R"({"type":"notification","event":{"event_type":"user_notification",)"
                             R"("data":{"title":"Task t-1 completed","severity":"info"}}})"});
  std::vector<stream_message_ptr> got;
  for (int i = 0; i < 100 && got.size() < 2; ++i)
    sub->pop_all(got, 100ms);
  REQUIRE(got.size() == 2);
  CHECK(got[0]->event == "alert");
  auto alert = boost::json::parse(got[0]->data);
  CHECK(alert.at("name") == "Anomalous rate of metrics");
  CHECK(alert.at("severity") == "warning");
  CHECK(alert.at("message") == "9 events/s");
  CHECK(alert.at("state") == "firing");
  CHECK(alert.at("timestamp") == "2026-11-23T10:00:00.000Z");
  CHECK(got[1]->event == "notification");
  auto note = boost::json::parse(got[1]->data);
  CHECK(note.at("title") == "Task t-1 completed");
  CHECK(note.at("event_type") == "user_notification");
}

namespace {

std::vector<std::string> note_batch(int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i)
    out.push_back(R"({"type":"notification","event":{"event_type":"user_notification",)"
                  R"("data":{"title":"note )" + std::to_string(i) + R"("}}})");
  return out;
}

} // namespace

TEST_CASE("processor notification batches reach the page and the stream readers") {
  fixture f;
  dashboard_config dc;
  dc.monitor = f.own(spawn_monitor(f.sys, monitor_config{}));
  dc.hub = std::make_shared<event_hub>();
  dc.tick_ms = 20;
  auto dashboard = f.own(spawn_dashboard(f.sys, dc));
  // Nobody reads the stream: the page still lists the latest 50 notifications.
  caf::anon_send(dashboard, notify_atom::value, note_batch(0, 40));
  caf::anon_send(dashboard, notify_atom::value, note_batch(40, 30));
  auto titles = [&] {
    auto snap = boost::json::parse(f.ask(dashboard, caf::make_message(
                                                      snapshot_atom::value,
                                                      std::string{"dashboard"})));
    std::vector<std::string> out;
    for (auto& n : snap.at("notifications").as_array())
      out.emplace_back(n.at("title").as_string());
    return out;
  };
  std::vector<std::string> seen;
  for (int i = 0; i < 200 && (seen.empty() || seen.front() != "note 69"); ++i) {
    std::this_thread::sleep_for(10ms);
    seen = titles();
  }
  REQUIRE(seen.size() == 50);
  CHECK(seen.front() == "note 69"); // newest first
  CHECK(seen.back() == "note 20");
  CHECK(dc.hub->published() == 0);
  // A reader gets every message of a batch, in order.
  auto sub = dc.hub->subscribe();
  caf::anon_send(dashboard, notify_atom::value, note_batch(70, 3));
  std::vector<stream_message_ptr> got;
  for (int i = 0; i < 100 && got.size() < 3; ++i)
    sub->pop_all(got, 100ms);
  REQUIRE(got.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(got[i]->event == "notification");
    CHECK(boost::json::parse(got[i]->data).at("title").as_string()
          == ("note " + std::to_string(70 + i)).c_str());
  }
}

TEST_CASE("the dashboard cache serves a snapshot only while it is fresh") {
  dashboard_cache cache;
  auto t0 = dashboard_cache::clock_type::time_point{} + 100s;
  CHECK(cache.load(3s, t0) == nullptr);
  cache.store("{\"a\":1}", t0);
  auto fresh = cache.load(3s, t0 + 3s);
  REQUIRE(fresh != nullptr);
  CHECK(*fresh == "{\"a\":1}");
  CHECK(cache.load(3s, t0 + 3001ms) == nullptr);
  cache.store("{\"a\":2}", t0 + 4s);
  // A reader keeps the snapshot it loaded while a newer one replaces it.
  CHECK(*fresh == "{\"a\":1}");
  CHECK(*cache.load(3s, t0 + 5s) == "{\"a\":2}");
}
