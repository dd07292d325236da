#include <catch2/catch.hpp>

#include <random>

#include "tests/support/run.hpp"

using namespace switchboard::test;

namespace {

const std::string good =
  R"({"event_id":"1","event_type":"task_created","timestamp":"t","source":"s","data":{}})";

} // namespace

TEST_CASE("validate accepts a file of valid events") {
  temp_file f{good + "\n" + good + "\n" + good + "\n"};
  auto r = run_switchboard("validate " + f.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "3 valid, 0 invalid\n");
  CHECK(r.err.empty());
}

TEST_CASE("validate reports each bad line with its reason and exits 1") {
  std::string input = good + "\n{\"event_id\":1}\nnot json\n" + good + "\n"
                      + R"({"event_id":"2","event_type":"nope","timestamp":"t","source":"s","data":{}})"
                      + "\n";
  auto r = run_switchboard("validate -", input);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "2 valid, 3 invalid\n");
  CHECK_THAT(r.err, Catch::Contains("line 2: field 'event_id' must be a string, not a number"));
  CHECK_THAT(r.err, Catch::Contains("line 3: malformed JSON"));
  CHECK_THAT(r.err, Catch::Contains("line 5: event_type 'nope' belongs to no known event family"));
  auto lenient = run_switchboard("validate --allow-unknown-types", input);
  CHECK(lenient.out == "3 valid, 2 invalid\n");
}

TEST_CASE("validate never crashes on random bytes") {
  std::mt19937_64 rng{7};
  std::string junk(1 << 18, '\0');
  for (auto& c : junk)
    c = static_cast<char>(rng() & 0xFF);
  auto r = run_switchboard("validate", junk);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains(" invalid"));
}

TEST_CASE("validate reports a line over the size limit and goes on") {
  std::string input = std::string(2000, 'x') + "\n" + good + "\n";
  auto r = run_switchboard("validate --max-bytes 1000", input);
  CHECK(r.exit_code == 1);
  CHECK(r.out == "1 valid, 1 invalid\n");
  CHECK_THAT(r.err, Catch::Contains("line 1: event of 2000 bytes exceeds the limit of 1000 bytes"));
}

TEST_CASE("validate fails clearly on a missing file and bad usage") {
  auto r = run_switchboard("validate /nonexistent/file.ndjson");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot open /nonexistent/file.ndjson"));
  auto usage = run_switchboard("validate --bogus");
  CHECK(usage.exit_code == 2);
}
