// What the Kafka actors do when Kafka refuses records for good: dead letters, held
// batches and uncommitted inputs, against an in-process development broker whose topics
// can be refused (librdkafka's mock cluster error injection).

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <tuple>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/dispatcher.hpp"
#include "actors/kafka_broker.hpp"
#include "actors/kafka_client.hpp"
#include "actors/kafka_link.hpp"
#include "actors/kafka_sink.hpp"
#include "actors/kafka_source.hpp"
#include "actors/protocol.hpp"
#include "events/codec.hpp"
#include "kafka_test_util.hpp"
#include "tests/support/quiet_log.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

// An in-process development broker with the given single-partition topics.
std::unique_ptr<kafka_broker> make_broker(const std::vector<std::string>& topics) {
  auto broker = kafka_broker::make();
  REQUIRE(broker);
  for (const auto& topic : topics)
    REQUIRE_FALSE((*broker)->create_topic(topic, 1));
  return std::move(*broker);
}

// Producer settings that give up on a record after 2 s (librdkafka keeps records for a
// topic it may not write until they time out) and notice a topic accepted again within
// a fraction of a second.
kafka_config sink_kafka(const std::string& bootstrap) {
  auto cfg = test_kafka_config(bootstrap, "unused");
  cfg.producer["message.timeout.ms"] = "2000";
  cfg.producer["topic.metadata.refresh.interval.ms"] = "200";
  return cfg;
}

boost::json::value stats_of(caf::scoped_actor& self, const caf::actor& who) {
  boost::json::value out;
  self->request(who, std::chrono::seconds(5), snapshot_atom::value)
    .receive([&](std::string& json) { out = boost::json::parse(json); }, [](caf::error&) {});
  return out;
}

int64_t figure(caf::scoped_actor& self, const caf::actor& who, const char* name) {
  auto stats = stats_of(self, who);
  return stats.is_object() ? stats.at(name).to_number<int64_t>() : -1;
}

// What the test, acting as the sink's sender and monitor, received.
struct inbox {
  std::vector<publish_ack> acks;
  // (component, status, message) of each health report.
  std::vector<std::tuple<std::string, std::string, std::string>> health;

  // Receives for up to `seconds` or until `done` holds.
  void receive(caf::scoped_actor& self, double seconds, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done() && std::chrono::steady_clock::now() < deadline)
      self->receive([&](published_atom, const publish_ack& a) { acks.push_back(a); },
                    [&](health_atom, const std::string& who, const std::string& status,
                        const std::string& msg) { health.emplace_back(who, status, msg); },
                    [](stats_atom, const std::string&, const std::string&) {},
                    [](heartbeat_atom, const std::string&) {},
                    caf::after(std::chrono::milliseconds(50)) >> [] {});
  }

  // Waits for the next publish ack; false when none came in `seconds`.
  bool next_ack(caf::scoped_actor& self, publish_ack& out, double seconds) {
    auto before = acks.size();
    receive(self, seconds, [&] { return acks.size() > before; });
    if (acks.size() == before)
      return false;
    out = acks.back();
    return true;
  }

  // The messages of `component`'s health reports with `status`, waiting up to `seconds`
  // for a first one.
  std::vector<std::string> reports(caf::scoped_actor& self, const std::string& component,
                                   const std::string& status, double seconds) {
    auto matching = [&] {
      std::vector<std::string> out;
      for (auto& [who, st, msg] : health)
        if (who == component && st == status)
          out.push_back(msg);
      return out;
    };
    receive(self, seconds, [&] { return !matching().empty(); });
    return matching();
  }
};

publish_batch events_to(const std::string& topic, int from, int to, uint64_t id) {
  codec dec;
  publish_batch pb;
  pb.id = id;
  pb.topics.resize(1);
  pb.topics[0].topic = topic;
  for (int i = from; i < to; ++i) {
    auto ev = dec.decode(std::string_view{event_line(i)});
    REQUIRE(ev);
    pb.topics[0].events.push_back(*ev);
  }
  return pb;
}

uint64_t stop(caf::scoped_actor& self, const caf::actor& who) {
  uint64_t left = 99;
  self->request(who, std::chrono::seconds(15), stop_atom::value, 1000)
    .receive([&](uint64_t n) { left = n; }, [](caf::error&) {});
  self->send_exit(who, caf::exit_reason::user_shutdown);
  return left;
}

