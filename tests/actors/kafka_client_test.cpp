#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "actors/kafka_client.hpp"
#include "events/error.hpp"
#include "kafka_test_util.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

std::unique_ptr<kafka_consumer> make_consumer(const kafka_config& cfg,
                                              kafka_consumer_handlers handlers = {}) {
  auto consumer = kafka_consumer::make(cfg, std::move(handlers));
  REQUIRE(consumer);
  return std::move(*consumer);
}

// Polls until `count` messages arrived (or 15 s passed).
std::vector<kafka_message> consume(kafka_consumer& consumer, std::size_t count) {
  std::vector<kafka_message> out;
  eventually([&] { return out.size() >= count; },
             [&] { consumer.poll(out, count - out.size(), 100); });
  return out;
}

int64_t sum_offsets(const std::vector<partition_offset>& offsets) {
  int64_t sum = 0;
  for (const auto& entry : offsets)
    sum += std::max<int64_t>(entry.offset, 0);
  return sum;
}

std::vector<topic_partition> partitions_of(const std::string& topic, int count) {
  std::vector<topic_partition> out;
  for (int i = 0; i < count; ++i)
    out.push_back(topic_partition{topic, i});
  return out;
}

} // namespace

TEST_CASE("a group consumer reads kcat's messages, commits, and its group does not re-read",
          "[kafka]") {
  broker_process broker{{"--topic", "in", "--partitions", "3"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto cfg = test_kafka_config(broker.bootstrap(), "readers");
  auto sent = numbered("event-", 0, 300);
  kcat_produce(broker.bootstrap(), "in", sent);
  {
    auto consumer = make_consumer(cfg);
    REQUIRE_FALSE(consumer->subscribe({"in"}));
    auto got = consume(*consumer, sent.size());
    REQUIRE(got.size() == sent.size());
    std::multiset<std::string> payloads;
    for (const auto& msg : got) {
      payloads.emplace(msg.bytes());
      CHECK(msg.topic() == "in");
      CHECK(msg.key().empty());
      CHECK(consumer->handled(msg));
    }
    CHECK(payloads == std::multiset<std::string>(sent.begin(), sent.end()));
    CHECK(consumer->tracker().pending() == 0);
    REQUIRE_FALSE(consumer->commit());
    auto committed = consumer->committed(partitions_of("in", 3));
    REQUIRE(committed);
    CHECK(sum_offsets(*committed) == 300);
  }
  auto fresh = numbered("later-", 0, 50);
  kcat_produce(broker.bootstrap(), "in", fresh);
  auto second = make_consumer(cfg);
  REQUIRE_FALSE(second->subscribe({"in"}));
  auto got = consume(*second, fresh.size());
  REQUIRE(got.size() == fresh.size());
  std::multiset<std::string> payloads;
  for (const auto& msg : got)
    payloads.emplace(msg.bytes());
  // Committed messages come first in each partition: had the commit been lost, old
  // events would fill this batch.
  CHECK(payloads == std::multiset<std::string>(fresh.begin(), fresh.end()));
}

TEST_CASE("only the contiguously handled prefix of a partition is committed", "[kafka]") {
  broker_process broker{{"--topic", "single", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto cfg = test_kafka_config(broker.bootstrap(), "partial");
  kcat_produce(broker.bootstrap(), "single", numbered("m", 0, 10));
  {
    auto consumer = make_consumer(cfg);
    REQUIRE_FALSE(consumer->subscribe({"single"}));
    auto got = consume(*consumer, 10);
    REQUIRE(got.size() == 10);
    // Everything but offset 3 is handled, out of order.
    for (auto i : {9, 0, 5, 2, 1, 4, 6, 8, 7})
      CHECK(consumer->handled(got[static_cast<std::size_t>(i)]));
    REQUIRE_FALSE(consumer->commit());
    auto committed = consumer->committed({topic_partition{"single", 0}});
    REQUIRE(committed);
    REQUIRE(committed->size() == 1);
    CHECK(committed->front().offset == 3);
  }
  auto second = make_consumer(cfg);
  REQUIRE_FALSE(second->subscribe({"single"}));
  auto again = consume(*second, 7);
  REQUIRE(again.size() == 7);
  CHECK(again.front().offset() == 3);
  CHECK(again.front().bytes() == "m3");
  CHECK(again.back().bytes() == "m9");
}

TEST_CASE("the producer's messages arrive for kcat with keys, each reported once", "[kafka]") {
  broker_process broker{{"--topic", "out", "--partitions", "2"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  std::map<uint64_t, int> reports;
  int failures = 0;
  auto producer = kafka_producer::make(test_kafka_config(broker.bootstrap(), "unused"),
                                       [&](const kafka_delivery& d) {
                                         ++reports[d.opaque];
                                         failures += d.error ? 1 : 0;
                                         CHECK(d.offset >= 0);
                                       });
  REQUIRE(producer);
  constexpr uint64_t n = 500;
  for (uint64_t i = 0; i < n; ++i) {
    auto value = "value-" + std::to_string(i);
    REQUIRE_FALSE((*producer)->produce("out", "key-" + std::to_string(i % 7), value, i));
  }
  CHECK(eventually([&] { return reports.size() == n; }, [&] { (*producer)->poll(100); }));
  CHECK(failures == 0);
  CHECK((*producer)->in_flight() == 0);
  for (const auto& [opaque, count] : reports) {
    CHECK(opaque < n);
    CHECK(count == 1);
  }
  auto lines = kcat_consume(broker.bootstrap(), "out", "%k=%s\\n");
  std::set<std::string> expected;
  for (uint64_t i = 0; i < n; ++i)
    expected.insert("key-" + std::to_string(i % 7) + "=value-" + std::to_string(i));
  CHECK(std::set<std::string>(lines.begin(), lines.end()) == expected);
  CHECK(lines.size() == n);
}

TEST_CASE("the producer refuses settings that break its guarantees", "[kafka]") {
  kafka_config cfg;
  CHECK(kafka_producer::make(cfg, {}).error() == kafka_errc::bad_config);
  cfg.brokers = "127.0.0.1:1";
  cfg.producer = {{"acks", "1"}};
  auto refused = kafka_producer::make(cfg, {});
  REQUIRE_FALSE(refused);
  CHECK(error_text(refused.error()).find("kafka.producer.acks") != std::string::npos);
  cfg.producer = {{"enable.idempotence", "false"}};
  CHECK_FALSE(kafka_producer::make(cfg, {}));
  cfg.producer = {{"no.such.property", "1"}};
  refused = kafka_producer::make(cfg, {});
  REQUIRE_FALSE(refused);
  CHECK(error_text(refused.error()).find("kafka.producer.no.such.property") != std::string::npos);
  cfg.producer = {{"linger.ms", "20"}};
  CHECK(kafka_producer::make(cfg, {}));
}

TEST_CASE("the consumer refuses automatic commits and foreign group settings", "[kafka]") {
  kafka_config cfg;
  cfg.brokers = "127.0.0.1:1";
  cfg.consumer = {{"enable.auto.commit", "true"}};
  auto refused = kafka_consumer::make(cfg);
  REQUIRE_FALSE(refused);
  CHECK(error_text(refused.error()).find("kafka.consumer.enable.auto.commit") != std::string::npos);
  cfg.consumer = {{"group.id", "other"}};
  refused = kafka_consumer::make(cfg);
  REQUIRE_FALSE(refused);
  CHECK(error_text(refused.error()).find("kafka.group_id") != std::string::npos);
  cfg.consumer = {};
  cfg.group_id.clear();
  CHECK_FALSE(kafka_consumer::make(cfg));
}

TEST_CASE("a paused consumer fetches nothing until resumed", "[kafka]") {
  broker_process broker{{"--topic", "flow", "--partitions", "2"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto consumer = make_consumer(test_kafka_config(broker.bootstrap(), "flow"));
  REQUIRE_FALSE(consumer->subscribe({"flow"}));
  kcat_produce(broker.bootstrap(), "flow", numbered("a", 0, 20));
  REQUIRE(consume(*consumer, 20).size() == 20);
  REQUIRE_FALSE(consumer->pause());
  CHECK(consumer->paused());
  kcat_produce(broker.bootstrap(), "flow", numbered("b", 0, 30));
  REQUIRE(kcat_consume(broker.bootstrap(), "flow").size() == 50);
  std::vector<kafka_message> held;
  for (int i = 0; i < 10; ++i)
    consumer->poll(held, 100, 50);
  CHECK(held.empty());
  REQUIRE_FALSE(consumer->resume());
  auto got = consume(*consumer, 30);
  REQUIRE(got.size() == 30);
  for (const auto& msg : got)
    CHECK(msg.bytes().substr(0, 1) == "b");
}

TEST_CASE("closing a consumer commits what it handled", "[kafka]") {
  broker_process broker{{"--topic", "closing", "--partitions", "2"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto cfg = test_kafka_config(broker.bootstrap(), "closers");
  kcat_produce(broker.bootstrap(), "closing", numbered("c", 0, 30));
  std::vector<kafka_client_error> errors;
  std::vector<std::vector<topic_partition>> revoked;
  kafka_consumer_handlers handlers;
  handlers.on_error = [&](const kafka_client_error& e) { errors.push_back(e); };
  handlers.on_revoked = [&](const std::vector<topic_partition>& parts) {
    revoked.push_back(parts);
  };
  auto first = make_consumer(cfg, handlers);
  REQUIRE_FALSE(first->subscribe({"closing"}));
  auto got = consume(*first, 30);
  REQUIRE(got.size() == 30);
  // All but the last 5 handled; nothing committed explicitly.
  for (std::size_t i = 0; i + 5 < got.size(); ++i)
    first->handled(got[i]);
  REQUIRE_FALSE(first->close());
  CHECK(errors.empty());
  REQUIRE(revoked.size() == 1);
  CHECK(revoked.front().size() == 2);
  std::multiset<std::string> unhandled;
  for (std::size_t i = 25; i < got.size(); ++i)
    unhandled.emplace(got[i].bytes());
  auto second = make_consumer(cfg);
  REQUIRE_FALSE(second->subscribe({"closing"}));
  auto again = consume(*second, 5);
  std::multiset<std::string> redelivered;
  for (const auto& msg : again)
    redelivered.emplace(msg.bytes());
  CHECK(redelivered == unhandled);
}

TEST_CASE("partitions move to a new group member without redelivering committed messages",
          "[kafka]") {
  broker_process broker{{"--topic", "shared", "--partitions", "2"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto cfg = test_kafka_config(broker.bootstrap(), "sharing");
  std::vector<std::vector<topic_partition>> revoked;
  std::vector<kafka_client_error> errors;
  kafka_consumer_handlers handlers;
  handlers.on_revoked = [&](const std::vector<topic_partition>& parts) {
    revoked.push_back(parts);
  };
  handlers.on_error = [&](const kafka_client_error& e) { errors.push_back(e); };
  auto first = make_consumer(cfg, handlers);
  REQUIRE_FALSE(first->subscribe({"shared"}));
  kcat_produce(broker.bootstrap(), "shared", numbered("k", 0, 40));
  auto got = consume(*first, 40);
  REQUIRE(got.size() == 40);
  for (const auto& msg : got)
    first->handled(msg);
  // The result of an asynchronous commit is served by a later poll.
  REQUIRE_FALSE(first->commit(true));
  auto second = make_consumer(cfg);
  REQUIRE_FALSE(second->subscribe({"shared"}));
  std::vector<kafka_message> stray;
  auto both_assigned = [&] {
    return !revoked.empty() && !second->assignment().empty() && !first->assignment().empty();
  };
  // A rebalance takes the group a few seconds on a quiet machine and several times that
  // when the tests beside this one keep both cores busy.
  CHECK(eventually(
    both_assigned,
    [&] {
      first->poll(stray, 100, 20);
      second->poll(stray, 100, 20);
    },
    60));
  REQUIRE_FALSE(revoked.empty());
  CHECK(revoked.front().size() == 2);
  CHECK(errors.empty());
  auto committed = second->committed(partitions_of("shared", 2));
  REQUIRE(committed);
  CHECK(sum_offsets(*committed) == 40);
  CHECK(stray.empty());
}

TEST_CASE("a producer reports the broker going down and delivers once it is back", "[kafka]") {
  broker_process broker{{"--topic", "outage", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  auto cfg = test_kafka_config(broker.bootstrap(), "unused");
  cfg.producer["message.timeout.ms"] = "15000";
  std::vector<kafka_client_error> errors;
  int delivered = 0;
  int failed = 0;
  auto made = kafka_producer::make(
    cfg,
    [&](const kafka_delivery& d) {
      if (d.error)
        ++failed;
      else
        ++delivered;
    },
    [&](const kafka_client_error& e) { errors.push_back(e); });
  REQUIRE(made);
  auto& producer = **made;
  for (uint64_t i = 0; i < 10; ++i)
    REQUIRE_FALSE(producer.produce("outage", {}, "before-" + std::to_string(i), i));
  REQUIRE(eventually([&] { return delivered == 10; }, [&] { producer.poll(50); }));
  broker.signal(SIGUSR1);
  auto saw = [&](kafka_errc code) {
    for (const auto& e : errors)
      if (e.code == code)
        return true;
    return false;
  };
  CHECK(eventually([&] { return saw(kafka_errc::brokers_down); }, [&] { producer.poll(50); }));
  CHECK(producer.brokers_down());
  for (uint64_t i = 0; i < 10; ++i)
    REQUIRE_FALSE(producer.produce("outage", {}, "during-" + std::to_string(i), 10 + i));
  producer.poll(200);
  CHECK(delivered == 10);
  broker.signal(SIGUSR2);
  CHECK(eventually([&] { return delivered == 20; }, [&] { producer.poll(50); }));
  CHECK(failed == 0);
  CHECK_FALSE(producer.brokers_down());
  CHECK(kcat_consume(broker.bootstrap(), "outage").size() == 20);
}

TEST_CASE("a killed broker fails pending deliveries; a new broker starts empty", "[kafka]") {
  std::string topic = "lost";
  auto broker = std::make_unique<broker_process>(
    std::vector<std::string>{"--topic", topic, "--partitions", "1"});
  REQUIRE_FALSE(broker->bootstrap().empty());
  auto cfg = test_kafka_config(broker->bootstrap(), "unused");
  cfg.producer["message.timeout.ms"] = "2000";
  std::vector<kafka_client_error> errors;
  int delivered = 0;
  std::vector<caf::error> failures;
  auto made = kafka_producer::make(
    cfg,
    [&](const kafka_delivery& d) {
      if (d.error)
        failures.push_back(d.error);
      else
        ++delivered;
    },
    [&](const kafka_client_error& e) { errors.push_back(e); });
  REQUIRE(made);
  auto& producer = **made;
  REQUIRE_FALSE(producer.produce(topic, {}, "first", 0));
  REQUIRE(eventually([&] { return delivered == 1; }, [&] { producer.poll(50); }));
  CHECK(broker->stop(SIGKILL) == -SIGKILL);
  for (uint64_t i = 1; i <= 5; ++i)
    REQUIRE_FALSE(producer.produce(topic, {}, "orphan", i));
  CHECK(eventually([&] { return failures.size() == 5; }, [&] { producer.poll(50); }));
  CHECK(delivered == 1);
  REQUIRE_FALSE(failures.empty());
  CHECK(failures.front() == kafka_errc::produce_failed);
  CHECK(error_text(failures.front()).find("not delivered") != std::string::npos);
  CHECK_FALSE(errors.empty());
  CHECK(producer.brokers_down());
  // The development broker keeps nothing: a new one has a new port and no old data.
  broker_process replacement{{"--topic", topic, "--partitions", "1"}};
  REQUIRE_FALSE(replacement.bootstrap().empty());
  CHECK(kcat_consume(replacement.bootstrap(), topic).empty());
}

TEST_CASE("a consumer reports the broker going down and resumes once it is back", "[kafka]") {
  broker_process broker{{"--topic", "wait", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  std::vector<kafka_client_error> errors;
  kafka_consumer_handlers handlers;
  handlers.on_error = [&](const kafka_client_error& e) { errors.push_back(e); };
  auto consumer = make_consumer(test_kafka_config(broker.bootstrap(), "patient"), handlers);
  REQUIRE_FALSE(consumer->subscribe({"wait"}));
  kcat_produce(broker.bootstrap(), "wait", {"x"});
  REQUIRE(consume(*consumer, 1).size() == 1);
  broker.signal(SIGUSR1);
  std::vector<kafka_message> none;
  CHECK(eventually([&] { return consumer->brokers_down(); },
                   [&] { consumer->poll(none, 10, 50); }));
  CHECK_FALSE(errors.empty());
  broker.signal(SIGUSR2);
  kcat_produce(broker.bootstrap(), "wait", {"y"});
  auto got = consume(*consumer, 1);
  REQUIRE(got.size() == 1);
  CHECK(got.front().bytes() == "y");
  CHECK_FALSE(consumer->brokers_down());
}

TEST_CASE("a producer recreated after a fatal error hands back what it held and delivers "
          "everything",
          "[kafka]") {
  broker_process broker{{"--topic", "fatal", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  std::vector<kafka_client_error> errors;
  std::set<uint64_t> delivered;
  std::vector<uint64_t> purged;
  int failures = 0;
  auto made = kafka_producer::make(
    test_kafka_config(broker.bootstrap(), "unused"),
    [&](const kafka_delivery& d) {
      if (d.purged)
        purged.push_back(d.opaque);
      else if (d.error)
        ++failures;
      else
        delivered.insert(d.opaque);
    },
    [&](const kafka_client_error& e) { errors.push_back(e); });
  REQUIRE(made);
  auto& producer = **made;
  auto value = [](uint64_t i) { return "value-" + std::to_string(i); };
  for (uint64_t i = 0; i < 10; ++i)
    REQUIRE_FALSE(producer.produce("fatal", {}, value(i), i));
  REQUIRE(eventually([&] { return delivered.size() == 10; }, [&] { producer.poll(50); }));
  // Ten more wait in librdkafka's queue when the fatal error strikes.
  for (uint64_t i = 10; i < 20; ++i)
    REQUIRE_FALSE(producer.produce("fatal", {}, value(i), i));
  REQUIRE_FALSE(producer.raise_test_fatal_error("drill"));
  REQUIRE(eventually([&] { return producer.recreations() == 1; }, [&] { producer.poll(50); }));
  CHECK_FALSE(producer.fatal_pending());
  bool reported = false;
  for (const auto& e : errors)
    reported = reported
               || (e.code == kafka_errc::fatal && e.text.find("drill") != std::string::npos);
  CHECK(reported);
  // Every message is accounted for: delivered before the error, or handed back purged
  // (none lost with the old handle), and the purged ones go out through the new one.
  CHECK(delivered.size() + purged.size() >= 20);
  for (auto i : purged)
    REQUIRE_FALSE(producer.produce("fatal", {}, value(i), i));
  CHECK(eventually([&] { return delivered.size() == 20; }, [&] { producer.poll(50); }));
  CHECK(failures == 0);
  std::set<std::string> expected;
  for (uint64_t i = 0; i < 20; ++i)
    expected.insert(value(i));
  auto lines = kcat_consume(broker.bootstrap(), "fatal");
  CHECK(std::set<std::string>(lines.begin(), lines.end()) == expected);
}

TEST_CASE("a consumer recreated after a fatal error rejoins and goes on from the committed "
          "offsets",
          "[kafka]") {
  broker_process broker{{"--topic", "resume", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  kcat_produce(broker.bootstrap(), "resume", numbered("a-", 0, 10));
  std::vector<kafka_client_error> errors;
  std::vector<topic_partition> revoked;
  kafka_consumer_handlers handlers;
  handlers.on_error = [&](const kafka_client_error& e) { errors.push_back(e); };
  handlers.on_revoked = [&](const std::vector<topic_partition>& parts) {
    revoked.insert(revoked.end(), parts.begin(), parts.end());
  };
  auto consumer = make_consumer(test_kafka_config(broker.bootstrap(), "phoenix"), handlers);
  REQUIRE_FALSE(consumer->subscribe({"resume"}));
  auto first = consume(*consumer, 10);
  REQUIRE(first.size() == 10);
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(consumer->handled(first[i]));
  REQUIRE_FALSE(consumer->commit(false));
  REQUIRE_FALSE(consumer->raise_test_fatal_error("drill"));
  std::vector<kafka_message> none;
  REQUIRE(eventually([&] { return consumer->recreations() == 1; },
                     [&] { consumer->poll(none, 10, 50); }));
  CHECK(none.empty());
  CHECK(revoked == std::vector<topic_partition>{topic_partition{"resume", 0}});
  CHECK(consumer->tracker().pending() == 0);
  bool reported = false;
  for (const auto& e : errors)
    reported = reported || e.code == kafka_errc::fatal;
  CHECK(reported);
  // Messages of the old handle stay readable: they keep it alive until they go.
  CHECK(first[9].bytes() == "a-9");
  first.clear();
  // The new handle joins the group once the old member's session ended, and starts at
  // the committed offset: the five unhandled messages come again, then new ones.
  kcat_produce(broker.bootstrap(), "resume", numbered("b-", 0, 3));
  auto again = consume(*consumer, 8);
  REQUIRE(again.size() == 8);
  std::vector<std::string> got;
  for (const auto& msg : again)
    got.emplace_back(msg.bytes());
  auto expected = numbered("a-", 5, 10);
  for (auto& b : numbered("b-", 0, 3))
    expected.push_back(b);
  CHECK(got == expected);
  CHECK_FALSE(consumer->fatal_pending());
}
