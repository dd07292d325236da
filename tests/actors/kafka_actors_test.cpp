// The Kafka source and sink actors against a broker process, with the test as dispatcher.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <boost/json/parse.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/kafka_client.hpp"
#include "actors/kafka_sink.hpp"
#include "actors/kafka_source.hpp"
#include "actors/protocol.hpp"
#include "events/codec.hpp"
#include "kafka_test_util.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

// Waits up to `seconds` for the next input batch; false when none came.
bool next_batch(caf::scoped_actor& self, input_batch& out, double seconds) {
  bool got = false;
  self->receive([&](batch_atom, input_batch& b) {
    out = std::move(b);
    got = true;
  },
                caf::after(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::duration<double>(seconds)))
                  >> [] {});
  return got;
}

boost::json::value stats_of(caf::scoped_actor& self, const caf::actor& who) {
  boost::json::value out;
  self->request(who, std::chrono::seconds(5), snapshot_atom::value)
    .receive([&](std::string& json) { out = boost::json::parse(json); }, [](caf::error&) {});
  return out;
}

int64_t committed_offset(const kafka_config& cfg) {
  auto reader = kafka_consumer::make(cfg);
  REQUIRE(reader);
  auto offsets = (*reader)->committed({topic_partition{"in", 0}});
  REQUIRE(offsets);
  return offsets->at(0).offset;
}

std::size_t inputs(const input_batch& b) {
  return b.events.size() + b.rejected.size();
}

} // namespace

TEST_CASE("kafka source: credit-bound batches, rejected inputs, commits only what was acked",
          "[kafka]") {
  broker_process broker{{"--topic", "in", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i)
    lines.push_back(i == 3 ? std::string{"{\"event_id\": broken"} : event_line(i));
  kcat_produce(broker.bootstrap(), "in", lines);
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_source_config cfg;
  cfg.kafka = test_kafka_config(broker.bootstrap(), "source-test");
  cfg.topics = {"in"};
  cfg.dispatcher = self;
  cfg.batch_size = 10;
  cfg.max_inflight = 2;
  cfg.pause_after_ms = 50;
  cfg.commit_interval_ms = 50;
  auto source = spawn_kafka_source(sys, cfg);
  REQUIRE(source);
  input_batch first;
  input_batch second;
  input_batch third;
  REQUIRE(next_batch(self, first, 20));
  REQUIRE(next_batch(self, second, 10));
  CHECK(first.topic == "in");
  CHECK(inputs(first) <= 10);
  CHECK(inputs(second) <= 10);
  // Two batches unacknowledged: no credit, no third batch, and fetching pauses.
  CHECK_FALSE(next_batch(self, third, 0.5));
  CHECK(eventually([&] { return stats_of(self, *source).at("paused").as_bool(); },
                   [] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }, 10));
  // Acknowledging the second batch returns credit, but the first still holds the commit.
  self->send(*source, ack_atom::value, batch_ack{second.ticket, inputs(second), 0, 0});
  REQUIRE(next_batch(self, third, 10));
  CHECK_FALSE(stats_of(self, *source).at("paused").as_bool());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The commit never passes the first batch's first message (offset 0).
  CHECK(committed_offset(cfg.kafka) <= 0);
  // Everything acknowledged, in any order: the whole topic is committed.
  std::vector<input_batch> open{first, third};
  std::vector<rejected_input> rejected;
  for (auto* b : {&first, &second, &third})
    rejected.insert(rejected.end(), b->rejected.begin(), b->rejected.end());
  std::size_t total = inputs(first) + inputs(second) + inputs(third);
  while (total < lines.size()) {
    input_batch more;
    self->send(*source, ack_atom::value, batch_ack{open.back().ticket, 0, 0, 0});
    open.pop_back();
    REQUIRE(next_batch(self, more, 10));
    total += inputs(more);
    rejected.insert(rejected.end(), more.rejected.begin(), more.rejected.end());
    open.push_back(std::move(more));
  }
  CHECK(total == lines.size());
  // Decoding happened once, in the source: the malformed line travels with its reason.
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].bytes == lines[3]);
  CHECK_FALSE(rejected[0].reason.empty());
  for (auto& b : open)
    self->send(*source, ack_atom::value, batch_ack{b.ticket, 0, 0, 0});
  CHECK(eventually([&] { return committed_offset(cfg.kafka) == 30; },
                   [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }, 10));
  auto stats = stats_of(self, *source);
  CHECK(stats.at("consumed").to_number<int64_t>() == 30);
  CHECK(stats.at("acknowledged").to_number<int64_t>() == 30);
  CHECK(stats.at("rejected").to_number<int64_t>() == 1);
  uint64_t left = 99;
  self->request(*source, std::chrono::seconds(10), stop_atom::value, 1000)
    .receive([&](uint64_t n) { left = n; }, [](caf::error&) {});
  CHECK(left == 0);
  self->send_exit(*source, caf::exit_reason::user_shutdown);
}

