#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::bench {

/// How long and how loud one benchmark runs.
struct bench_config {
  /// Seconds spent on each measured loop.
  double seconds = 3;
  /// Print JSON instead of a table.
  bool json = false;
  /// When not 0, `pipeline` runs only flat out and stops after this many events: a
  /// fixed amount of work for profilers (callgrind, perf) to compare.
  uint64_t events = 0;
};

/// A repeatable corpus of envelope events across all families, about `target_bytes` each.
std::vector<std::string> make_corpus(std::size_t count, uint64_t seed,
                                     std::size_t target_bytes = 300);

/// A repeatable corpus of nested envelope events of about 900 bytes each, with
/// documents, owners, metrics, tags, history and trace metadata.
std::vector<std::string> make_nested_corpus(std::size_t count, uint64_t seed);

/// `switchboard bench match`: pattern-set matching rates per operator group against
/// the raw simdjson parse rate of the same corpus.
int match(const bench_config& cfg);

/// `switchboard bench codec`: parse+validate and serialize rates against raw simdjson.
int codec(const bench_config& cfg);

/// `switchboard bench pipeline`: the in-process pipeline flat out and at half rate.
int pipeline(const bench_config& cfg);
/// `switchboard bench kafka`: topic-to-topic copy rates through a development broker, our
/// Kafka clients against a plain kcat pipe.
int kafka(const bench_config& cfg);

/// `switchboard bench http`: dashboard requests/s and latency under concurrent load, and
/// the flat-out pipeline's events/s with and without that load.
int http(const bench_config& cfg);

} // namespace switchboard::bench
