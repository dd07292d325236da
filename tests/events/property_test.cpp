#include <catch2/catch.hpp>

#include <random>

#include "events/codec.hpp"
#include "events/json_writer.hpp"

using namespace switchboard;

namespace {

const std::string seed_event =
  R"({"event_id":"e-1","event_type":"document_uploaded","timestamp":"2026-11-23T10:00:00Z",)"
  R"("source":"s","data":{"document_id":"d","size":12,"ratio":0.5,"tags":["a","b"],)"
  R"("owner":{"name":"Zoë","ok":true}},"metadata":{"hops":1}})";

std::string mutate(std::string text, std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0: // flip random bytes
      for (int i = 0, n = 1 + static_cast<int>(rng() % 4); i < n; ++i)
        text[rng() % text.size()] = static_cast<char>(rng() & 0xFF);
      break;
    case 1: // truncate
      text.resize(rng() % text.size());
      break;
    case 2: { // nest the data value deeply
      auto depth = static_cast<int>(rng() % 100);
      auto pos = text.find("\"data\":") + 7;
      text.insert(pos, std::string(depth, '['));
      auto end = text.find(",\"metadata\"");
      text.insert(end, std::string(depth, ']'));
      break;
    }
    case 3: // duplicate a slice
      {
        auto a = rng() % text.size();
        auto len = rng() % (text.size() - a);
        text.insert(rng() % text.size(), text.substr(a, len));
      }
      break;
    default: // delete a slice
      {
        auto a = rng() % text.size();
        text.erase(a, rng() % (text.size() - a + 1));
      }
  }
  return text.empty() ? std::string{"{"} : text;
}

} // namespace

TEST_CASE("random mutations give an error or a valid event, never a crash") {
  std::mt19937_64 rng{20261123};
  codec dec;
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (int i = 0; i < 20000; ++i) {
    auto text = mutate(seed_event, rng);
    auto ev = dec.decode(std::string_view{text});
    if (!ev) {
      ++refused;
      CHECK_FALSE(error_text(ev.error()).empty());
      continue;
    }
    ++accepted;
    // Whatever was accepted is a real envelope whose re-encoding decodes to the same text.
    CHECK_FALSE((*ev)->event_id().empty());
    std::string out;
    write_json(out, (*ev)->root());
    auto again = dec.decode(std::string_view{out});
    REQUIRE(again);
    std::string out2;
    write_json(out2, (*again)->root());
    CHECK(out == out2);
  }
  CHECK(refused > 1000);
  CHECK(accepted > 100);
}