TEST_CASE("kafka sink: one ack per publish batch after delivery, refused records dead-lettered",
          "[kafka]") {
  broker_process broker{{"--topic", "a", "--topic", "b", "--topic", "dead", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config cfg;
  cfg.kafka = test_kafka_config(broker.bootstrap(), "unused");
  // The smallest limit librdkafka accepts, so an oversized record fails for good.
  cfg.kafka.producer["message.max.bytes"] = "1000";
  auto sink = spawn_kafka_sink(sys, cfg);
  REQUIRE(sink);
  codec dec;
  publish_batch pb;
  pb.id = 41;
  pb.topics.resize(3);
  pb.topics[0].topic = "a";
  pb.topics[1].topic = "b";
  pb.topics[2].topic = "dead";
  for (int i = 0; i < 5; ++i) {
    auto ev = dec.decode(std::string_view{event_line(i)});
    REQUIRE(ev);
    pb.topics[i < 3 ? 0 : 1].events.push_back(*ev);
  }
  pb.topics[2].raw.push_back(R"({"reason":"malformed"})");
  self->send(*sink, publish_atom::value, pb);
  publish_ack ack{0, 99, {}};
  self->receive([&](published_atom, const publish_ack& a) { ack = a; },
                caf::after(std::chrono::seconds(20)) >> [] {});
  CHECK(ack.id == 41);
  CHECK(ack.failed == 0);
  auto a = kcat_consume(broker.bootstrap(), "a", "%k %s\\n");
  REQUIRE(a.size() == 3);
  for (int i = 0; i < 3; ++i)
    CHECK(a[static_cast<std::size_t>(i)] == "ev-" + std::to_string(i) + " " + event_line(i));
  CHECK(kcat_consume(broker.bootstrap(), "b").size() == 2);
  CHECK(kcat_consume(broker.bootstrap(), "dead")
        == std::vector<std::string>{R"({"reason":"malformed"})"});
  publish_batch big;
  big.id = 42;
  big.topics.resize(1);
  big.topics[0].topic = "dead";
  big.topics[0].raw.push_back(std::string(5000, 'x'));
  big.topics[0].raw.push_back("small");
  self->send(*sink, publish_atom::value, big);
  ack = publish_ack{0, 99, {}};
  self->receive([&](published_atom, const publish_ack& a) { ack = a; },
                caf::after(std::chrono::seconds(20)) >> [] {});
  CHECK(ack.id == 42);
  CHECK(ack.failed == 1);
  // The oversized record went to the dead-letter topic, shortened to fit the limit.
  auto letters = kcat_consume(broker.bootstrap(), "dead_letters");
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].size() < 1000);
  auto letter = boost::json::parse(letters[0]).as_object();
  CHECK(letter.at("kind").as_string() == "delivery_failed");
  auto reason = std::string{letter.at("reason").as_string()};
  CHECK(reason.find("'dead'") != std::string::npos);
  CHECK(reason.find("shortened") != std::string::npos);
  auto original = std::string{letter.at("original").as_string()};
  CHECK_FALSE(original.empty());
  CHECK(original == std::string(original.size(), 'x'));
  auto stats = stats_of(self, *sink);
  CHECK(stats.at("records_delivered").to_number<int64_t>() == 7);
  CHECK(stats.at("records_failed").to_number<int64_t>() == 1);
  CHECK(stats.at("dead_letters_written").to_number<int64_t>() == 1);
  CHECK(stats.at("batches_acked").to_number<int64_t>() == 2);
  uint64_t left = 99;
  self->request(*sink, std::chrono::seconds(10), stop_atom::value, 1000)
    .receive([&](uint64_t n) { left = n; }, [](caf::error&) {});
  CHECK(left == 0);
  self->send_exit(*sink, caf::exit_reason::user_shutdown);
}

TEST_CASE("kafka sink refuses properties that would drop acks=all", "[kafka]") {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  kafka_sink_config cfg;
  cfg.kafka.brokers = "127.0.0.1:1";
  cfg.kafka.producer["acks"] = "1";
  auto sink = spawn_kafka_sink(sys, cfg);
  REQUIRE_FALSE(sink);
  CHECK(sink.error() == kafka_errc::bad_config);
}

TEST_CASE("input topics: configured, else the routes' sources, else events", "[kafka]") {
  auto with_input = parse_config(R"({"topics": {"input": ["x", "y"]},
                                     "routes": [{"name": "r", "source_topics": ["z"],
                                                 "target_topics": ["t"]}]})");
  REQUIRE(with_input);
  CHECK(input_topics(*with_input) == std::vector<std::string>{"x", "y"});
  auto from_routes = parse_config(R"({"routes": [
    {"name": "r1", "source_topics": ["z", "w"], "target_topics": ["t"]},
    {"name": "r2", "source_topics": ["w"], "target_topics": ["t"]},
    {"name": "r3", "target_topics": ["t"]}]})");
  REQUIRE(from_routes);
  CHECK(input_topics(*from_routes) == std::vector<std::string>{"z", "w"});
  auto none = parse_config(R"({"routes": [{"name": "r", "target_topics": ["t"]}]})");
  REQUIRE(none);
  CHECK(input_topics(*none) == std::vector<std::string>{"events"});
}