// Stops the actors it was given when the test ends, even on a failed REQUIRE: the actor
// system waits for every actor before it goes.
struct stop_guard {
  std::vector<caf::actor> actors;
  ~stop_guard() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

// Source settings for topic `in`, committing often.
kafka_source_config source_settings(const std::string& bootstrap, const std::string& group,
                                    caf::actor monitor) {
  kafka_source_config sc;
  sc.kafka = test_kafka_config(bootstrap, group);
  sc.topics = {"in"};
  sc.monitor = std::move(monitor);
  sc.commit_interval_ms = 50;
  return sc;
}

// A dispatcher with the config's routes in front of `sink`, fed by a source made from
// `sc`; both stop with `guard`.
caf::expected<caf::actor> route_from_in(caf::actor_system& sys, const switchboard_config& config,
                                        const caf::actor& sink, kafka_source_config& sc,
                                        stop_guard& guard) {
  dispatcher_config dc;
  dc.routes = config.routes;
  dc.topics = config.topics;
  dc.sink = sink;
  auto dispatcher = spawn_dispatcher(sys, dc);
  guard.actors.push_back(dispatcher);
  sc.dispatcher = dispatcher;
  auto source = spawn_kafka_source(sys, sc);
  if (source)
    guard.actors.push_back(*source);
  return source;
}

// Events 0 .. count-1 as `event_line` writes them, produced into topic `in`.
void produce_inputs(const std::string& bootstrap, int count) {
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i)
    lines.push_back(event_line(i));
  kcat_produce(bootstrap, "in", lines);
}

// One route copying topic `in` to topic `out`.
const char* copy_in_to_out = R"({"routes": [{"name": "copy", "source_topics": ["in"],
                                             "target_topics": ["out"]}]})";

} // namespace

TEST_CASE("kafka sink: records Kafka refuses for good become dead letters with the reason",
          "[kafka]") {
  quiet_log quiet;
  auto broker = make_broker({"ok", "dead_letters"});
  REQUIRE_FALSE(broker->refuse_topic("forbidden"));
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config cfg;
  cfg.kafka = sink_kafka(broker->bootstrap());
  auto sink = spawn_kafka_sink(sys, cfg);
  REQUIRE(sink);
  stop_guard guard{{*sink}};
  auto pb = events_to("forbidden", 0, 3, 7);
  auto fine = events_to("ok", 3, 5, 0);
  pb.topics.push_back(fine.topics[0]);
  self->send(*sink, publish_atom::value, pb);
  inbox in;
  publish_ack ack{0, 99, {}};
  bool acked = in.next_ack(self, ack, 30);
  INFO(boost::json::serialize(stats_of(self, *sink)));
  REQUIRE(acked);
  CHECK(ack.id == 7);
  // The three refused records were dead-lettered instead; the batch is done.
  CHECK(ack.failed == 3);
  CHECK(kcat_consume(broker->bootstrap(), "ok").size() == 2);
  auto letters = kcat_consume(broker->bootstrap(), "dead_letters");
  REQUIRE(letters.size() == 3);
  std::set<std::string> ids;
  for (const auto& line : letters) {
    auto letter = boost::json::parse(line).as_object();
    CHECK(letter.at("kind").as_string() == "delivery_failed");
    auto reason = std::string{letter.at("reason").as_string()};
    CHECK(reason.find("forbidden") != std::string::npos);
    CHECK(reason.find("not delivered") != std::string::npos);
    auto id = std::string{letter.at("event_id").as_string()};
    ids.insert(id);
    CHECK(letter.at("original").as_string() == event_line(std::stoi(id.substr(3))));
  }
  CHECK(ids == std::set<std::string>{"ev-0", "ev-1", "ev-2"});
  auto stats = stats_of(self, *sink);
  CHECK(stats.at("records_delivered").to_number<int64_t>() == 2);
  CHECK(stats.at("records_failed").to_number<int64_t>() == 3);
  CHECK(stats.at("dead_letters_written").to_number<int64_t>() == 3);
  CHECK(stats.at("dead_letters_held").to_number<int64_t>() == 0);
  CHECK(stop(self, *sink) == 0);
}

