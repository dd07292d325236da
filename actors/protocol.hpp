#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "events/event.hpp"

namespace switchboard {

/// source -> dispatcher: an `input_batch`.
using batch_atom = caf::atom_constant<caf::atom("batch")>;
/// dispatcher -> source: a `batch_ack` once every event of a batch is fully handled.
using ack_atom = caf::atom_constant<caf::atom("ack")>;
/// dispatcher -> processor: a `work_batch`.
using process_atom = caf::atom_constant<caf::atom("process")>;
/// processor -> dispatcher: a `work_result`.
using done_atom = caf::atom_constant<caf::atom("done")>;
/// dispatcher -> processor: a `refused_batch`, events another processor refused.
using refused_atom = caf::atom_constant<caf::atom("refused")>;
/// processor -> dispatcher: events a processor emits on its own (timers, windows).
using emit_atom = caf::atom_constant<caf::atom("emit")>;
/// dispatcher -> sink: a `publish_batch`.
using publish_atom = caf::atom_constant<caf::atom("publish")>;
/// sink -> dispatcher: a `publish_ack`.
using published_atom = caf::atom_constant<caf::atom("published")>;
/// component -> monitor: `(heartbeat_atom, name)`.
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
/// component -> monitor: a `metrics_delta`; also a request for statistics.
using stats_atom = caf::atom_constant<caf::atom("stats")>;
/// dispatcher -> monitor: `(health_atom, component, status, message)`.
using health_atom = caf::atom_constant<caf::atom("health")>;
/// Periodic self-message of actors with timers.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// dispatcher self-message: restart a crashed processor.
using restart_atom = caf::atom_constant<caf::atom("restart")>;
/// Request for a JSON snapshot (dashboard, metrics, alerts ...).
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
/// Request to replace the route table.
using reload_atom = caf::atom_constant<caf::atom("reload")>;
/// Request to stop producing (sources) or to drain (dispatcher).
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// Alert rule management requests.
using rules_atom = caf::atom_constant<caf::atom("rules")>;
/// Subscription to notifications and alerts.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
/// A notification or alert pushed to a subscriber.
using notify_atom = caf::atom_constant<caf::atom("notify")>;

/// Monotonic nanoseconds used to measure ingest-to-done latency.
inline int64_t mono_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// Bytes that could not become an event, with the reason; dead-lettered as they came.
struct rejected_input {
  /// The original bytes.
  std::string bytes;
  /// Why decoding failed.
  std::string reason;
};

/// A batch of input events from one source topic.
struct input_batch {
  /// The source's own id for the batch, echoed in the ack.
  uint64_t ticket = 0;
  /// The topic the events arrived on.
  std::string topic;
  /// Decoded events.
  std::vector<event_ptr> events;
  /// Inputs that failed to decode.
  std::vector<rejected_input> rejected;
  /// When the batch entered the pipeline (`mono_now_ns`).
  int64_t ingest_ns = 0;
};

/// How the events of one input batch ended up.
struct batch_ack {
  /// The source's ticket.
  uint64_t ticket = 0;
  /// Events routed and handled without a dead letter.
  uint64_t processed = 0;
  /// Events no route matched.
  uint64_t unmatched = 0;
  /// Events (or undecodable inputs) sent to the dead-letter topic.
  uint64_t dead_lettered = 0;
};

/// One event handed to a processor, with its place in the input batch.
struct work_item {
  /// The event.
  event_ptr ev;
  /// Index in the originating input batch, or -1 for derived events.
  int32_t index = -1;
};

/// Events for one processor.
struct work_batch {
  /// The dispatcher's id for this batch.
  uint64_t id = 0;
  /// The events; shared and immutable, so the dispatcher keeps the very batch it sent
  /// for a retry without copying it.
  std::shared_ptr<const std::vector<work_item>> items;

  /// Events in the batch.
  std::size_t size() const noexcept {
    return items ? items->size() : 0;
  }
};

/// An event a processor refused, with its dead-letter record made ready.
struct refusal {
  /// Index in the work batch.
  uint32_t index = 0;
  /// Why the processor refused it.
  std::string reason;
  /// The dead-letter record; the processor builds it, so that work is spread over the
  /// processors instead of queueing in the dispatcher.
  std::string record;
};

/// A processor's answer to a work batch.
struct work_result {
  /// The work batch id.
  uint64_t id = 0;
  /// Events the processor emits (they go back through the dispatcher).
  std::vector<event_ptr> outputs;
  /// Items the processor refused.
  std::vector<refusal> rejected;
};

/// Events one processor refused from one work batch, told to the other processors: a
/// task the agent pool turned away is no longer open for the task processor.
struct refused_events {
  /// The refusing processor's component name, e.g. `processor.agent`.
  std::string by;
  /// The refused events.
  std::vector<event_ptr> events;
  /// Why each was refused.
  std::vector<std::string> reasons;
};

/// Refused events, shared by every processor told of them.
using refused_batch = std::shared_ptr<const refused_events>;

/// Payloads for one topic.
struct topic_records {
  /// Destination topic.
  std::string topic;
  /// Events, written as their bytes.
  std::vector<event_ptr> events;
  /// For each event, the index of the input event in the dispatcher's batch it came
  /// from, or -1 (derived events); may be empty when nobody needs it back.
  std::vector<int32_t> event_inputs;
  /// Raw payloads (dead letters).
  std::vector<std::string> raw;
};

/// Records for the sink.
struct publish_batch {
  /// The dispatcher's id, echoed in the ack.
  uint64_t id = 0;
  /// Records grouped by topic.
  std::vector<topic_records> topics;
};

/// The sink's answer: how many records of a publish batch failed for good.
struct publish_ack {
  /// The publish batch id.
  uint64_t id = 0;
  /// Records that could not be written.
  uint64_t failed = 0;
  /// The `event_inputs` of the event records among them that came from an input, so
  /// the input counts as dead-lettered rather than processed.
  std::vector<int32_t> failed_inputs;
};

} // namespace switchboard

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::input_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::batch_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::work_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::work_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::refused_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::publish_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::publish_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<switchboard::event_ptr>)
