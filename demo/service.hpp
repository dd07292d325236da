#pragma once

#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "demo/pipeline.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// How to assemble the Kafka service around a config.
struct kafka_service_options {
  /// `ADDR:PORT` of the REST API, or `off`.
  std::string http = "off";
  /// Milliseconds between monitor evaluations.
  int monitor_tick_ms = 1000;
};

/// The running service: the pipeline between a Kafka source and a Kafka sink.
struct kafka_service {
  /// Monitor, dispatcher (with the processors), dashboard and the Kafka sink.
  pipeline p;
  /// The Kafka source feeding the dispatcher.
  caf::actor source;
  /// The topics the source consumes.
  std::vector<std::string> topics;
  /// The REST API, unless off.
  std::optional<http_frontend> web;
};

/// The Kafka settings the service runs with: `cfg.kafka` plus reconnection defaults the
/// config did not set (reconnect within 2 s of a broker coming back).
kafka_config service_kafka_config(const kafka_config& cfg);

/// Starts the pipeline with the Kafka sink, the Kafka source on `input_topics(cfg)` and,
/// unless off, the REST API. The source sends batches of `processors.batch_size` events
/// and, unless the config sets `processors.max_inflight_batches`, keeps at least 16,384
/// events in flight, enough to cover Kafka's delivery round trip at a few hundred
/// thousand events/s. Fails on bad Kafka properties or an unusable HTTP address.
caf::expected<kafka_service> start_kafka_service(caf::actor_system& sys,
                                                 const switchboard_config& cfg,
                                                 const kafka_service_options& opts);

/// Stops consuming, waits up to `drain_ms` for the batches in flight, commits their
/// offsets, flushes the producer (up to `drain_ms` more) and stops every actor. Returns
/// false when something was left unacknowledged (it is consumed again after a restart).
bool stop_kafka_service(caf::actor_system& sys, kafka_service& svc, int drain_ms = 10000);

/// The actor system settings of a Kafka service: `configure_actor_system`, with no more
/// scheduler threads than cores, since librdkafka's own threads (a main thread and one
/// per broker, for consumer and producer each) need the cores too, and work-sharing
/// workers, which sleep when idle instead of polling.
void configure_kafka_actor_system(caf::actor_system_config& cfg);

/// Sends spdlog's default logger to stderr, keeping stdout for results.
void log_to_stderr();

/// Runs the service until SIGINT or SIGTERM (blocked for the whole process by this
/// call, before any thread starts); returns the exit code.
int run_kafka_service(const switchboard_config& cfg, const std::string& http);

} // namespace switchboard
