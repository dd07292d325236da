#pragma once

#include <map>
#include <memory>
#include <string>

#include "actors/dispatcher.hpp"
#include "actors/processor.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// The document processor: uploads start analysis tasks, analysis outcomes finish documents.
std::unique_ptr<processor_logic> make_document_processor(const processors_config& cfg);

/// The task processor: the task lifecycle, durations and completion notifications.
std::unique_ptr<processor_logic> make_task_processor(const processors_config& cfg);

/// The agent processor: assigns tasks to the agent pool and simulates their runs.
std::unique_ptr<processor_logic> make_agent_processor(const processors_config& cfg);

/// The analytics processor: windowed counts, rates, latency percentiles and anomalies.
std::unique_ptr<processor_logic> make_analytics_processor(const processors_config& cfg);

/// The notification processor: de-duplicates, logs, streams and delivers to webhooks.
std::unique_ptr<processor_logic> make_notification_processor(const processors_config& cfg);

/// Factories of all five processors keyed by name (document, task, agent, analytics,
/// notification); each factory copies `cfg`.
std::map<std::string, processor_factory>
default_processor_factories(const processors_config& cfg);

/// A dispatcher with the routes, topics and processor settings of `cfg`, all five
/// processors on their default topics, writing to `sink` and reporting to `monitor`.
dispatcher_config pipeline_dispatcher(const switchboard_config& cfg, caf::actor sink,
                                      caf::actor monitor = {});

} // namespace switchboard
