#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "routes/config.hpp"

namespace switchboard {

/// Settings of the Kafka sink.
struct kafka_sink_config {
  /// Brokers and producer properties (passed through to librdkafka).
  kafka_config kafka;
  /// Where records that failed for good go, with the reason.
  std::string dead_letter_topic = "dead_letters";
  /// Receives statistics, heartbeats and health changes; may be null.
  caf::actor monitor;
  /// Milliseconds between polls for delivery reports while records are in flight, should
  /// a wake-up from librdkafka go missing; wake-ups serve reports as they arrive.
  int poll_interval_ms = 100;
  /// Milliseconds before the first retry of a dead letter that could not be written;
  /// doubles with each failed round, up to a minute.
  int retry_ms = 1000;
  /// Milliseconds between statistics reports and heartbeats.
  int stats_interval_ms = 1000;
};

/// Spawns the Kafka sink: an idempotent producer (`acks=all`) behind the sink protocol.
///
/// Accepts `(publish_atom, publish_batch)`, produces every record (events as their
/// bytes keyed by event id, dead letters as written, without a key) straight from the
/// batch's memory (no copy; the batch lives until its last delivery report) and answers
/// the sender with one `(published_atom, publish_ack)` per batch once every record is
/// accounted for. A record Kafka refused for good (a delivery report with an error after
/// librdkafka's retries, or a refusal when produced) goes to `dead_letter_topic` as a
/// `delivery_failed` dead letter with the reason and the original bytes (shortened to
/// fit the size limit when it was too large); `publish_ack::failed` counts those. A dead
/// letter that cannot be written either is counted, logged, reported unhealthy and
/// retried with backoff, and its batch stays unacknowledged meanwhile, so the source
/// never commits its inputs. Records a fatal error's recovery purged are produced again
/// through the new producer. Reports `(stats_atom, "kafka_sink", json)` and heartbeats to
/// the monitor, and `(health_atom, "kafka_sink", "unhealthy"|"healthy", message)` when the
/// brokers become unreachable or reachable, the producer fails fatally or was recreated,
/// or dead letters are held. `(stop_atom, timeout_ms)` flushes what is in flight
/// (waiting at most `timeout_ms`) and answers the number of records still
/// unacknowledged; `(snapshot_atom)` answers the statistics as JSON text;
/// `(kafka_fault_atom, reason)` makes librdkafka raise a fabricated fatal error, for
/// drills. Fails when the producer cannot be created (bad properties).
caf::expected<caf::actor> spawn_kafka_sink(caf::actor_system& sys, kafka_sink_config cfg);

} // namespace switchboard
