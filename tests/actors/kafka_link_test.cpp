#include "actors/kafka_link.hpp"

#include <catch2/catch.hpp>

#include "tests/support/quiet_log.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

kafka_client_error down_error() {
  return {kafka_errc::brokers_down, "kafka producer: all brokers are down"};
}

} // namespace

TEST_CASE("kafka link: down once, reminders at growing intervals, back once", "[kafka]") {
  quiet_log quiet;
  kafka_link link{"kafka_sink", "127.0.0.1:9092"};
  CHECK_FALSE(link.down());
  CHECK_FALSE(link.on_tick(false, false, 0));
  auto change = link.on_error(down_error(), 10);
  REQUIRE(change);
  CHECK(change->down);
  CHECK(change->message.find("127.0.0.1:9092 unreachable") != std::string::npos);
  CHECK(link.down());
  // Repeated reports of the same outage change nothing.
  CHECK_FALSE(link.on_error(down_error(), 10.5));
  // The client still sees the brokers down: reminders after 1, 2, 4 ... seconds.
  CHECK_FALSE(link.on_tick(true, false, 10.9));
  CHECK(link.reminders() == 0);
  CHECK_FALSE(link.on_tick(true, false, 11.0));
  CHECK(link.reminders() == 1);
  CHECK(link.next_reminder() == Approx(13.0));
  CHECK_FALSE(link.on_tick(true, false, 12.9));
  CHECK(link.reminders() == 1);
  link.on_tick(true, false, 13.0);
  CHECK(link.reminders() == 2);
  CHECK(link.next_reminder() == Approx(17.0));
  change = link.on_tick(false, false, 20);
  REQUIRE(change);
  CHECK_FALSE(change->down);
  CHECK(change->message.find("after 10 s") != std::string::npos);
  CHECK_FALSE(link.down());
  CHECK(link.errors() == 2);
}

TEST_CASE("kafka link: reminder gaps stop growing at a minute", "[kafka]") {
  quiet_log quiet;
  kafka_link link{"kafka_source", "b:1"};
  link.on_error(down_error(), 0);
  double now = 0;
  for (int i = 0; i < 20; ++i) {
    now = link.next_reminder();
    link.on_tick(true, false, now);
  }
  CHECK(link.next_reminder() - now == Approx(60.0));
}

TEST_CASE("kafka link: transport errors do not take the link down", "[kafka]") {
  quiet_log quiet;
  kafka_link link{"kafka_source", "b:1"};
  CHECK_FALSE(link.on_error({kafka_errc::transport, "connection refused"}, 0));
  CHECK_FALSE(link.on_error({kafka_errc::commit_failed, "commit failed"}, 1));
  CHECK_FALSE(link.down());
  CHECK(link.errors() == 2);
}

TEST_CASE("kafka link: a fatal error is unhealthy until the client was recreated", "[kafka]") {
  quiet_log quiet;
  kafka_link link{"kafka_sink", "b:1"};
  auto change = link.on_error({kafka_errc::fatal, "kafka producer: fatal error: fenced"}, 0);
  REQUIRE(change);
  CHECK(change->down);
  CHECK(change->message.find("fenced") != std::string::npos);
  CHECK(link.failed());
  // Repeats while recovering change nothing; neither does a tick before the recreation.
  CHECK_FALSE(link.on_error({kafka_errc::fatal, "kafka producer: fatal error: again"}, 1));
  CHECK_FALSE(link.on_tick(false, true, 2));
  CHECK(link.failed());
  change = link.on_tick(false, false, 3);
  REQUIRE(change);
  CHECK_FALSE(change->down);
  CHECK(change->message.find("recreated") != std::string::npos);
  CHECK_FALSE(link.failed());
  CHECK(link.recoveries() == 1);
}

TEST_CASE("kafka link: healthy again only when brokers are back and the client recovered",
          "[kafka]") {
  quiet_log quiet;
  kafka_link link{"kafka_source", "b:1"};
  REQUIRE(link.on_error(down_error(), 0));
  REQUIRE(link.on_error({kafka_errc::fatal, "kafka consumer: fatal error: x"}, 1));
  // The client is recreated while the brokers are still away: still unhealthy.
  CHECK_FALSE(link.on_tick(true, false, 2));
  CHECK_FALSE(link.failed());
  CHECK(link.down());
  auto change = link.on_tick(false, false, 3);
  REQUIRE(change);
  CHECK_FALSE(change->down);
  CHECK(change->message.find("reachable again") != std::string::npos);
}
