#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "routes/config.hpp"

namespace switchboard {

/// Settings of the Kafka source.
struct kafka_source_config {
  /// Brokers, consumer group and consumer properties (passed through to librdkafka).
  kafka_config kafka;
  /// Topics to consume; never empty.
  std::vector<std::string> topics;
  /// Receives `(batch_atom, input_batch)` and answers `(ack_atom, batch_ack)`.
  caf::actor dispatcher;
  /// Receives statistics, heartbeats and health changes; may be null.
  caf::actor monitor;
  /// Messages per input batch at most.
  std::size_t batch_size = 256;
  /// Unacknowledged batches at most: the credit.
  std::size_t max_inflight = 8;
  /// Milliseconds between polls while nothing arrives, should a wake-up from librdkafka
  /// go missing (wake-ups poll as soon as messages arrive); also the poll interval while
  /// paused.
  int poll_interval_ms = 100;
  /// Milliseconds without credit after which fetching pauses (shorter stalls keep
  /// librdkafka's prefetched messages, which pausing would discard).
  int pause_after_ms = 200;
  /// Milliseconds between commits of acknowledged offsets.
  int commit_interval_ms = 500;
  /// Milliseconds between statistics reports and heartbeats.
  int stats_interval_ms = 1000;
};

/// The topics a config consumes: `topics.input`, else every route's source topics, else
/// `events`.
std::vector<std::string> input_topics(const switchboard_config& cfg);

/// Spawns the Kafka source: a consumer in group `kafka.group_id` subscribed to the topics.
///
/// Polls without blocking when librdkafka signals messages, decodes each message once
/// (undecodable ones travel as `rejected` inputs with the reason and the original bytes)
/// and sends per-topic input batches to the dispatcher while it holds credit. Without credit it stops polling, and
/// after `pause_after_ms` pauses its partitions until acknowledgements return. Only
/// offsets of acknowledged batches are committed: periodically, before partitions are
/// revoked and at stop; a crash therefore replays unacknowledged messages (at-least-once).
/// After a fatal librdkafka error the consumer is recreated (with backoff) and rejoins the
/// group, consuming again from the committed offsets; acknowledgements of batches from
/// before still count. Reports `(stats_atom, "kafka_source", json)`, heartbeats and
/// `(health_atom, "kafka_source", "unhealthy"|"healthy", message)` to the monitor (broker
/// outages, fatal errors and recoveries). `(kafka_fault_atom, reason)` makes librdkafka
/// raise a fabricated fatal error, for drills.
/// `(stop_atom, drain_ms)` stops consuming, waits up to `drain_ms` for the batches in
/// flight, commits, leaves the group and answers the number of batches left unacknowledged.
/// `(snapshot_atom)` answers the statistics as JSON text: consumed, acknowledged,
/// processed, unmatched, dead_lettered, in-flight batches, pauses, commit calls ...
/// Fails when the consumer cannot be created or subscribe.
caf::expected<caf::actor> spawn_kafka_source(caf::actor_system& sys, kafka_source_config cfg);

} // namespace switchboard
