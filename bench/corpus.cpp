#include <random>

#include "bench/bench.hpp"
#include "events/json_writer.hpp"
#include "events/types.hpp"

namespace switchboard::bench {

namespace {

std::string hex_id(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(36, '-');
  for (std::size_t i = 0; i < out.size(); ++i)
    if (i != 8 && i != 13 && i != 18 && i != 23)
      out[i] = hex[rng() & 0xF];
  return out;
}

void field(std::string& out, const char* key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  write_json_string(out, value);
}

} // namespace

std::vector<std::string> make_corpus(std::size_t count, uint64_t seed,
                                     std::size_t target_bytes) {
  std::mt19937_64 rng{seed};
  const auto& types = all_event_types();
  static const char* statuses[] = {"pending", "running", "done", "failed"};
  std::vector<std::string> corpus;
  corpus.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto type = types[rng() % types.size()];
    std::string out;
    out.reserve(target_bytes + 64);
    out += "{\"event_id\":";
    write_json_string(out, hex_id(rng));
    field(out, "event_type", type);
    out += ",\"timestamp\":\"2026-11-23T10:00:00.";
    out += std::to_string(100 + rng() % 900);
    out += "Z\",\"source\":\"bench\",\"correlation_id\":null,\"version\":\"1.0\",\"data\":{";
    out += "\"id\":\"item-" + std::to_string(rng() % 100000) + "\"";
    field(out, "status", statuses[rng() % 4]);
    out += ",\"size\":" + std::to_string(rng() % 1000000);
    out += ",\"score\":" + std::to_string(static_cast<double>(rng() % 1000) / 10.0);
    out += ",\"tags\":[\"alpha\",\"beta\"]";
    out += ",\"owner\":{\"team\":\"core\",\"region\":\"eu-west-1\"}";
    // Pad with a note so every event lands near the target size.
    std::size_t tail = 40;
    std::string note;
    if (out.size() + tail < target_bytes)
      note.assign(target_bytes - out.size() - tail, 'x');
    field(out, "note", note);
    out += "},\"metadata\":{\"priority\":" + std::to_string(rng() % 5) + "}}";
    corpus.push_back(std::move(out));
  }
  return corpus;
}

} // namespace switchboard::bench
