// `switchboard run` against a real broker process, with kcat as the outside client.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "tests/actors/kafka_test_util.hpp"

namespace json = boost::json;
using namespace switchboard::test;

namespace {

const std::vector<std::string> output_topics{"out_tasks", "out_docs",     "out_all",
                                             "out_pending", "dead_letters", "unmatched"};

// Routes to topics no processor reads, so every output comes from routing alone and the
// dry run predicts all of it; `docs` transforms its events.
std::string service_config(std::size_t batch_size, std::size_t max_inflight) {
  return R"({
    "kafka": {"group_id": "svc-test",
              "consumer": {"fetch.wait.max.ms": "5", "heartbeat.interval.ms": "100",
                           "session.timeout.ms": "6000"}},
    "topics": {"input": ["in"], "dead_letters": "dead_letters", "unmatched": "unmatched"},
    "processors": {"batch_size": )"
         + std::to_string(batch_size) + R"(, "max_inflight_batches": )"
         + std::to_string(max_inflight) + R"(},
    "routes": [
      {"name": "tasks", "event_types": ["task_*"], "target_topics": ["out_tasks"]},
      {"name": "docs", "event_types": ["document_*"], "target_topics": ["out_docs", "out_all"],
       "transformations": [{"op": "add", "path": "/data/routed", "value": true},
                           {"op": "remove", "path": "/metadata"}]},
      {"name": "pending", "filters": {"data": {"status": ["pending"]}},
       "target_topics": ["out_pending"]}
    ]})";
}

// `count` input lines: five event types of four families, every 50th line malformed.
std::vector<std::string> make_input(std::size_t count, const std::string& prefix = "ev") {
  static const char* types[] = {"task_created", "document_uploaded", "agent_health", "metrics",
                                "task_completed"};
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < count; ++i) {
    auto id = prefix + "-" + std::to_string(i);
    if (i % 50 == 7) {
      lines.push_back(R"({"event_id":")" + id + R"(","event_type":)");
      continue;
    }
    lines.push_back(R"({"event_id":")" + id + R"(","event_type":")" + types[i % 5]
                    + R"(","timestamp":"2026-01-01T00:00:00Z","source":"test",)"
                      R"("correlation_id":null,"version":"1.0","data":{"status":")"
                    + (i % 3 == 0 ? "pending" : "done") + R"(","n":)" + std::to_string(i)
                    + R"(},"metadata":{"k":)" + std::to_string(i) + "}}");
  }
  return lines;
}

// What the dry run says: event ids per topic (dead letters by their original line) and
// the transformed events of `out_docs`.
struct expectation {
  std::map<std::string, std::multiset<std::string>> ids;
  std::map<std::string, json::value> docs;
};

expectation dry_run(const std::string& config, const std::vector<std::string>& lines) {
  std::string input;
  for (auto& line : lines)
    input += line + "\n";
  auto out = shell(std::string{SWITCHBOARD_BINARY} + " route --config " + config + " --topic in",
                   input);
  expectation e;
  std::size_t pos = 0;
  for (auto end = out.find('\n'); end != std::string::npos; end = out.find('\n', pos)) {
    auto v = json::parse(out.substr(pos, end - pos));
    pos = end + 1;
    auto& o = v.as_object();
    if (o.if_contains("dead_letter")) {
      auto line = static_cast<std::size_t>(o.at("line").to_number<int64_t>());
      e.ids["dead_letters"].insert(lines.at(line - 1));
      continue;
    }
    std::string id{o.at("event_id").as_string()};
    if (o.at("unmatched").as_bool())
      e.ids["unmatched"].insert(id);
    for (auto& d : o.at("deliveries").as_array()) {
      for (auto& t : d.at("topics").as_array()) {
        std::string topic{t.as_string()};
        e.ids[topic].insert(id);
        if (topic == "out_docs")
          e.docs[id] = d.at("event");
      }
    }
  }
  return e;
}

// Everything in the output topics: event ids per topic (dead letters by their original
// bytes), the `out_docs` events and the dead letters' reasons.
struct observation {
  std::map<std::string, std::multiset<std::string>> ids;
  std::map<std::string, json::value> docs;
  std::vector<std::string> reasons;
};

