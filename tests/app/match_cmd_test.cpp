#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

// Runs the real binary with `args`, feeding `input` on stdin; captures both streams.
run_result run(const std::vector<std::string>& args, const std::string& input = "") {
  char dir_template[] = "/tmp/sb_match_XXXXXX";
  std::string dir = mkdtemp(dir_template);
  auto in_path = dir + "/in";
  auto out_path = dir + "/out";
  auto err_path = dir + "/err";
  std::ofstream{in_path, std::ios::binary} << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> all{SWITCHBOARD_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  run_result result;
  if (posix_spawn(&pid, SWITCHBOARD_BINARY, &actions, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  for (const auto& p : {in_path, out_path, err_path})
    std::remove(p.c_str());
  rmdir(dir.c_str());
  return result;
}

const std::string events =
  R"({"event_type":"task_created","data":{"status":"pending","size":5}})" "\n"
  R"({"event_type":"task_created","data":{"status":"done","size":5.0}})" "\n"
  "\n"
  R"({"event_type":"task_failed","data":{"status":"pending","size":"5"}})" "\n";

} // namespace

TEST_CASE("match prints the matching lines unchanged") {
  auto r = run({"match", "--pattern", R"({"data":{"status":["pending"]}})"}, events);
  CHECK(r.status == 0);
  CHECK(r.out
        == R"({"event_type":"task_created","data":{"status":"pending","size":5}})" "\n"
           R"({"event_type":"task_failed","data":{"status":"pending","size":"5"}})" "\n");
  CHECK(r.err.empty());
}

TEST_CASE("match --count prints only the number of matches") {
  auto r = run({"match", "--pattern", R"({"data":{"size":[5]}})", "--count", "-"}, events);
  CHECK(r.status == 0);
  CHECK(r.out == "2\n");
}

TEST_CASE("match reads events from a file and the pattern from @FILE") {
  char dir_template[] = "/tmp/sb_match_files_XXXXXX";
  std::string dir = mkdtemp(dir_template);
  auto events_path = dir + "/events.ndjson";
  auto pattern_path = dir + "/pattern.json";
  std::ofstream{events_path} << events;
  std::ofstream{pattern_path} << R"({"event_type":[{"prefix":"task_"}],"data":{"status":"done"}})";
  auto r = run({"match", "--pattern", "@" + pattern_path, events_path, "--count"});
  CHECK(r.status == 0);
  CHECK(r.out == "1\n");
  auto missing = run({"match", "--pattern", "@" + dir + "/nope.json", events_path});
  CHECK(missing.status == 2);
  CHECK(missing.err.find("cannot read pattern file") != std::string::npos);
  std::remove(events_path.c_str());
  std::remove(pattern_path.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("match refuses a bad pattern with exit code 2 and one sentence") {
  auto r = run({"match", "--pattern", R"({"data":{"size":[{"numeric":[]}]}})"}, events);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "switchboard match: bad pattern: data.size: numeric needs an operator\n");
}

TEST_CASE("match reports lines that are not JSON objects and exits 1") {
  std::string input = events + "not json\n[1,2]\n";
  auto r = run({"match", "--pattern", R"({"event_type":["task_created"]})", "--count"}, input);
  CHECK(r.status == 1);
  CHECK(r.out == "2\n");
  CHECK(r.err.find("line 5: not valid JSON") != std::string::npos);
  CHECK(r.err.find("line 6: an event must be a JSON object") != std::string::npos);
}
