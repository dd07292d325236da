#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>

namespace json = boost::json;

namespace {

// A scratch directory removed with its files at the end of a test.
struct scratch_dir {
  std::string path;

  scratch_dir() {
    char tmpl[] = "/tmp/switchboard-cmd-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }

  ~scratch_dir() {
    std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0)
      std::fprintf(stderr, "could not remove %s\n", path.c_str());
  }

  std::string write(const std::string& name, const std::string& text) const {
    auto file = path + "/" + name;
    std::ofstream{file} << text;
    return file;
  }

  std::string read(const std::string& name) const {
    std::ifstream in{path + "/" + name};
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }
};

struct run_result {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the real binary with `args` (shell syntax), capturing stdout and stderr.
run_result run(const scratch_dir& dir, const std::string& args) {
  std::string cmd = std::string{"'"} + SWITCHBOARD_BINARY + "' " + args + " >'" + dir.path
                    + "/stdout' 2>'" + dir.path + "/stderr'";
  int status = std::system(cmd.c_str());
  run_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = dir.read("stdout");
  r.err = dir.read("stderr");
  return r;
}

std::vector<json::value> json_lines(const std::string& text) {
  std::vector<json::value> out;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    out.push_back(json::parse(line));
  return out;
}

std::string event(const std::string& id, const std::string& type, const std::string& data) {
  return R"({"event_id":")" + id + R"(","event_type":")" + type
         + R"(","timestamp":"2026-01-01T00:00:00Z","source":"test","data":)" + data + "}";
}

const std::string demo_config = std::string{SWITCHBOARD_SOURCE_DIR} + "/config/demo.json";

} // namespace

TEST_CASE("check accepts every shipped config") {
  scratch_dir dir;
  for (auto name : {"demo.json", "document-processing.json", "analytics.json",
                    "agent-monitoring.json"}) {
    auto r = run(dir, std::string{"check --config '"} + SWITCHBOARD_SOURCE_DIR + "/config/" + name
                        + "'");
    INFO(name << ": " << r.err);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Matches("ok: [0-9]+ routes, [0-9]+ alert rules\n"));
  }
  auto demo = run(dir, "check --config '" + demo_config + "'");
  CHECK(demo.out == "ok: 16 routes, 5 alert rules\n");
}

TEST_CASE("check prints every error with its path and exits 2") {
  scratch_dir dir;
  auto file = dir.write("bad.json", R"({
    "kafka": {"bogus": 1},
    "routes": [
      {"name": "a", "target_topics": []},
      {"name": "a", "target_topics": ["t"], "transformations": [{"op": "add", "path": "/x"}]}
    ]
  })");
  auto r = run(dir, "check --config '" + file + "'");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains(file + ": kafka.bogus: unknown key"));
  CHECK_THAT(r.err, Catch::Contains(file + ": routes[0].target_topics: must not be empty"));
  CHECK_THAT(r.err, Catch::Contains(file + ": routes[1].name: duplicate route name 'a'"));
  CHECK_THAT(r.err,
             Catch::Contains(file + ": routes[1].transformations[0].value: missing (required by add)"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 4);
}

TEST_CASE("check names unreadable and non-JSON files") {
  scratch_dir dir;
  auto missing = run(dir, "check --config '" + dir.path + "/none.json'");
  CHECK(missing.code == 2);
  CHECK(missing.err == "cannot read " + dir.path + "/none.json: No such file or directory\n");
  auto file = dir.write("broken.json", "{\"routes\": [}");
  auto broken = run(dir, "check --config '" + file + "'");
  CHECK(broken.code == 2);
  CHECK_THAT(broken.err, Catch::StartsWith(file + ": not valid JSON: "));
  auto usage = run(dir, "check");
  CHECK(usage.code == 2);
}

