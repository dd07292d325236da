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

// `{"event_id":...,"event_type":...,"timestamp":"...` up to the fraction digits.
void envelope_head(std::string& out, std::mt19937_64& rng, std::string_view type) {
  out += "{\"event_id\":";
  write_json_string(out, hex_id(rng));
  field(out, "event_type", type);
  out += ",\"timestamp\":\"2026-11-23T10:00:00.";
  out += std::to_string(100 + rng() % 900);
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
    envelope_head(out, rng, type);
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

std::vector<std::string> make_nested_corpus(std::size_t count, uint64_t seed) {
  constexpr std::size_t target_bytes = 900;
  std::mt19937_64 rng{seed};
  const auto& types = all_event_types();
  static const char* statuses[] = {"pending", "running", "done", "failed"};
  static const char* regions[] = {"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"};
  static const char* teams[] = {"core", "edge", "data", "ml"};
  static const char* mimes[] = {"application/pdf", "text/plain", "image/png", "text/csv"};
  static const char* exts[] = {"pdf", "txt", "png", "csv"};
  static const char* states[] = {"created", "queued", "started", "retried"};
  std::vector<std::string> corpus;
  corpus.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto type = types[rng() % types.size()];
    auto kind = rng() % 4;
    auto item = std::to_string(rng() % 100000);
    auto user = std::to_string(rng() % 200);
    auto team = std::to_string(rng() % 8);
    std::string out;
    out.reserve(target_bytes + 64);
    envelope_head(out, rng, type);
    out += "Z\",\"source\":\"svc-" + std::to_string(rng() % 10) + "\"";
    field(out, "correlation_id", hex_id(rng));
    out += ",\"version\":\"1.0\",\"data\":{\"id\":\"item-" + item + "\"";
    field(out, "status", statuses[rng() % 4]);
    out += ",\"document\":{\"name\":\"report-" + item + "." + exts[kind] + "\"";
    out += ",\"path\":\"/srv/docs/team-" + team + "/report-" + item + "." + exts[kind] + "\"";
    field(out, "mime", mimes[kind]);
    out += ",\"size\":" + std::to_string(rng() % 100000) + "}";
    out += ",\"owner\":{\"team\":\"" + std::string{teams[rng() % 4]} + "\"";
    field(out, "region", regions[rng() % 4]);
    out += ",\"user\":{\"name\":\"user-" + user + "\",\"email\":\"user-" + user
           + (rng() % 2 ? "@example.com" : "@example.org") + "\",\"ip\":\"10."
           + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + ".7\"}}";
    out += ",\"metrics\":{\"latency_ms\":" + std::to_string(static_cast<double>(rng() % 5000) / 10.0);
    out += ",\"bytes\":" + std::to_string(rng() % 100000);
    out += ",\"retries\":" + std::to_string(rng() % 4);
    out += ",\"score\":" + std::to_string(static_cast<double>(rng() % 100) / 100.0) + "}";
    out += ",\"tags\":[\"alpha\",\"beta\",\"" + std::string{teams[rng() % 4]} + "\"]";
    out += ",\"history\":[{\"at\":\"2026-11-23T09:59:58Z\",\"state\":\"";
    out += states[rng() % 4];
    out += "\"},{\"at\":\"2026-11-23T09:59:59Z\",\"state\":\"";
    out += states[rng() % 4];
    out += "\"}]},\"metadata\":{\"priority\":" + std::to_string(rng() % 5);
    out += ",\"hops\":0,\"trace\":{\"trace_id\":";
    write_json_string(out, hex_id(rng));
    out += ",\"span_id\":\"" + std::to_string(rng() % 1000000) + "\"}";
    field(out, "region", regions[rng() % 4]);
    // Pad with a note so every event lands near the target size.
    constexpr std::size_t tail = 12;
    std::string note;
    if (out.size() + tail < target_bytes)
      note.assign(target_bytes - out.size() - tail, 'n');
    field(out, "note", note);
    out += "}}";
    corpus.push_back(std::move(out));
  }
  return corpus;
}

} // namespace switchboard::bench