observation consume_outputs(const std::string& bootstrap) {
  observation seen;
  for (auto& topic : output_topics) {
    auto& ids = seen.ids[topic];
    for (auto& line : kcat_consume(bootstrap, topic)) {
      json::error_code ec;
      auto v = json::parse(line, ec);
      if (ec || !v.is_object())
        continue;
      auto& o = v.as_object();
      if (topic == "dead_letters") {
        ids.insert(std::string{o.at("original").as_string()});
        seen.reasons.emplace_back(o.at("reason").as_string());
        continue;
      }
      std::string id{o.at("event_id").as_string()};
      ids.insert(id);
      if (topic == "out_docs")
        seen.docs[id] = v;
    }
  }
  return seen;
}

// True when every expected id reached its topic at least once.
bool covers(const observation& seen, const expectation& want) {
  for (auto& [topic, ids] : want.ids) {
    auto i = seen.ids.find(topic);
    if (i == seen.ids.end())
      return false;
    for (auto& id : ids)
      if (i->second.count(id) == 0)
        return false;
  }
  return true;
}

std::size_t count_in(const observation& seen, const std::string& topic) {
  auto i = seen.ids.find(topic);
  return i == seen.ids.end() ? 0 : i->second.size();
}

// `switchboard run` as a child process with stdout and stderr in a log file; killed with
// SIGKILL when the guard goes, whatever path the test took.
class service_process {
public:
  /// Runs the service; an empty `http` leaves the REST address to the config.
  service_process(const std::string& config, const std::string& bootstrap,
                  const std::string& http = "off") {
    std::vector<std::string> args{SWITCHBOARD_BINARY, "run", "--config", config, "--kafka",
                                  bootstrap};
    if (!http.empty()) {
      args.emplace_back("--http");
      args.push_back(http);
    }
    pid_ = fork();
    if (pid_ == 0) {
      int fd = open(log_.path().c_str(), O_WRONLY | O_TRUNC);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }

  ~service_process() {
    stop(SIGKILL);
  }

  service_process(const service_process&) = delete;
  service_process& operator=(const service_process&) = delete;

  /// Sends `sig` and waits up to 30 s for the exit: the exit code, or -signal.
  int stop(int sig) {
    if (pid_ <= 0)
      return -1;
    kill(pid_, sig);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -SIGKILL;
  }

  /// What the service logged so far.
  std::string log() const {
    return shell("cat " + log_.path());
  }

private:
  temp_file log_;
  pid_t pid_ = -1;
};

std::vector<std::string> broker_args() {
  std::vector<std::string> args{"--topic", "in"};
  for (auto& topic : output_topics) {
    args.emplace_back("--topic");
    args.push_back(topic);
  }
  return args;
}

void pause_briefly() {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

// A broker with the topics, a config with the given flow control, 2000 input events
// (40 malformed) produced into `in`, and what the dry run expects of them.
struct stream_fixture {
  broker_process broker{broker_args()};
  temp_file config;
  std::vector<std::string> input = make_input(2000);
  expectation want;

  stream_fixture(std::size_t batch_size, std::size_t max_inflight)
    : config{service_config(batch_size, max_inflight)} {
    REQUIRE_FALSE(broker.bootstrap().empty());
    want = dry_run(config.path(), input);
    REQUIRE(want.ids["dead_letters"].size() == 40);
    REQUIRE(want.ids["unmatched"].size() > 0);
    kcat_produce(broker.bootstrap(), "in", input);
  }

  // Re-reads every output topic into `seen` until `done` holds or `seconds` pass.
  bool await(observation& seen, const std::function<bool()>& done, double seconds) {
    return eventually(done, [&] {
      pause_briefly();
      seen = consume_outputs(broker.bootstrap());
    }, seconds);
  }
};

} // namespace

TEST_CASE("run delivers what the dry run predicts and commits at shutdown", "[kafka]") {
  stream_fixture f{256, 8};
  auto& want = f.want;
  observation seen;
  {
    service_process svc{f.config.path(), f.broker.bootstrap()};
    bool done = f.await(seen, [&] {
      for (auto& topic : output_topics)
        if (count_in(seen, topic) != want.ids[topic].size())
          return false;
      return true;
    }, 40);
    INFO(svc.log());
    REQUIRE(done);
    for (auto& topic : output_topics)
      CHECK(seen.ids[topic] == want.ids[topic]);
    // Transformed events are exactly what the dry run computes.
    CHECK(seen.docs == want.docs);
    REQUIRE(seen.reasons.size() == 40);
    for (auto& reason : seen.reasons)
      CHECK_FALSE(reason.empty());
    CHECK(svc.stop(SIGTERM) == 0);
    auto log = svc.log();
    CHECK_THAT(log, Catch::Contains("brokers " + f.broker.bootstrap() + ", group svc-test, "
                                    "input topics in"));
    CHECK_THAT(log, Catch::Contains("switchboard run: stopped"));
  }
  // The offsets were committed at shutdown: a restart handles only new events.
  auto more = make_input(20, "late");
  kcat_produce(f.broker.bootstrap(), "in", more);
  auto want_more = dry_run(f.config.path(), more);
  auto total = [&](const std::string& topic) {
    return want.ids[topic].size() + want_more.ids[topic].size();
  };
  service_process again{f.config.path(), f.broker.bootstrap()};
  bool done = f.await(seen, [&] { return count_in(seen, "out_tasks") == total("out_tasks"); },
                      30);
  INFO(again.log());
  REQUIRE(done);
  for (auto& topic : output_topics)
    CHECK(count_in(seen, topic) == total(topic));
  CHECK(again.stop(SIGINT) == 0);
}

TEST_CASE("a service killed mid-stream loses nothing once restarted", "[kafka]") {
  // Small batches, one at a time: the stream takes long enough to be cut in the middle.
  stream_fixture f{10, 1};
  observation seen;
  {
    service_process svc{f.config.path(), f.broker.bootstrap()};
    bool started = eventually([&] { return count_in(seen, "out_tasks") >= 20; }, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto lines = kcat_consume(f.broker.bootstrap(), "out_tasks");
      seen.ids["out_tasks"] = std::multiset<std::string>(lines.begin(), lines.end());
    }, 30);
    INFO(svc.log());
    REQUIRE(started);
    CHECK(svc.stop(SIGKILL) == -SIGKILL);
  }
  seen = consume_outputs(f.broker.bootstrap());
  INFO("delivered before the kill: " << count_in(seen, "out_tasks") << " of "
                                     << f.want.ids["out_tasks"].size() << " task events");
  service_process restarted{f.config.path(), f.broker.bootstrap()};
  bool complete = f.await(seen, [&] { return covers(seen, f.want); }, 45);
  // The first run may have delivered everything; stop the second only once it runs
  // (its startup line), so the signal meets the service and not a starting process.
  bool running = eventually([&] { return restarted.log().find("brokers") != std::string::npos; },
                            pause_briefly, 30);
  INFO(restarted.log());
  CHECK(complete);
  CHECK(running);
  CHECK(restarted.stop(SIGTERM) == 0);
}