TEST_CASE("route prints the deliveries of each event") {
  scratch_dir dir;
  auto input = dir.write(
    "events.ndjson",
    event("e1", "alert", R"({"title":"disk","severity":"critical"})") + "\n"
      + event("e2", "performance_data", R"({"metric_name":"latency_ms","value":2500})") + "\n"
      + "\n" + event("e3", "nobody_routes_this", "{}") + "\n");
  auto r = run(dir, "route --config '" + demo_config + "' '" + input + "'");
  INFO(r.err);
  CHECK(r.code == 0);
  auto lines = json_lines(r.out);
  REQUIRE(lines.size() == 3);
  const auto& first = lines[0].as_object();
  CHECK(first.at("event_id") == "e1");
  CHECK(first.at("unmatched") == false);
  const auto& d1 = first.at("deliveries").as_array();
  REQUIRE(d1.size() == 1);
  CHECK(d1[0].at("route") == "critical-alerts");
  CHECK(d1[0].at("topics") == json::parse(R"(["notifications","critical_alerts"])"));
  CHECK(d1[0].at("event").at("metadata").at("route") == "critical-alerts");
  CHECK(d1[0].at("event").at("metadata").at("dispatcher_id") == "dry-run");
  const auto& d2 = lines[1].at("deliveries").as_array();
  REQUIRE(d2.size() == 2);
  CHECK(d2[0].at("route") == "analytics-metrics");
  CHECK(d2[1].at("route") == "slow-operations");
  CHECK(d2[1].at("event").at("metadata").at("observed_value") == 2500);
  CHECK(d2[1].at("event").at("data") == json::parse(R"({"metric_name":"latency_ms","value":2500})"));
  CHECK(lines[2].at("event_id") == "e3");
  CHECK(lines[2].at("unmatched") == true);
  CHECK(lines[2].at("deliveries").as_array().empty());
}

TEST_CASE("route reads stdin and honours --topic") {
  scratch_dir dir;
  auto config = dir.write("topics.json", R"({"routes":[
    {"name":"from-events","source_topics":["events"],"target_topics":["a"]},
    {"name":"from-tasks","source_topics":["tasks"],"target_topics":["b"]}]})");
  auto input = dir.write("in.ndjson", event("e1", "task_created", "{}") + "\n");
  auto plain = run(dir, "route --config '" + config + "' - <'" + input + "'");
  REQUIRE(plain.code == 0);
  CHECK(json_lines(plain.out)[0].at("deliveries").at(0).at("route") == "from-events");
  auto tasks = run(dir, "route --config '" + config + "' --topic tasks <'" + input + "'");
  REQUIRE(tasks.code == 0);
  CHECK(json_lines(tasks.out)[0].at("deliveries").at(0).at("route") == "from-tasks");
  // Untransformed deliveries carry the original bytes.
  CHECK_THAT(tasks.out, Catch::Contains(R"("event":)" + event("e1", "task_created", "{}") + "}"));
}

TEST_CASE("route dead-letters invalid events and failed transforms") {
  scratch_dir dir;
  auto config = dir.write("strict.json", R"({"routes":[
    {"name":"x","target_topics":["a"],
     "transformations":[{"op":"add","path":"/data/seen","value":true},
                        {"op":"test","path":"/data/status","value":"done"}]}]})");
  auto input = dir.write(
    "in.ndjson", event("e1", "task_created", R"({"status":"pending"})") + "\n"
                   + R"({"event_id":"e2","event_type":"task_created"})" + "\n" + "not json\n"
                   + event("e4", "task_created", R"({"status":"done"})") + "\n");
  auto r = run(dir, "route --config '" + config + "' '" + input + "'");
  CHECK(r.code == 1);
  auto lines = json_lines(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == json::parse(R"({"line":1,"event_id":"e1","dead_letter":true,)"
                                R"("reason":"route 'x': transformation[1] (test /data/status): value differs"})"));
  CHECK(lines[1] == json::parse(R"({"line":2,"event_id":"e2","dead_letter":true,)"
                                R"("reason":"missing required field 'timestamp'"})"));
  CHECK(lines[2].at("line") == 3);
  CHECK(lines[2].at("dead_letter") == true);
  CHECK_FALSE(lines[2].as_object().contains("event_id"));
  CHECK(lines[3].at("deliveries").at(0).at("event").at("data")
        == json::parse(R"({"status":"done","seen":true})"));
}

TEST_CASE("route refuses a bad config with exit 2") {
  scratch_dir dir;
  auto config = dir.write("bad.json", R"({"routes":[{"name":"x","target_topics":[]}]})");
  auto r = run(dir, "route --config '" + config + "' /dev/null");
  CHECK(r.code == 2);
  CHECK(r.err == config + ": routes[0].target_topics: must not be empty\n");
  CHECK(r.out.empty());
}
