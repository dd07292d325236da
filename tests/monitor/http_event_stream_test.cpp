#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "monitor/event_stream.hpp"

using namespace switchboard;
using namespace std::chrono_literals;

namespace {

std::vector<stream_message_ptr> drain(event_subscription& sub) {
  std::vector<stream_message_ptr> out;
  sub.pop_all(out, 0ms);
  return out;
}

} // namespace

TEST_CASE("a full subscription drops its oldest messages and counts them", "[event_stream]") {
  event_hub hub{3};
  auto sub = hub.subscribe();
  for (int i = 1; i <= 5; ++i)
    CHECK(hub.publish("alert", "{\"n\":" + std::to_string(i) + "}") == 1);
  CHECK(sub->size() == 3);
  CHECK(sub->dropped() == 2);
  auto got = drain(*sub);
  REQUIRE(got.size() == 3);
  CHECK(got[0]->data == "{\"n\":3}");
  CHECK(got[2]->data == "{\"n\":5}");
  CHECK(got[0]->id == 3);
  CHECK(got[2]->id == 5);
  CHECK(got[0]->event == "alert");
}

TEST_CASE("a slow subscriber does not hold back a fast one", "[event_stream]") {
  event_hub hub{2};
  auto slow = hub.subscribe();
  auto fast = hub.subscribe();
  std::size_t fast_seen = 0;
  for (int i = 0; i < 10; ++i) {
    CHECK(hub.publish("notification", "{}") == 2);
    fast_seen += drain(*fast).size();
  }
  CHECK(fast_seen == 10);
  CHECK(fast->dropped() == 0);
  CHECK(slow->size() == 2);
  CHECK(slow->dropped() == 8);
}

TEST_CASE("the hub forgets subscriptions nobody holds", "[event_stream]") {
  event_hub hub;
  auto kept = hub.subscribe();
  {
    auto gone = hub.subscribe();
    CHECK(hub.subscribers() == 2);
  }
  CHECK(hub.subscribers() == 1);
  CHECK(hub.publish("alert", "{}") == 1);
  kept->close();
  CHECK(hub.publish("alert", "{}") == 0);
  CHECK(hub.published() == 2);
}

TEST_CASE("waiting for messages ends idle, with messages or closed", "[event_stream]") {
  event_subscription sub{4};
  std::vector<stream_message_ptr> out;
  CHECK(sub.pop_all(out, 0ms) == event_subscription::wait_result::idle);
  sub.push(std::make_shared<stream_message>(stream_message{7, "alert", "{}"}));
  CHECK(sub.pop_all(out, 0ms) == event_subscription::wait_result::messages);
  CHECK(out.size() == 1);
  sub.close();
  sub.push(std::make_shared<stream_message>(stream_message{8, "alert", "{}"}));
  CHECK(sub.size() == 0);
  CHECK(sub.pop_all(out, 0ms) == event_subscription::wait_result::closed);
}

TEST_CASE("closing a subscription wakes a waiting reader", "[event_stream]") {
  event_subscription sub{4};
  auto result = event_subscription::wait_result::idle;
  std::thread reader{[&] {
    std::vector<stream_message_ptr> out;
    // Without the close this wait would last an hour.
    result = sub.pop_all(out, std::chrono::hours{1});
  }};
  sub.close();
  reader.join();
  CHECK(result == event_subscription::wait_result::closed);
}

TEST_CASE("a closed hub closes new and existing subscriptions", "[event_stream]") {
  event_hub hub;
  auto before = hub.subscribe();
  hub.close_all();
  auto after = hub.subscribe();
  CHECK(before->closed());
  CHECK(after->closed());
  CHECK(hub.publish("alert", "{}") == 0);
}

TEST_CASE("a subscription holds at least one message", "[event_stream]") {
  event_subscription sub{0};
  CHECK(sub.capacity() == 1);
  sub.push(std::make_shared<stream_message>(stream_message{1, "a", "1"}));
  sub.push(std::make_shared<stream_message>(stream_message{2, "a", "2"}));
  auto got = drain(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0]->id == 2);
  CHECK(sub.dropped() == 1);
}
