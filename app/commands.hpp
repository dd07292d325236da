#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::app {

/// Flags of `switchboard demo`.
struct demo_options {
  std::string duration = "30s";
  double rate = 2000;
  double error_rate = 2;
  std::string mix = "document=40,task=30,agent=20,analytics=10";
  std::string kafka;
  std::string http = "127.0.0.1:8080";
  std::string config;
  uint64_t seed = 0;
  bool seed_given = false;
  bool json = false;
  bool no_monitoring = false;
};

/// Flags of `switchboard run`.
struct run_options {
  std::string config;
  std::string kafka;
  std::string http = "127.0.0.1:8080";
  /// Whether --http was given; otherwise the config's `http` section decides.
  bool http_given = false;
};

/// Flags of `switchboard node`.
struct node_options {
  std::string listen;
  std::string join;
  std::string config;
  std::string http = "off";
};

/// Flags of `switchboard check`.
struct check_options {
  std::string config;
};

/// Flags of `switchboard validate`.
struct validate_options {
  std::string file = "-";
  bool allow_unknown_types = false;
  std::size_t max_bytes = 1 << 20;
};

/// Flags of `switchboard match`.
struct match_options {
  std::string pattern;
  std::string file = "-";
  bool count = false;
};

/// Flags of `switchboard route`.
struct route_options {
  std::string config;
  std::string file = "-";
  std::string topic = "events";
};

/// Flags of `switchboard broker`.
struct broker_options {
  uint16_t port = 0;
  int partitions = 4;
  std::vector<std::string> topics;
  bool partitions_given = false;
};

/// Flags of `switchboard bench`.
struct bench_options {
  std::string which = "all";
  bool json = false;
  double seconds = 3;
  uint64_t events = 0;
};

/// Runs the demo scenario; returns the process exit code.
int run_demo(const demo_options& opts);
/// Runs the service.
int run_service(const run_options& opts);
/// Runs a cluster node.
int run_node(const node_options& opts);
/// Validates a config file.
int run_check(const check_options& opts);
/// Validates NDJSON events.
int run_validate(const validate_options& opts);
/// Prints the events a pattern matches.
int run_match(const match_options& opts);
/// Dry-runs the route table over events.
int run_route(const route_options& opts);
/// Runs the development Kafka broker.
int run_broker(const broker_options& opts);
/// Runs benchmarks.
int run_bench(const bench_options& opts);

} // namespace switchboard::app
