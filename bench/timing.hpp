#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <simdjson.h>

namespace switchboard::bench {

/// Runs `step(i)` over the corpus indices until `seconds` pass; returns items per second.
template <class Step>
double rate(std::size_t corpus_size, double seconds, Step step) {
  using clock_type = std::chrono::steady_clock;
  std::size_t done = 0;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  for (;;) {
    for (std::size_t i = 0; i < corpus_size; ++i)
      step(i);
    done += corpus_size;
    if (clock_type::now() >= deadline)
      break;
  }
  std::chrono::duration<double> took = clock_type::now() - start;
  return static_cast<double>(done) / took.count();
}

/// A corpus copied into simdjson's padded buffers.
struct padded_corpus {
  std::vector<simdjson::padded_string> events;
  /// Mean event size in bytes.
  double avg_bytes = 0;

  /// Pads every event of `corpus`.
  explicit padded_corpus(const std::vector<std::string>& corpus) {
    std::size_t bytes = 0;
    events.reserve(corpus.size());
    for (const auto& e : corpus) {
      bytes += e.size();
      events.emplace_back(e);
    }
    avg_bytes = corpus.empty() ? 0 : static_cast<double>(bytes) / static_cast<double>(corpus.size());
  }

  /// Raw simdjson DOM parse rate over the corpus, the baseline of every benchmark.
  double parse_rate(simdjson::dom::parser& parser, double seconds, std::size_t& sink) const {
    return rate(events.size(), seconds, [&](std::size_t i) {
      auto doc = parser.parse(events[i]);
      sink += doc.error() == simdjson::SUCCESS;
    });
  }
};

} // namespace switchboard::bench
