#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "routes/error.hpp"

namespace switchboard {

class route_table;

/// Where events come from and go to when a Kafka cluster is the transport (`kafka`).
struct kafka_config {
  /// Bootstrap servers `HOST:PORT[,HOST:PORT]`; empty means the in-process bus.
  std::string brokers;
  /// Consumer group shared by all nodes of one deployment.
  std::string group_id = "switchboard";
  /// librdkafka consumer properties passed through unchanged.
  std::map<std::string, std::string> consumer;
  /// librdkafka producer properties passed through unchanged.
  std::map<std::string, std::string> producer;
};

/// Topic names the pipeline uses besides the routes' own (`topics`).
struct topics_config {
  /// Topics consumed; empty means every route's source topics.
  std::vector<std::string> input;
  /// Where events that cannot be processed go, with the reason.
  std::string dead_letters = "dead_letters";
  /// Where events that match no route go; empty means they are only counted.
  std::string unmatched;
  /// Partitions of topics the pipeline creates on the development broker.
  int partitions = 4;
};

/// Comparison of an alert rule.
enum class alert_condition { gt, gte, lt, lte, eq, ne };

/// One alert rule as configured (`alert_rules[i]`).
struct alert_rule_spec {
  /// Unique name.
  std::string name;
  /// Metric name, e.g. `error_rate` or `dead_letters_total`.
  std::string metric;
  /// How the metric compares with the threshold.
  alert_condition condition = alert_condition::gt;
  /// The threshold.
  double threshold = 0;
  /// info, warning, error or critical.
  std::string severity = "warning";
  /// Seconds after firing during which the rule does not fire again.
  double cooldown_seconds = 60;
  /// Seconds the condition must hold before the rule fires.
  double for_seconds = 0;
  /// Free text shown with the alert.
  std::string description;
};

/// One agent of the agent pool (`processors.agents[i]`).
struct agent_spec {
  /// Unique agent id.
  std::string id;
  /// Task types this agent can run.
  std::vector<std::string> capabilities;
  /// Tasks the agent runs at once.
  int max_concurrency = 4;
};

/// One analytics window (`processors.windows[i]`).
struct window_spec {
  /// tumbling, sliding or session.
  std::string kind = "tumbling";
  /// Window length in seconds (tumbling, sliding).
  double size_seconds = 10;
  /// Slide step in seconds (sliding).
  double slide_seconds = 5;
  /// Inactivity gap closing a session in seconds (session).
  double gap_seconds = 30;
};

/// One webhook endpoint of the notification processor (`processors.webhooks[i]`).
struct webhook_spec {
  /// Unique name.
  std::string name;
  /// `http://HOST:PORT/path`.
  std::string url;
  /// Event types delivered; empty means all notification events.
  std::vector<std::string> event_types;
  /// Delivery attempts after the first failure.
  int max_retries = 3;
  /// Seconds per attempt.
  double timeout_seconds = 2;
};

/// Processor, supervision and flow-control settings (`processors`).
struct processors_config {
  /// Events per batch between actors.
  std::size_t batch_size = 256;
  /// Batches a processor may have in flight before the source is paused.
  std::size_t max_inflight_batches = 8;
  /// True when the config gave `max_inflight_batches`: sources keep it as it is
  /// instead of raising it to cover their round trip.
  bool max_inflight_configured = false;
  /// First restart delay of a crashed processor in milliseconds; doubles per crash.
  double restart_backoff_ms = 100;
  /// Longest restart delay in milliseconds.
  double restart_backoff_max_ms = 10000;
  /// Times a batch is retried after its processor crashed before it is dead-lettered.
  int max_retries = 3;
  /// Dispatcher passes after which an event is a routing loop (`metadata.hops`).
  int hop_limit = 8;
  /// Seconds between component heartbeats.
  double heartbeat_seconds = 1;
  /// Missed-heartbeat time after which a component is unhealthy.
  double heartbeat_timeout_seconds = 5;
  /// The agent pool.
  std::vector<agent_spec> agents;
  /// Analytics windows.
  std::vector<window_spec> windows;
  /// z-score above which a rate is an anomaly.
  double anomaly_z_threshold = 3;
  /// Notification webhooks.
  std::vector<webhook_spec> webhooks;
  /// Seconds within which a repeated notification is dropped as a duplicate.
  double dedupe_window_seconds = 60;
  /// Consecutive failures that open a webhook's circuit breaker.
  int breaker_failure_threshold = 5;
  /// Seconds an open breaker waits before a half-open trial.
  double breaker_open_seconds = 30;
  /// Shortest simulated run time of a task on a pool agent, in seconds.
  double agent_service_min_seconds = 0.02;
  /// Longest simulated run time of a task on a pool agent, in seconds.
  double agent_service_max_seconds = 0.2;
  /// Probability that a simulated task run on a pool agent fails.
  double agent_failure_probability = 0.02;
  /// Seed of the simulated agent runs, so that runs repeat.
  uint64_t agent_seed = 1;
};

/// The REST API and web dashboard (`http`).
struct http_config {
  /// `ADDR:PORT`.
  std::string address = "127.0.0.1:8080";
  /// False turns the server off.
  bool enabled = true;
};

/// Cluster membership (`cluster`).
struct cluster_config {
  /// `HOST:PORT` this node accepts peers on; empty means no cluster.
  std::string listen;
  /// Nodes to join at start.
  std::vector<std::string> join;
  /// Name shown on the dashboard; defaults to the listen address.
  std::string node_name;
  /// Processors hosted on this node; empty means all five.
  std::vector<std::string> processors;
  /// Seconds between membership heartbeats.
  double heartbeat_seconds = 1;
  /// Missed-heartbeat time after which a node is down.
  double timeout_seconds = 5;
};

/// A whole validated config file: every section parsed into runtime objects once.
struct switchboard_config {
  /// Free text for people reading the file.
  std::string description;
  kafka_config kafka;
  topics_config topics;
  /// The compiled routes; never null after loading.
  std::shared_ptr<const route_table> routes;
  std::vector<alert_rule_spec> alert_rules;
  processors_config processors;
  http_config http;
  cluster_config cluster;
};

/// Parses and validates config JSON; the error lists every problem, one per line,
/// each naming its JSON path (`routes[2].filters.data.size: ...`).
caf::expected<switchboard_config> parse_config(std::string_view json);

/// Parses and validates routes alone, as the routes API receives them: a `routes`
/// array or an object with one `routes` key; errors name paths under `routes`.
caf::expected<std::shared_ptr<const route_table>> parse_routes(std::string_view json);

/// Reads and parses a config file; an unreadable file or non-JSON content is
/// `unreadable_config` naming the file and the reason.
caf::expected<switchboard_config> load_config(const std::string& path);

/// The text name of a condition: gt, gte, lt, lte, eq, ne.
const char* to_string(alert_condition c) noexcept;

} // namespace switchboard