TEST_CASE("kafka sink: a dead letter that cannot be written holds its batch until it can",
          "[kafka]") {
  quiet_log quiet;
  auto broker = make_broker({});
  REQUIRE_FALSE(broker->refuse_topic("forbidden"));
  REQUIRE_FALSE(broker->refuse_topic("dead_letters"));
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config cfg;
  cfg.kafka = sink_kafka(broker->bootstrap());
  cfg.monitor = self;
  cfg.retry_ms = 100;
  auto sink = spawn_kafka_sink(sys, cfg);
  REQUIRE(sink);
  stop_guard guard{{*sink}};
  self->send(*sink, publish_atom::value, events_to("forbidden", 0, 2, 8));
  // Neither the records nor their dead letters can be written: no acknowledgement, the
  // failures are counted and the sink reports itself unhealthy.
  inbox in;
  auto unhealthy = in.reports(self, "kafka_sink", "unhealthy", 30);
  REQUIRE_FALSE(unhealthy.empty());
  CHECK(unhealthy.front().find("dead_letters") != std::string::npos);
  publish_ack ack{0, 99, {}};
  CHECK_FALSE(in.next_ack(self, ack, 1));
  CHECK(eventually([&] { return figure(self, *sink, "dead_letter_failures") >= 2; },
                   [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }));
  CHECK(figure(self, *sink, "batches_open") == 1);
  // The dead-letter topic accepts records again: the held letters go out and the batch
  // is acknowledged, with both records dead-lettered.
  REQUIRE_FALSE(broker->refuse_topic("dead_letters", false));
  REQUIRE(in.next_ack(self, ack, 30));
  CHECK(ack.id == 8);
  CHECK(ack.failed == 2);
  CHECK(kcat_consume(broker->bootstrap(), "dead_letters").size() == 2);
  auto healthy = in.reports(self, "kafka_sink", "healthy", 10);
  REQUIRE_FALSE(healthy.empty());
  CHECK(healthy.back().find("written to 'dead_letters' again") != std::string::npos);
  CHECK(figure(self, *sink, "dead_letters_held") == 0);
  CHECK(stop(self, *sink) == 0);
}

TEST_CASE("kafka service actors: an input whose output is neither delivered nor "
          "dead-lettered stays uncommitted",
          "[kafka]") {
  quiet_log quiet;
  auto broker = make_broker({"in"});
  REQUIRE_FALSE(broker->refuse_topic("out"));
  REQUIRE_FALSE(broker->refuse_topic("dead_letters"));
  produce_inputs(broker->bootstrap(), 20);
  auto config = parse_config(copy_in_to_out);
  REQUIRE(config);
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config kc;
  kc.kafka = sink_kafka(broker->bootstrap());
  kc.retry_ms = 100;
  auto sink = spawn_kafka_sink(sys, kc);
  REQUIRE(sink);
  stop_guard guard{{*sink}};
  auto sc = source_settings(broker->bootstrap(), "held", {});
  auto source = route_from_in(sys, *config, *sink, sc, guard);
  REQUIRE(source);
  auto committed = [&] {
    auto reader = kafka_consumer::make(sc.kafka);
    REQUIRE(reader);
    auto offsets = (*reader)->committed({topic_partition{"in", 0}});
    return offsets ? offsets->at(0).offset : int64_t{-2};
  };
  // Everything was consumed and routed, but nothing reached Kafka: nothing is committed.
  REQUIRE(eventually([&] { return figure(self, *sink, "dead_letter_failures") >= 20; },
                     [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }, 30));
  CHECK(figure(self, *source, "consumed") == 20);
  CHECK(figure(self, *source, "acknowledged") == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(committed() <= 0);
  // Once the dead letters can be written, the inputs count as handled and are committed.
  REQUIRE_FALSE(broker->refuse_topic("dead_letters", false));
  CHECK(eventually([&] { return committed() == 20; },
                   [] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }, 30));
  CHECK(figure(self, *source, "acknowledged") == 20);
  CHECK(kcat_consume(broker->bootstrap(), "dead_letters").size() == 20);
  CHECK(figure(self, *sink, "records_delivered") == 0);
  CHECK(stop(self, *source) == 0);
  CHECK(stop(self, *sink) == 0);
}

