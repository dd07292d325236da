#pragma once

#include <map>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/processor.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// Everything the dispatcher needs: routes, flow-control settings, processors, sink, monitor.
struct dispatcher_config {
  /// The id stamped by `add_routing_metadata`.
  std::string id = "dispatcher";
  /// The compiled routes.
  std::shared_ptr<const route_table> routes;
  /// Dead-letter and unmatched topics.
  topics_config topics;
  /// Batching, supervision and hop-limit settings.
  processors_config processors;
  /// Processor name -> factory of its logic; the dispatcher spawns and supervises them.
  std::map<std::string, processor_factory> processor_factories;
  /// Topic -> processor name: events delivered to the topic are handled by that processor.
  std::map<std::string, std::string> subscriptions;
  /// Receives `publish_batch`es for every delivered topic and the dead letters.
  caf::actor sink;
  /// Receives statistics, heartbeats and health changes; may be null.
  caf::actor monitor;
  /// Milliseconds between statistics reports.
  int tick_ms = 250;
};

/// The topic processors subscribe to by default: documents -> document, tasks -> task, ...
std::map<std::string, std::string> default_subscriptions();

/// Spawns the dispatcher, which spawns and supervises the processors.
///
/// Sources send `(batch_atom, input_batch)` and get `(ack_atom, batch_ack)` back when
/// every event of the batch is fully handled (processed, unmatched or dead-lettered and
/// every output acknowledged by the sink); unacknowledged batches are the sources' credit.
caf::actor spawn_dispatcher(caf::actor_system& sys, dispatcher_config cfg);

} // namespace switchboard