TEST_CASE("the service reports a broker outage, recovers and delivers everything", "[kafka]") {
  stream_fixture f{10, 1};
  service_process svc{f.config.path(), f.broker.bootstrap(), "127.0.0.1:0"};
  std::string url;
  REQUIRE(eventually([&] { return !url.empty(); }, [&] {
    pause_briefly();
    auto log = svc.log();
    auto at = log.find("REST API on http://");
    if (at != std::string::npos)
      url = log.substr(at + 12, log.find('\n', at) - at - 12);
  }, 15));
  auto health = [&](const std::string& component) {
    json::error_code ec;
    auto v = json::parse(shell("curl -s " + url + "/api/dashboard"), ec);
    if (ec || !v.is_object())
      return std::string{};
    auto* h = v.as_object().at("component_health").as_object().if_contains(component);
    return h ? std::string{h->as_object().at("status").as_string()} : std::string{};
  };
  auto both = [&](const char* status) {
    return health("kafka_sink") == status && health("kafka_source") == status;
  };
  observation seen;
  REQUIRE(f.await(seen, [&] { return count_in(seen, "out_tasks") >= 20; }, 30));
  f.broker.signal(SIGUSR1);
  bool flagged = eventually([&] { return both("unhealthy"); }, pause_briefly, 15);
  INFO(svc.log());
  CHECK(flagged);
  f.broker.signal(SIGUSR2);
  CHECK(eventually([&] { return both("healthy"); }, pause_briefly, 20));
  CHECK(f.await(seen, [&] { return covers(seen, f.want); }, 30));
  auto log = svc.log();
  CHECK_THAT(log, Catch::Contains("kafka_source: brokers " + f.broker.bootstrap()
                                  + " unreachable"));
  CHECK_THAT(log, Catch::Contains("kafka_sink: brokers " + f.broker.bootstrap()
                                  + " reachable again"));
  CHECK(svc.stop(SIGTERM) == 0);
}

