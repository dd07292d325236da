#pragma once

#include <cstddef>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace switchboard {

/// Settings of the in-process sink.
struct memory_sink_config {
  /// Most recent records kept per topic for inspection (0 keeps none, only counts).
  std::size_t keep_per_topic = 0;
};

/// Spawns the in-process sink: the embedded default transport's output side.
///
/// Accepts `(publish_atom, publish_batch)` and acknowledges each at once with
/// `(published_atom, publish_ack)`. Answers `(snapshot_atom)` with a JSON object of
/// per-topic record counts and `(snapshot_atom, topic)` with the kept records.
caf::actor spawn_memory_sink(caf::actor_system& sys, memory_sink_config cfg = {});

} // namespace switchboard
