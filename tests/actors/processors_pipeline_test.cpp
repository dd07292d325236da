#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <caf/all.hpp>

#include "actors/dispatcher.hpp"
#include "actors/memory_sink.hpp"
#include "actors/processors.hpp"
#include "events/factory.hpp"
#include "routes/config.hpp"

using namespace switchboard;

namespace {

// The records the sink kept for `topic`.
std::vector<std::string> records(caf::scoped_actor& self, const caf::actor& sink,
                                 const std::string& topic) {
  std::vector<std::string> out;
  self->request(sink, std::chrono::seconds(5), snapshot_atom::value, topic)
    .receive([&](std::vector<std::string>& recs) { out = std::move(recs); },
             [&](caf::error& err) { FAIL(caf::to_string(err)); });
  return out;
}

bool any_contains(const std::vector<std::string>& recs, std::string_view a, std::string_view b) {
  for (const auto& r : recs)
    if (r.find(a) != std::string::npos && r.find(b) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("an upload runs through every processor of the demo config") {
  auto cfg = load_config(SWITCHBOARD_SOURCE_DIR "/config/demo.json");
  REQUIRE(cfg);
  cfg->processors.agent_failure_probability = 0;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  auto sink = spawn_memory_sink(sys, memory_sink_config{1000});
  dispatcher_config dc;
  dc.routes = cfg->routes;
  dc.topics = cfg->topics;
  dc.processors = cfg->processors;
  dc.processor_factories = default_processor_factories(cfg->processors);
  dc.subscriptions = default_subscriptions();
  dc.sink = sink;
  auto dispatcher = spawn_dispatcher(sys, dc);

  event_factory input{"test"};
  auto up = input.create_document_event("doc-42", "uploaded", "uploaded", "/in/doc-42.pdf", {},
                                        {{"owner", "alice"}});
  REQUIRE(up);
  input_batch batch;
  batch.ticket = 1;
  batch.topic = "events";
  batch.events.push_back(*up);
  self->send(dispatcher, batch_atom::value, std::move(batch));
  self->receive([&](ack_atom, const batch_ack& ack) { CHECK(ack.processed == 1); },
                caf::after(std::chrono::seconds(10)) >> [] { FAIL("no ack"); });

  // The simulated agent run ends on a processor timer; wait (bounded) for the outcome.
  bool analyzed = false;
  for (int i = 0; i < 200 && !analyzed; ++i) {
    analyzed = any_contains(records(self, sink, "documents"), "\"document_analyzed\"", "doc-42");
    if (!analyzed)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(analyzed);
  auto tasks = records(self, sink, "tasks");
  CHECK(any_contains(tasks, "\"task_created\"", "analysis:doc-42"));
  CHECK(any_contains(tasks, "\"task_started\"", "analysis:doc-42"));
  CHECK(any_contains(tasks, "\"task_completed\"", "analysis:doc-42"));
  CHECK(any_contains(records(self, sink, "agents"), "\"agent_task_completed\"",
                     "analysis:doc-42"));
  CHECK(any_contains(records(self, sink, "notifications"), "\"user_notification\"",
                     "Task analysis:doc-42 completed"));
  CHECK(records(self, sink, "dead_letters").empty());
  self->send_exit(dispatcher, caf::exit_reason::user_shutdown);
  self->send_exit(sink, caf::exit_reason::user_shutdown);
}
