#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"

using namespace switchboard::app;

int main(int argc, char** argv) {
  CLI::App cli{"switchboard: an actor-model event router and stream processor"};
  cli.require_subcommand(1);
  cli.set_help_all_flag("--help-all", "Print help for every command");
  int rc = 0;

  demo_options demo;
  auto* demo_cmd = cli.add_subcommand("demo", "Run the demo scenario on embedded defaults");
  demo_cmd->add_option("--duration", demo.duration, "How long to generate events (30s, 2m, 500ms)")
    ->capture_default_str();
  demo_cmd->add_option("--rate", demo.rate, "Events generated per second")->capture_default_str();
  demo_cmd->add_option("--error-rate", demo.error_rate, "Percentage of malformed or failing events")
    ->capture_default_str();
  demo_cmd->add_option("--mix", demo.mix, "Family mix in percent")->capture_default_str();
  demo_cmd->add_option("--kafka", demo.kafka, "mock (in-process broker) or HOST:PORT");
  demo_cmd->add_option("--http", demo.http, "Dashboard address ADDR:PORT, or off")
    ->capture_default_str();
  demo_cmd->add_option("--config", demo.config, "Config file replacing the demo routes");
  demo_cmd->add_option("--seed", demo.seed, "Random seed for a repeatable run");
  demo_cmd->add_flag("--json", demo.json, "Print the summary as one JSON object");
  demo_cmd->add_flag("--no-monitoring", demo.no_monitoring, "Run without the monitor");
  demo_cmd->callback([&] {
    demo.seed_given = demo_cmd->count("--seed") > 0;
    rc = run_demo(demo);
  });

  run_options run;
  auto* run_cmd = cli.add_subcommand("run", "Run the service: consume, route, process, produce");
  run_cmd->add_option("--config", run.config, "Config file")->required();
  run_cmd->add_option("--kafka", run.kafka, "Bootstrap servers HOST:PORT overriding the config");
  run_cmd->add_option("--http", run.http,
                      "REST address ADDR:PORT, or off (default: the config's http section)");
  run_cmd->callback([&] {
    run.http_given = run_cmd->count("--http") > 0;
    rc = run_service(run);
  });

  node_options node;
  auto* node_cmd = cli.add_subcommand("node", "Run a cluster member");
  node_cmd->add_option("--listen", node.listen, "HOST:PORT this node accepts peers on")
    ->required();
  node_cmd->add_option("--join", node.join, "HOST:PORT of a node already in the cluster");
  node_cmd->add_option("--config", node.config, "Config file");
  node_cmd->add_option("--http", node.http, "REST address ADDR:PORT, or off")
    ->capture_default_str();
  node_cmd->callback([&] { rc = run_node(node); });

  check_options check;
  auto* check_cmd = cli.add_subcommand("check", "Validate a config file");
  check_cmd->add_option("--config", check.config, "Config file")->required();
  check_cmd->callback([&] { rc = run_check(check); });

  validate_options validate;
  auto* validate_cmd = cli.add_subcommand("validate", "Validate NDJSON events, one per line");
  validate_cmd->add_option("file", validate.file, "NDJSON file, or - for stdin")
    ->capture_default_str();
  validate_cmd->add_flag("--allow-unknown-types", validate.allow_unknown_types,
                         "Accept event types outside the known families");
  validate_cmd->add_option("--max-bytes", validate.max_bytes, "Largest accepted event")
    ->capture_default_str();
  validate_cmd->callback([&] { rc = run_validate(validate); });

  match_options match;
  auto* match_cmd = cli.add_subcommand("match", "Print the events a filter pattern matches");
  match_cmd->add_option("--pattern", match.pattern, "Pattern JSON, or @FILE")->required();
  match_cmd->add_option("file", match.file, "NDJSON file, or - for stdin")->capture_default_str();
  match_cmd->add_flag("--count", match.count, "Print only the number of matches");
  match_cmd->callback([&] { rc = run_match(match); });

  route_options route;
  auto* route_cmd = cli.add_subcommand("route", "Dry run: the routes each event fires");
  route_cmd->add_option("--config", route.config, "Config file")->required();
  route_cmd->add_option("file", route.file, "NDJSON file, or - for stdin")->capture_default_str();
  route_cmd->add_option("--topic", route.topic, "Topic the events arrive on")
    ->capture_default_str();
  route_cmd->callback([&] { rc = run_route(route); });

  broker_options broker;
  auto* broker_cmd = cli.add_subcommand(
    "broker", "Run a local Kafka-protocol development broker (librdkafka's mock cluster: real "
              "wire protocol, data in memory only, old data evicted, lost on exit). Prints its "
              "bootstrap address HOST:PORT as the first line, then runs until SIGINT/SIGTERM; "
              "SIGUSR1 takes it down (clients see a dead broker), SIGUSR2 brings it back");
  broker_cmd->add_option("--port", broker.port,
                         "Only 0: librdkafka 2.0.2's mock cluster always picks a free port")
    ->capture_default_str();
  broker_cmd->add_option("--topic", broker.topics,
                         "Create this topic at start (repeatable); others are created on "
                         "first use with 4 partitions");
  broker_cmd->add_option("--partitions", broker.partitions, "Partitions of each --topic")
    ->capture_default_str();
  broker_cmd->callback([&] {
    broker.partitions_given = broker_cmd->count("--partitions") > 0;
    rc = run_broker(broker);
  });

  bench_options bench;
  auto* bench_cmd = cli.add_subcommand("bench", "Measure throughput and latency");
  bench_cmd->add_option("which", bench.which, "codec, match, pipeline, kafka, http or all")
    ->capture_default_str();
  bench_cmd->add_flag("--json", bench.json, "Print results as JSON");
  bench_cmd->add_option("--seconds", bench.seconds, "Time per measurement")->capture_default_str();
  bench_cmd->add_option("--events", bench.events,
                        "pipeline: only the flat-out run, stopping after N events (for profilers)");
  bench_cmd->callback([&] { rc = run_bench(bench); });

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = cli.exit(e);
    // CLI11 reports help as success and usage errors as failure; usage errors exit 2.
    return code == 0 ? 0 : 2;
  }
  return rc;
}
