#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "bench/timing.hpp"
#include "events/error.hpp"
#include "routes/pattern.hpp"

namespace switchboard::bench {

namespace {

struct pattern_group {
  const char* name;
  std::vector<const char*> patterns;
};

// Five patterns per operator, like event-ruler's published benchmark.
const std::vector<pattern_group>& groups() {
  static const std::vector<pattern_group> all = {
    {"exact",
     {R"({"event_type":["task_created"]})", R"({"data":{"status":["failed"]}})",
      R"({"data":{"owner":{"region":["us-east-1"]}}})",
      R"({"source":["svc-3"],"data":{"document":{"mime":["application/pdf"]}}})",
      R"({"metadata":{"priority":[4]}})"}},
    {"prefix",
     {R"({"event_type":[{"prefix":"agent_"}]})",
      R"({"data":{"document":{"path":[{"prefix":"/srv/docs/team-1"}]}}})",
      R"({"data":{"owner":{"user":{"email":[{"prefix":"user-1"}]}}}})",
      R"({"source":[{"prefix":"svc-"}]})", R"({"data":{"id":[{"prefix":"item-99"}]}})"}},
    {"numeric",
     {R"({"data":{"metrics":{"latency_ms":[{"numeric":[">",100,"<=",200]}]}}})",
      R"({"data":{"metrics":{"bytes":[{"numeric":["<",1000]}]}}})",
      R"({"data":{"document":{"size":[{"numeric":[">=",50000]}]}}})",
      R"({"metadata":{"priority":[{"numeric":["=",0]}]}})",
      R"({"data":{"metrics":{"score":[{"numeric":[">",0.5,"<",0.6]}]}}})"}},
    {"anything-but",
     {R"({"data":{"status":[{"anything-but":["pending","running"]}]}})",
      R"({"event_type":[{"anything-but":{"prefix":"task_"}}]})",
      R"({"data":{"owner":{"team":[{"anything-but":"core"}]}}})",
      R"({"metadata":{"priority":[{"anything-but":[0,1,2]}]}})",
      R"({"data":{"document":{"mime":[{"anything-but":{"suffix":"/pdf"}}]}}})"}},
    {"wildcard",
     {R"({"data":{"document":{"name":[{"wildcard":"report-*.pdf"}]}}})",
      R"({"data":{"document":{"path":[{"wildcard":"/srv/*/team-2/*"}]}}})",
      R"({"data":{"owner":{"user":{"email":[{"wildcard":"*@example.org"}]}}}})",
      R"({"event_type":[{"wildcard":"*_failed"}]})", R"({"source":[{"wildcard":"svc-*"}]})"}},
  };
  return all;
}

struct group_result {
  const char* name;
  double parse_and_match;
  double match_only;
  double matches_per_event;
};

} // namespace

int match(const bench_config& cfg) {
  auto corpus = make_nested_corpus(10000, 42);
  padded_corpus padded{corpus};
  double avg = padded.avg_bytes;
  simdjson::dom::parser parser;
  std::size_t sink = 0;
  double raw = padded.parse_rate(parser, cfg.seconds, sink);

  // Pre-parsed documents isolate the cost of matching from parsing; few enough to
  // stay in cache, as an event just parsed is.
  std::vector<simdjson::dom::document> docs(256);
  for (std::size_t i = 0; i < docs.size(); ++i)
    if (parser.parse_into_document(docs[i], padded.events[i].data(), padded.events[i].size()).error())
      return 1;

  std::vector<group_result> results;
  std::vector<std::size_t> hits;
  for (const auto& group : groups()) {
    pattern_set set;
    for (const auto* text : group.patterns) {
      auto p = pattern::compile(text);
      if (!p) {
        std::fprintf(stderr, "bench match: %s\n", error_text(p.error()).c_str());
        return 1;
      }
      set.add(*p);
    }
    std::size_t matched = 0;
    double both = rate(corpus.size(), cfg.seconds, [&](std::size_t i) {
      auto doc = parser.parse(padded.events[i]);
      hits.clear();
      set.match(doc.value_unsafe(), hits);
      matched += hits.size();
    });
    std::size_t counted = 0;
    for (std::size_t i = 0; i < corpus.size(); ++i) {
      hits.clear();
      set.match(parser.parse(padded.events[i]).value_unsafe(), hits);
      counted += hits.size();
    }
    double only = rate(docs.size(), cfg.seconds, [&](std::size_t i) {
      hits.clear();
      set.match(docs[i].root(), hits);
      sink += hits.size();
    });
    sink += matched;
    results.push_back({group.name, both, only,
                       static_cast<double>(counted) / static_cast<double>(corpus.size())});
  }

  if (cfg.json) {
    std::printf("{\"event_bytes\":%.0f,\"simdjson_parse_per_second\":%.0f,\"groups\":{", avg, raw);
    for (std::size_t i = 0; i < results.size(); ++i)
      std::printf("%s\"%s\":{\"parse_and_match_per_second\":%.0f,\"match_only_per_second\":%.0f,"
                  "\"matches_per_event\":%.3f}",
                  i ? "," : "", results[i].name, results[i].parse_and_match,
                  results[i].match_only, results[i].matches_per_event);
    std::printf("}}\n");
  } else {
    std::printf("match benchmark: %zu events, %.0f bytes on average, 5 patterns per set, "
                "one core, %.1fs per loop\n",
                corpus.size(), avg, cfg.seconds);
    std::printf("  simdjson DOM parse (baseline)  %12.0f events/s %8.1f MB/s\n", raw,
                raw * avg / 1e6);
    std::printf("  %-14s %18s %18s %10s\n", "patterns", "parse+match ev/s", "match ev/s (warm)",
                "hits/event");
    for (const auto& r : results)
      std::printf("  %-14s %18.0f %18.0f %10.3f\n", r.name, r.parse_and_match, r.match_only,
                  r.matches_per_event);
    std::printf("  target: parse+match over 1,000,000 events/s for exact patterns "
                "(event-ruler publishes ~220,000)\n");
  }
  return sink == 0 ? 1 : 0;
}

} // namespace switchboard::bench
