#pragma once

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "routes/config.hpp"

namespace switchboard {

/// Settings of the Kafka sink.
struct kafka_sink_config {
  /// Brokers and producer properties (passed through to librdkafka).
  kafka_config kafka;
  /// Receives statistics, heartbeats and health changes; may be null.
  caf::actor monitor;
  /// Milliseconds between polls for delivery reports while records are in flight.
  int poll_interval_ms = 1;
  /// Milliseconds between statistics reports and heartbeats.
  int stats_interval_ms = 1000;
};

/// Spawns the Kafka sink: an idempotent producer (`acks=all`) behind the sink protocol.
///
/// Accepts `(publish_atom, publish_batch)`, produces every record (events as their
/// bytes keyed by event id, dead letters as written, without a key) and answers the sender with one
/// `(published_atom, publish_ack)` per batch once librdkafka reported the delivery of
/// each record; `failed` counts records that failed for good. Polls delivery reports on
/// a timer, never blocking for long; keeps records librdkafka's full queue refused and
/// produces them as the queue drains. Reports `(stats_atom, "kafka_sink", json)` and
/// heartbeats to the monitor, and `(health_atom, "kafka_sink", "unhealthy"|"healthy",
/// message)` when the brokers become unreachable or reachable again.
/// `(stop_atom, timeout_ms)` flushes what is in flight (waiting at most `timeout_ms`) and
/// answers the number of records still unacknowledged; `(snapshot_atom)` answers the
/// statistics as JSON text. Fails when the producer cannot be created (bad properties).
caf::expected<caf::actor> spawn_kafka_sink(caf::actor_system& sys, kafka_sink_config cfg);

} // namespace switchboard
