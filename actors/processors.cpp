#include "actors/processors.hpp"

namespace switchboard {

std::map<std::string, processor_factory>
default_processor_factories(const processors_config& cfg) {
  return {
    {"document", [cfg] { return make_document_processor(cfg); }},
    {"task", [cfg] { return make_task_processor(cfg); }},
    {"agent", [cfg] { return make_agent_processor(cfg); }},
    {"analytics", [cfg] { return make_analytics_processor(cfg); }},
    {"notification", [cfg] { return make_notification_processor(cfg); }},
  };
}

dispatcher_config pipeline_dispatcher(const switchboard_config& cfg, caf::actor sink,
                                      caf::actor monitor) {
  dispatcher_config dc;
  dc.routes = cfg.routes;
  dc.topics = cfg.topics;
  dc.processors = cfg.processors;
  dc.processor_factories = default_processor_factories(cfg.processors);
  dc.subscriptions = default_subscriptions();
  dc.sink = std::move(sink);
  dc.monitor = std::move(monitor);
  return dc;
}

} // namespace switchboard
