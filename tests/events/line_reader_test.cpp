#include <catch2/catch.hpp>

#include <cstdio>

#include "events/line_reader.hpp"

using namespace switchboard;

namespace {

std::FILE* memfile(const std::string& text) {
  auto* f = std::tmpfile();
  std::fwrite(text.data(), 1, text.size(), f);
  std::rewind(f);
  return f;
}

} // namespace

TEST_CASE("lines are split on newlines, CRLF and a missing final newline") {
  auto* f = memfile("a\r\nbb\n\nccc");
  line_reader r{f, 100};
  std::string line;
  bool big = false;
  std::vector<std::string> got;
  while (r.next(line, big))
    got.push_back(line);
  CHECK(got == std::vector<std::string>{"a", "bb", "", "ccc"});
  CHECK(r.line_number() == 4);
  std::fclose(f);
}

TEST_CASE("an oversized line is skipped whole and the next one is read") {
  std::string text = std::string(3 << 20, 'x') + "\nok\n";
  auto* f = memfile(text);
  line_reader r{f, 1000};
  std::string line;
  bool big = false;
  REQUIRE(r.next(line, big));
  CHECK(big);
  CHECK(line.empty());
  CHECK(r.last_size() == (3u << 20));
  REQUIRE(r.next(line, big));
  CHECK_FALSE(big);
  CHECK(line == "ok");
  CHECK(r.line_number() == 2);
  CHECK_FALSE(r.next(line, big));
  std::fclose(f);
}