TEST_CASE("run refuses a bad config or a missing broker with exit code 2", "[kafka]") {
  temp_file bad{R"({"routes": [{"name": "x", "target_topics": []}]})"};
  auto out = shell(std::string{SWITCHBOARD_BINARY} + " run --config " + bad.path()
                   + " --http off 2>&1; echo rc=$?");
  CHECK_THAT(out, Catch::Contains(bad.path() + ": routes[0].target_topics: must not be empty"));
  CHECK_THAT(out, Catch::EndsWith("rc=2\n"));
  temp_file no_brokers{R"({"routes": [{"name": "x", "target_topics": ["t"]}]})"};
  out = shell(std::string{SWITCHBOARD_BINARY} + " run --config " + no_brokers.path()
              + " --http off 2>&1; echo rc=$?");
  CHECK_THAT(out, Catch::Contains("no Kafka brokers"));
  CHECK_THAT(out, Catch::Contains("--kafka HOST:PORT"));
  CHECK_THAT(out, Catch::EndsWith("rc=2\n"));
  temp_file pinned{R"({"kafka": {"producer": {"acks": "1"}},
                      "routes": [{"name": "x", "target_topics": ["t"]}]})"};
  out = shell(std::string{SWITCHBOARD_BINARY} + " run --config " + pinned.path()
              + " --kafka 127.0.0.1:1 --http off 2>&1; echo rc=$?");
  CHECK_THAT(out, Catch::Contains("kafka.producer.acks: must be all"));
  CHECK_THAT(out, Catch::EndsWith("rc=2\n"));
}

TEST_CASE("run serves REST on the config's address unless --http says otherwise", "[kafka]") {
  temp_file config{R"({"http": {"address": "127.0.0.1:0"},
                      "routes": [{"name": "x", "target_topics": ["t"]}]})"};
  // No broker listens there: the service starts anyway, reports it and keeps retrying.
  service_process svc{config.path(), "127.0.0.1:1", ""};
  std::string log;
  CHECK(eventually([&] { return log.find("REST API on http://127.0.0.1:") != std::string::npos
                                && log.find("unreachable") != std::string::npos; },
                   [&] {
                     pause_briefly();
                     log = svc.log();
                   }, 15));
  CHECK_THAT(log, Catch::Contains("brokers 127.0.0.1:1, group switchboard, input topics events"));
  CHECK(svc.stop(SIGTERM) == 0);
  service_process off{config.path(), "127.0.0.1:1", "off"};
  CHECK(eventually([&] { return off.log().find("switchboard run: brokers") != std::string::npos; },
                   pause_briefly, 15));
  CHECK_THAT(off.log(), !Catch::Contains("REST API"));
  CHECK(off.stop(SIGTERM) == 0);
}

TEST_CASE("demo --kafka mock accounts for every generated event", "[kafka]") {
  auto out = shell(std::string{SWITCHBOARD_BINARY}
                   + " demo --kafka mock --duration 2s --rate 500 --seed 5 --http off --json"
                     " 2>/dev/null; echo rc=$?");
  auto cut = out.rfind("rc=");
  REQUIRE(cut != std::string::npos);
  CHECK(out.substr(cut) == "rc=0\n");
  auto v = json::parse(out.substr(0, cut));
  auto& gen = v.at("generation").as_object();
  auto& proc = v.at("processing").as_object();
  auto n = [](const json::value& x) { return x.to_number<double>(); };
  CHECK(n(gen.at("generated")) >= 900);
  CHECK(n(gen.at("generated"))
        == n(proc.at("processed")) + n(proc.at("dead_lettered")) + n(proc.at("unmatched")));
  CHECK(n(proc.at("processed")) > 0);
  auto& health = v.at("health").as_object();
  CHECK(health.at("kafka_source").at("status") == "healthy");
  CHECK(health.at("kafka_sink").at("status") == "healthy");
}
