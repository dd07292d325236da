#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "app/commands.hpp"
#include "app/input.hpp"
#include "events/error.hpp"
#include "events/line_reader.hpp"
#include "routes/pattern.hpp"

namespace switchboard::app {

namespace {

/// Lines longer than this are reported and skipped.
constexpr std::size_t max_line_bytes = 16 << 20;

/// The pattern text: the argument itself, or the file named after `@`.
bool pattern_text(const std::string& arg, std::string& out) {
  if (arg.empty() || arg[0] != '@') {
    out = arg;
    return true;
  }
  auto path = arg.substr(1);
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    std::fprintf(stderr, "switchboard match: cannot read pattern file %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  out = buf.str();
  return true;
}

} // namespace

int run_match(const match_options& opts) {
  std::string text;
  if (!pattern_text(opts.pattern, text))
    return 2;
  auto compiled = pattern::compile(text, "");
  if (!compiled) {
    std::fprintf(stderr, "switchboard match: bad pattern: %s\n",
                 error_text(compiled.error()).c_str());
    return 2;
  }
  input_file in{opts.file};
  if (!in)
    return 1;
  line_reader reader{in.get(), max_line_bytes};
  simdjson::dom::parser parser;
  std::string line;
  bool oversized = false;
  std::size_t matched = 0;
  std::size_t bad = 0;
  while (reader.next(line, oversized)) {
    if (oversized) {
      ++bad;
      std::fprintf(stderr, "line %zu: line of %zu bytes exceeds the limit of %zu bytes\n",
                   reader.line_number(), reader.last_size(), max_line_bytes);
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    auto size = line.size();
    // Room for simdjson's padding avoids a copy per line.
    line.reserve(size + simdjson::SIMDJSON_PADDING);
    auto doc = parser.parse(line.data(), size, false);
    if (doc.error()) {
      ++bad;
      std::fprintf(stderr, "line %zu: not valid JSON: %s\n", reader.line_number(),
                   simdjson::error_message(doc.error()));
      continue;
    }
    if (doc.value_unsafe().type() != simdjson::dom::element_type::OBJECT) {
      ++bad;
      std::fprintf(stderr, "line %zu: an event must be a JSON object\n", reader.line_number());
      continue;
    }
    if (!compiled->matches(doc.value_unsafe()))
      continue;
    ++matched;
    if (!opts.count) {
      std::fwrite(line.data(), 1, size, stdout);
      std::fputc('\n', stdout);
    }
  }
  if (opts.count)
    std::printf("%zu\n", matched);
  std::fflush(stdout);
  return bad == 0 ? 0 : 1;
}

} // namespace switchboard::app
