#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <boost/json/parse.hpp>

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
  auto dispatcher = spawn_dispatcher(sys, pipeline_dispatcher(*cfg, sink));

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

namespace {

// Stands in for the monitor: keeps the latest statistics each component reported.
struct stats_seen {
  std::mutex mutex;
  std::map<std::string, std::string> latest;

  std::string of(const std::string& component) {
    std::lock_guard<std::mutex> guard{mutex};
    auto i = latest.find(component);
    return i == latest.end() ? std::string{} : i->second;
  }
};

caf::behavior stats_keeper(caf::event_based_actor*, std::shared_ptr<stats_seen> seen) {
  return {
    [=](stats_atom, const std::string& component, const std::string& json) {
      std::lock_guard<std::mutex> guard{seen->mutex};
      seen->latest[component] = json;
    },
    [](heartbeat_atom, const std::string&) {},
    [](health_atom, const std::string&, const std::string&, const std::string&) {},
    [](notify_atom, const std::vector<std::string>&) {},
  };
}

uint64_t number_at(const std::string& json, std::initializer_list<std::string_view> path) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec)
    return UINT64_MAX;
  const boost::json::value* at = &v;
  for (auto key : path) {
    const auto* obj = at->if_object();
    if (obj == nullptr || !obj->contains(key))
      return UINT64_MAX;
    at = &obj->at(key);
  }
  return at->is_uint64() ? at->get_uint64() : static_cast<uint64_t>(at->to_number<int64_t>());
}

} // namespace

TEST_CASE("tasks the agent pool turns away are dead-lettered and close in every processor") {
  auto cfg = load_config(SWITCHBOARD_SOURCE_DIR "/config/demo.json");
  REQUIRE(cfg);
  // Runs that never end within the test: the pool fills, its queue fills, the rest is
  // refused.
  cfg->processors.agent_service_min_seconds = 600;
  cfg->processors.agent_service_max_seconds = 600;
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  auto seen = std::make_shared<stats_seen>();
  auto monitor = sys.spawn(stats_keeper, seen);
  auto sink = spawn_memory_sink(sys, memory_sink_config{0});
  auto dc = pipeline_dispatcher(*cfg, sink, monitor);
  dc.tick_ms = 20;
  auto dispatcher = spawn_dispatcher(sys, dc);

  // Two analysis agents of 64 slots each and a queue of 1024 take 1152 tasks.
  constexpr int uploads = 1300;
  constexpr int refused = uploads - 2 * 64 - 1024;
  event_factory input{"test"};
  for (int b = 0; b < uploads / 100; ++b) {
    input_batch batch;
    batch.ticket = static_cast<uint64_t>(b + 1);
    batch.topic = "events";
    for (int i = 0; i < 100; ++i) {
      auto id = "doc-" + std::to_string(b * 100 + i);
      auto up = input.create_document_event(id, "uploaded", "uploaded", "/in/" + id + ".txt");
      REQUIRE(up);
      batch.events.push_back(*up);
    }
    self->send(dispatcher, batch_atom::value, std::move(batch));
    self->receive([&](ack_atom, const batch_ack& ack) { CHECK(ack.processed == 100); },
                  caf::after(std::chrono::seconds(10)) >> [] { FAIL("no ack"); });
  }
  auto settled = [&] {
    return number_at(seen->of("processor.task"), {"states", "refused"}) == refused
           && number_at(seen->of("processor.document"), {"refused_analyses"}) == refused;
  };
  for (int i = 0; i < 400 && !settled(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  auto tasks = seen->of("processor.task");
  auto docs = seen->of("processor.document");
  INFO(tasks << "\n" << docs);
  CHECK(number_at(tasks, {"states", "refused"}) == refused);
  CHECK(number_at(tasks, {"active"}) == uploads - refused);
  CHECK(number_at(docs, {"refused_analyses"}) == refused);
  CHECK(number_at(docs, {"in_progress"}) == uploads - refused);
  CHECK(number_at(docs, {"documents", "failed"}) == refused);
  self->request(sink, std::chrono::seconds(5), snapshot_atom::value)
    .receive(
      [&](const std::string& counts) {
        CHECK(number_at(counts, {"dead_letters"}) == refused);
      },
      [&](caf::error& err) { FAIL(caf::to_string(err)); });
  self->send_exit(dispatcher, caf::exit_reason::user_shutdown);
  self->send_exit(sink, caf::exit_reason::user_shutdown);
  self->send_exit(monitor, caf::exit_reason::user_shutdown);
}
