#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "demo/generator.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// Settings of the Kafka feeder: demo traffic produced into a topic.
struct feeder_config {
  /// The traffic.
  traffic_spec traffic;
  /// Events per second.
  double rate = 2000;
  /// Seconds to generate for.
  double duration_seconds = 30;
  /// The topic to produce into.
  std::string topic = "events";
  /// Brokers and producer properties.
  kafka_config kafka;
  /// Messages produced but not yet acknowledged by the broker at most.
  std::size_t max_in_flight = 20000;
};

/// Spawns the feeder: the demo generator's events produced into a Kafka topic through an
/// idempotent producer, at the configured rate. `(stats_atom)` returns the
/// `generation_report` so far (only generation counts: what happened to the events is the
/// consumer's to tell); `(stop_atom)` returns the final report once generation ended and
/// every event was acknowledged by the broker. Fails when the producer cannot be created.
caf::expected<caf::actor> spawn_kafka_feeder(caf::actor_system& sys, feeder_config cfg);

} // namespace switchboard
