#pragma once

#include <string>

#include "demo/generator.hpp"

namespace switchboard {

/// Everything `switchboard demo` can be told.
struct demo_settings {
  /// Seconds of generation.
  double duration_seconds = 30;
  /// Events per second.
  double rate = 2000;
  /// Mix, error rate and seed.
  traffic_spec traffic;
  /// Config file replacing the built-in demo config; empty for the built-in one.
  std::string config_path;
  /// `ADDR:PORT` of the dashboard, or `off`.
  std::string http = "127.0.0.1:8080";
  /// Empty for the in-process bus; `mock` for an in-process development broker, or
  /// `HOST:PORT` of Kafka brokers: events then travel through the config's input topic.
  std::string kafka;
  /// Print the summary as JSON.
  bool json = false;
  /// Run the monitor.
  bool monitoring = true;
  /// Show a live progress line (on a terminal).
  bool progress = true;
};

/// Parses `30s`, `500ms`, `2m`, `1h` or plain seconds; false when malformed.
bool parse_duration(const std::string& text, double& seconds);

/// Runs the demo scenario end to end and prints the summary; returns the exit code.
int run_demo_scenario(const demo_settings& settings);

} // namespace switchboard