TEST_CASE("kafka service actors: an input whose output Kafka refuses counts as dead-lettered, "
          "not processed",
          "[kafka]") {
  quiet_log quiet;
  auto broker = make_broker({"in", "dead_letters"});
  REQUIRE_FALSE(broker->refuse_topic("out"));
  produce_inputs(broker->bootstrap(), 20);
  auto config = parse_config(copy_in_to_out);
  REQUIRE(config);
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config kc;
  kc.kafka = sink_kafka(broker->bootstrap());
  auto sink = spawn_kafka_sink(sys, kc);
  REQUIRE(sink);
  stop_guard guard{{*sink}};
  auto sc = source_settings(broker->bootstrap(), "refused", {});
  auto source = route_from_in(sys, *config, *sink, sc, guard);
  REQUIRE(source);
  REQUIRE(eventually([&] { return figure(self, *source, "acknowledged") >= 20; },
                     [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }, 30));
  // Every input was handled: its copy became a dead letter, so none was processed.
  CHECK(figure(self, *source, "dead_lettered") == 20);
  CHECK(figure(self, *source, "processed") == 0);
  CHECK(kcat_consume(broker->bootstrap(), "dead_letters").size() == 20);
  CHECK(stop(self, *source) == 0);
  CHECK(stop(self, *sink) == 0);
}

TEST_CASE("kafka service actors: consumer and producer come back from fatal errors",
          "[kafka]") {
  quiet_log quiet;
  auto broker = make_broker({"in", "out"});
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i)
    lines.push_back(event_line(i));
  kcat_produce(broker->bootstrap(), "in", {lines.begin(), lines.begin() + 20});
  auto config = parse_config(copy_in_to_out);
  REQUIRE(config);
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  kafka_sink_config kc;
  kc.kafka = test_kafka_config(broker->bootstrap(), "unused");
  kc.monitor = self;
  auto sink = spawn_kafka_sink(sys, kc);
  REQUIRE(sink);
  stop_guard guard{{*sink}};
  auto sc = source_settings(broker->bootstrap(), "phoenix", self);
  auto source = route_from_in(sys, *config, *sink, sc, guard);
  REQUIRE(source);
  REQUIRE(eventually([&] { return figure(self, *source, "acknowledged") == 20; },
                     [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }, 30));
  // Both clients fail fatally: each reports it and is recreated.
  for (const auto& who : {*sink, *source}) {
    bool raised = false;
    self->request(who, std::chrono::seconds(5), kafka_fault_atom::value, std::string{"drill"})
      .receive([&](bool ok) { raised = ok; }, [](caf::error&) {});
    CHECK(raised);
  }
  inbox in;
  for (const char* component : {"kafka_sink", "kafka_source"}) {
    auto unhealthy = in.reports(self, component, "unhealthy", 10);
    REQUIRE_FALSE(unhealthy.empty());
    CHECK(unhealthy.front().find("fatal error") != std::string::npos);
    CHECK(unhealthy.front().find("drill") != std::string::npos);
  }
  kcat_produce(broker->bootstrap(), "in", {lines.begin() + 20, lines.end()});
  for (const char* component : {"kafka_sink", "kafka_source"}) {
    auto healthy = in.reports(self, component, "healthy", 30);
    REQUIRE_FALSE(healthy.empty());
    CHECK(healthy.back().find("recreated") != std::string::npos);
  }
  CHECK(figure(self, *sink, "recreations") == 1);
  CHECK(figure(self, *source, "recreations") == 1);
  // The new consumer goes on from the committed offsets and the new producer delivers:
  // every input reaches the output topic (duplicates allowed, losses not).
  CHECK(eventually([&] { return figure(self, *source, "acknowledged") >= 40; },
                   [&] { in.receive(self, 0.1, [] { return false; }); }, 30));
  auto out = kcat_consume(broker->bootstrap(), "out");
  std::set<std::string> copied(out.begin(), out.end());
  CHECK(copied == std::set<std::string>(lines.begin(), lines.end()));
  CHECK(stop(self, *source) == 0);
  CHECK(stop(self, *sink) == 0);
}
