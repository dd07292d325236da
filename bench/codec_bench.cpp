#include <algorithm>
#include <cstdio>

#include "bench/bench.hpp"
#include "bench/timing.hpp"
#include "events/codec.hpp"
#include "events/json_writer.hpp"

namespace switchboard::bench {

int codec(const bench_config& cfg) {
  auto corpus = make_corpus(10000, 42);
  padded_corpus padded{corpus};
  double avg = padded.avg_bytes;
  simdjson::dom::parser raw_parser;
  std::size_t sink = 0;
  switchboard::codec dec;
  // Baseline and decode alternate in short rounds and each keeps its best round, so a
  // burst of load from other processes cannot land on one side of the ratio only.
  constexpr int rounds = 5;
  double raw = 0;
  double decode = 0;
  for (int r = 0; r < rounds; ++r) {
    raw = std::max(raw, padded.parse_rate(raw_parser, cfg.seconds / rounds, sink));
    decode = std::max(decode, rate(corpus.size(), cfg.seconds / rounds, [&](std::size_t i) {
                        auto ev = dec.decode(std::string_view{corpus[i]});
                        sink += static_cast<bool>(ev);
                      }));
  }

  std::vector<event_ptr> events;
  events.reserve(corpus.size());
  for (const auto& e : corpus)
    events.push_back(*dec.decode(std::string_view{e}));
  std::string out;
  double encode = rate(corpus.size(), cfg.seconds, [&](std::size_t i) {
    out.clear();
    write_json(out, events[i]->root());
    sink += out.size();
  });

  double ratio = decode / raw;
  if (cfg.json) {
    std::printf("{\"event_bytes\":%.0f,\"simdjson_parse_per_second\":%.0f,"
                "\"decode_per_second\":%.0f,\"encode_per_second\":%.0f,"
                "\"decode_vs_simdjson\":%.3f}\n",
                avg, raw, decode, encode, ratio);
  } else {
    std::printf("codec benchmark: %zu events, %.0f bytes on average, %.1fs per loop\n",
                corpus.size(), avg, cfg.seconds);
    std::printf("  %-34s %14s %10s\n", "measure", "events/s", "MB/s");
    std::printf("  %-34s %14.0f %10.1f\n", "simdjson DOM parse (baseline)", raw,
                raw * avg / 1e6);
    std::printf("  %-34s %14.0f %10.1f\n", "decode (parse + validate + event)", decode,
                decode * avg / 1e6);
    std::printf("  %-34s %14.0f %10.1f\n", "encode (write JSON from tree)", encode,
                encode * avg / 1e6);
    std::printf("  decode / simdjson parse = %.2f (target >= 0.50)\n", ratio);
  }
  return sink == 0 ? 1 : 0;
}

} // namespace switchboard::bench
