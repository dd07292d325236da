#include <catch2/catch.hpp>

#include <set>

#include "actors/kafka_broker.hpp"
#include "events/error.hpp"
#include "kafka_test_util.hpp"

using namespace switchboard;
using namespace switchboard::test;

TEST_CASE("the broker command prints its bootstrap address and serves kcat", "[kafka]") {
  broker_process broker{{"--topic", "alpha", "--partitions", "3"}};
  REQUIRE(broker.bootstrap().rfind("127.0.0.1:", 0) == 0);
  auto metadata = shell("kcat -b " + broker.bootstrap() + " -L -t alpha");
  CHECK(metadata.find("topic \"alpha\" with 3 partitions") != std::string::npos);
  kcat_produce(broker.bootstrap(), "alpha", {"one", "two", "three"});
  auto lines = kcat_consume(broker.bootstrap(), "alpha");
  CHECK(std::multiset<std::string>(lines.begin(), lines.end())
        == std::multiset<std::string>{"one", "two", "three"});
  CHECK(broker.stop(SIGTERM) == 0);
}

TEST_CASE("the broker command exits 0 on SIGINT", "[kafka]") {
  broker_process broker;
  REQUIRE_FALSE(broker.bootstrap().empty());
  CHECK(broker.stop(SIGINT) == 0);
}

TEST_CASE("the broker command refuses what the mock cluster cannot do", "[kafka]") {
  auto run = [](const std::string& args) {
    return WEXITSTATUS(std::system((std::string{SWITCHBOARD_BINARY} + " broker " + args
                                    + " >/dev/null 2>&1")
                                     .c_str()));
  };
  CHECK(run("--port 9092") == 2);
  CHECK(run("--partitions 8") == 2);
  CHECK(run("--topic a --partitions 0") == 2);
}

TEST_CASE("SIGUSR1 takes the broker down and SIGUSR2 brings it back with its data", "[kafka]") {
  broker_process broker{{"--topic", "kept", "--partitions", "1"}};
  REQUIRE_FALSE(broker.bootstrap().empty());
  kcat_produce(broker.bootstrap(), "kept", {"before"});
  broker.signal(SIGUSR1);
  // kcat cannot fetch metadata from a broker that refuses connections.
  auto down = [&] {
    return shell("kcat -b " + broker.bootstrap() + " -L -m 1 2>&1").find("topic \"kept\"")
           == std::string::npos;
  };
  CHECK(eventually(down, [] { usleep(50000); }, 5));
  broker.signal(SIGUSR2);
  std::vector<std::string> lines;
  CHECK(eventually([&] { return !lines.empty(); },
                   [&] { lines = kcat_consume(broker.bootstrap(), "kept"); }, 10));
  CHECK(lines == std::vector<std::string>{"before"});
}

TEST_CASE("kafka_broker creates topics and refuses bad ones", "[kafka]") {
  auto broker = kafka_broker::make();
  REQUIRE(broker);
  CHECK((*broker)->bootstrap().rfind("127.0.0.1:", 0) == 0);
  CHECK_FALSE((*broker)->create_topic("t", 2));
  CHECK((*broker)->create_topic("t", 2));
  CHECK((*broker)->create_topic("u", 0));
  CHECK((*broker)->create_topic("", 1));
  CHECK_FALSE((*broker)->refuse_topic("t"));
  CHECK_FALSE((*broker)->refuse_topic("t", false));
  CHECK((*broker)->refuse_topic(""));
  CHECK_FALSE(kafka_broker::make(0));
}

TEST_CASE("a broker process that prints no address is reported, not waited for", "[kafka]") {
  auto missing = kafka_broker_process::start("/nonexistent/switchboard", {}, 2000);
  REQUIRE_FALSE(missing);
  CHECK(error_text(missing.error()).find("printed no bootstrap address") != std::string::npos);
}
