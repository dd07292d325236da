#include <catch2/catch.hpp>

#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include <simdjson.h>

#include "events/json_writer.hpp"

using namespace switchboard;

namespace {

// The escaping JSON asks for, one byte at a time, to compare the writer against.
std::string reference_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

// Fewer than `max_size` bytes, each drawn from `alphabet`.
std::string random_text(std::mt19937& rng, std::string_view alphabet, std::size_t max_size) {
  std::string text;
  auto n = rng() % max_size;
  for (std::size_t i = 0; i < n; ++i)
    text.push_back(alphabet[rng() % alphabet.size()]);
  return text;
}

std::string written(std::string_view text, std::string prefix = {}) {
  write_json_string(prefix, text);
  return prefix;
}

} // namespace

TEST_CASE("strings are quoted with the escapes JSON needs") {
  CHECK(written("") == R"("")");
  CHECK(written("plain") == R"("plain")");
  CHECK(written("say \"hi\"\\") == R"("say \"hi\"\\")");
  CHECK(written("\n\r\t\b\f") == R"("\n\r\t\b\f")");
  CHECK(written(std::string_view{"\x00\x1f", 2}) == R"("\u0000\u001f")");
  CHECK(written("caf\xC3\xA9 \xE2\x82\xAC") == "\"caf\xC3\xA9 \xE2\x82\xAC\"");
  CHECK(written("x", "{\"k\":") == "{\"k\":\"x\"");
}

TEST_CASE("every byte value is escaped like the byte-wise reference") {
  for (int c = 0; c < 256; ++c) {
    // At each position in and around an 8-byte block, with plain text on both sides.
    for (std::size_t at = 0; at < 20; ++at) {
      std::string text(at, 'a');
      text.push_back(static_cast<char>(c));
      text.append(19 - at, 'b');
      INFO("byte " << c << " at " << at);
      REQUIRE(written(text) == reference_quote(text));
    }
  }
}

TEST_CASE("short strings: every byte value at every position of every length to 24") {
  for (std::size_t size = 1; size <= 24; ++size) {
    for (std::size_t at = 0; at < size; ++at) {
      for (int c = 0; c < 256; ++c) {
        std::string text(size, 'k');
        text[at] = static_cast<char>(c);
        auto expected = reference_quote(text);
        INFO("size " << size << " byte " << c << " at " << at);
        REQUIRE(json_needs_escape(text) == (expected.size() != size + 2));
        REQUIRE(written(text) == expected);
      }
    }
  }
  CHECK_FALSE(json_needs_escape(""));
  CHECK(written("") == R"("")");
}

TEST_CASE("escape-heavy and random texts match the reference and read back") {
  // Nothing but escapes needs six times the text; the buffer must grow on the way.
  std::string controls;
  for (int i = 0; i < 300; ++i)
    controls.push_back(static_cast<char>(i % 0x20));
  CHECK(written(controls) == reference_quote(controls));
  std::string quotes(1000, '"');
  CHECK(written(quotes, "prefix") == "prefix" + reference_quote(quotes));

  std::mt19937 rng{7};
  const char alphabet[] = "abc \"\\\n\t\x01\x1f{}:,\xC3\xA9";
  simdjson::dom::parser parser;
  for (int round = 0; round < 2000; ++round) {
    auto text = random_text(rng, {alphabet, sizeof(alphabet) - 1}, 200);
    // Keep the two-byte character whole so the text stays valid UTF-8.
    std::string valid;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\xC3' || text[i] == '\xA9')
        valid += "\xC3\xA9";
      else
        valid.push_back(text[i]);
    }
    auto out = written(valid);
    REQUIRE(out == reference_quote(valid));
    std::string_view back;
    REQUIRE(parser.parse(simdjson::padded_string{out}).get_string().get(back) == simdjson::SUCCESS);
    REQUIRE(back == valid);
  }
}

TEST_CASE("JSON text as a string: every mix of quotes and backslashes in a block") {
  // Escaping an event's own text (dead letters carry it) marks bytes by 8 or 32 at a
  // time: each of the 256 marks of eight bytes, at every offset in a 32-byte block, then
  // with a control byte in some blocks; each way of escaping this CPU offers.
  using detail::escape_path;
  for (auto path : {escape_path::plain, escape_path::blocks, escape_path::wide}) {
    if (!detail::escape_path_available(path))
      continue;
    auto by = [path](std::string_view text, std::string prefix = {}) {
      detail::write_json_string_by(prefix, text, path);
      return prefix;
    };
    INFO("path " << static_cast<int>(path));
    for (unsigned mask = 0; mask < 256; ++mask) {
      std::string eight;
      for (unsigned i = 0; i < 8; ++i)
        eight.push_back((mask & (1u << i)) ? (i % 2 ? '"' : '\\') : static_cast<char>('a' + i));
      for (std::size_t lead = 0; lead < 32; ++lead) {
        std::string text = std::string(lead, 'x') + "\"" + eight + eight + "{\"k\":1}" + eight
                           + eight + eight;
        INFO("mask " << mask << " lead " << lead);
        REQUIRE(by(text) == reference_quote(text));
        text[lead + 9] = '\n';
        REQUIRE(by(text) == reference_quote(text));
      }
    }
    std::mt19937 rng{11};
    // Quotes, backslashes and JSON punctuation, with a rare control byte.
    std::string alphabet;
    for (int i = 0; i < 8; ++i)
      alphabet += "\"\"\"\\ab:{},0";
    alphabet += '\t';
    for (int round = 0; round < 3000; ++round) {
      auto text = random_text(rng, alphabet, 400);
      REQUIRE(by(text, "p") == "p" + reference_quote(text));
    }
  }
  // The default way is one of them.
  std::string text = "{\"a\":\"b\\\\c\"," + std::string(100, 'x') + "\"}";
  CHECK(written(text) == reference_quote(text));
}

TEST_CASE("writing through a pointer quotes and escapes like the string writer") {
  std::mt19937 rng{5};
  const char alphabet[] = "ab \"\\\n\x01\x7f\xC3\xA9";
  for (int round = 0; round < 2000; ++round) {
    auto text = random_text(rng, {alphabet, sizeof(alphabet) - 1}, 40);
    std::string room(6 * text.size() + 2, '\0');
    auto* end = write_json_string_to(room.data(), text);
    REQUIRE(std::string(room.data(), end) == reference_quote(text));
  }
}

TEST_CASE("integers and doubles are written as numbers of their kind") {
  std::string out;
  write_json_integer(out, int64_t{-7});
  out += ',';
  write_json_integer(out, uint64_t{18446744073709551615ULL});
  out += ',';
  write_json_double(out, 2.0);
  out += ',';
  write_json_double(out, std::numeric_limits<double>::quiet_NaN());
  CHECK(out == "-7,18446744073709551615,2.0,null");
}
