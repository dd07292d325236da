#include <catch2/catch.hpp>

#include <thread>

#include "actors/dispatcher.hpp"
#include "actors/memory_sink.hpp"
#include "demo/generator.hpp"
#include "events/json_writer.hpp"
#include "routes/route_table.hpp"
#include "tests/demo/pipeline_support.hpp"

using namespace switchboard;
using namespace switchboard::test;

namespace {

std::string make_event(const std::string& id, const std::string& type, const std::string& data) {
  return R"({"event_id":")" + id + R"(","event_type":")" + type
         + R"(","timestamp":"2026-11-23T10:00:00.000Z","source":"test","data":)" + data
         + R"(,"metadata":{}})";
}

const char* counting_config = R"({
  "topics": {"dead_letters": "dead_letters", "unmatched": "unmatched"},
  "routes": [
    {"name": "pdf-uploads", "event_types": ["document_uploaded"], "target_topics": ["uploads"],
     "filters": {"data": {"file_path": [{"suffix": ".pdf"}]}},
     "transformations": [{"op": "add", "path": "/metadata/tag", "value": "pdf"}]},
    {"name": "archive", "event_types": ["document_*"], "target_topics": ["doc_archive"],
     "priority": -1},
    {"name": "bad-patch", "event_types": ["task_failed"], "target_topics": ["never"],
     "transformations": [{"op": "remove", "path": "/data/missing"}]}
  ]
})";

switchboard_config load(const char* json) {
  auto cfg = parse_config(json);
  REQUIRE(cfg);
  return *cfg;
}

// A processor whose behaviour a test chooses per event.
class scripted_processor : public processor_logic {
public:
  using handler = std::function<void(const event_ptr&, processor_context&)>;
  scripted_processor(std::string name, handler h) : name_(std::move(name)), h_(std::move(h)) {
    // nop
  }
  std::string_view name() const override {
    return name_;
  }
  void handle(const event_ptr& ev, processor_context& ctx) override {
    ++handled_;
    h_(ev, ctx);
  }
  boost::json::object stats() const override {
    boost::json::object o;
    o["handled"] = handled_;
    return o;
  }

private:
  std::string name_;
  handler h_;
  uint64_t handled_ = 0;
};

struct custom_pipeline {
  caf::actor sink;
  caf::actor dispatcher;
};

custom_pipeline start_custom(test_system& ts, const switchboard_config& cfg,
                             const std::string& topic, scripted_processor::handler h,
                             processors_config procs = {}) {
  auto& sys = *ts.sys;
  custom_pipeline p;
  p.sink = ts.own(spawn_memory_sink(sys, memory_sink_config{1000}));
  dispatcher_config dc;
  dc.routes = cfg.routes;
  dc.topics = cfg.topics;
  dc.processors = procs;
  dc.processor_factories["scripted"] = [h] {
    return std::make_unique<scripted_processor>("scripted", h);
  };
  dc.subscriptions[topic] = "scripted";
  dc.sink = p.sink;
  p.dispatcher = ts.own(spawn_dispatcher(sys, std::move(dc)));
  return p;
}

} // namespace

TEST_CASE("the pipeline delivers, fans out, transforms and dead-letters as the routes say") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = load(counting_config);
  pipeline_options opts;
  opts.keep_per_topic = 100;
  opts.monitoring = false;
  auto p = ts.own(start_pipeline(sys, cfg, opts));
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i)
    lines.push_back(make_event("pdf-" + std::to_string(i), "document_uploaded",
                               R"({"document_id":"d","status":"new","file_path":"/a.pdf"})"));
  for (int i = 0; i < 2; ++i)
    lines.push_back(make_event("doc-" + std::to_string(i), "document_uploaded",
                               R"({"document_id":"d","status":"new","file_path":"/a.docx"})"));
  lines.push_back(make_event("t-1", "task_failed", R"({"task_id":"t"})"));
  lines.push_back(make_event("m-1", "metrics", R"({"value":1})"));
  lines.push_back(R"({"event_id":"broken")");
  auto ack = send_and_wait(sys, p.dispatcher, make_batch(lines));
  REQUIRE(ack);
  CHECK(ack->processed == 5);
  CHECK(ack->dead_lettered == 2);
  CHECK(ack->unmatched == 1);
  CHECK(topic_count(sys, p.sink, "uploads") == 3);
  CHECK(topic_count(sys, p.sink, "doc_archive") == 5);
  CHECK(topic_count(sys, p.sink, "unmatched") == 1);
  CHECK(topic_count(sys, p.sink, "dead_letters") == 2);
  CHECK(topic_count(sys, p.sink, "never") == 0);
  // Transformed copies carry the patch; untouched events travel as their original bytes.
  for (auto& rec : kept(sys, p.sink, "uploads"))
    CHECK_THAT(rec, Catch::Contains(R"("metadata":{"tag":"pdf"})"));
  auto archived = kept(sys, p.sink, "doc_archive");
  REQUIRE(archived.size() == 5);
  CHECK(archived[0] == lines[0]);
  // Dead letters say why and keep the original bytes.
  auto dead = kept(sys, p.sink, "dead_letters");
  REQUIRE(dead.size() == 2);
  auto joined = dead[0] + dead[1];
  CHECK_THAT(joined, Catch::Contains(R"("kind":"transform_failed")"));
  CHECK_THAT(joined, Catch::Contains(R"("route":"bad-patch")"));
  CHECK_THAT(joined, Catch::Contains(R"("kind":"malformed")"));
  CHECK_THAT(joined, Catch::Contains(R"("original":"{\"event_id\":\"broken\"")"));
  stop_pipeline(p);
}

TEST_CASE("every generated demo event is processed, dead-lettered or unmatched") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = parse_config(builtin_demo_config());
  REQUIRE(cfg);
  pipeline_options opts;
  opts.monitoring = true;
  opts.monitor_tick_ms = 100;
  auto p = ts.own(start_pipeline(sys, *cfg, opts));
  generator_config gc;
  gc.traffic.error_rate = 10;
  gc.traffic.seed = 7;
  gc.rate = 0;
  gc.max_events = 20000;
  gc.duration_seconds = 60;
  gc.dispatcher = p.dispatcher;
  auto gen = ts.own(spawn_generator(sys, gc));
  caf::scoped_actor self{sys};
  generation_report rep;
  self->request(gen, std::chrono::seconds(60), stop_atom::value)
    .receive([&](generation_report& r) { rep = r; }, [](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(rep.generated == 20000);
  CHECK(rep.processed + rep.dead_lettered + rep.unmatched == rep.generated);
  CHECK(rep.dead_lettered >= rep.malformed + rep.failing);
  CHECK(rep.processed > 15000);
  CHECK(topic_count(sys, p.sink, "dead_letters") >= rep.dead_lettered);
  CHECK(topic_count(sys, p.sink, "documents") > 0);
  CHECK(topic_count(sys, p.sink, "tasks") > 0);
  caf::anon_send_exit(gen, caf::exit_reason::user_shutdown);
  stop_pipeline(p);
}

TEST_CASE("a crashing processor is restarted, its batch retried, then dead-lettered") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = load(R"({"routes":[{"name":"to-scripted","target_topics":["work"]}]})");
  processors_config procs;
  procs.max_retries = 2;
  procs.restart_backoff_ms = 5;
  std::atomic<int> attempts{0};
  auto p = start_custom(ts, cfg, "work", [&](const event_ptr& ev, processor_context&) {
    if (ev->data_string("poison") == "yes") {
      ++attempts;
      throw std::runtime_error("poison pill");
    }
  }, procs);
  auto ack = send_and_wait(sys, p.dispatcher,
                           make_batch({make_event("ok-1", "task_created", R"({"poison":"no"})"),
                                       make_event("bad", "task_created", R"({"poison":"yes"})")}));
  REQUIRE(ack);
  // Both shared the crashing batch: it was tried 1 + max_retries times, then dead-lettered.
  CHECK(attempts == 3);
  CHECK(ack->dead_lettered == 2);
  auto dead = kept(sys, p.sink, "dead_letters");
  REQUIRE(dead.size() == 2);
  CHECK_THAT(dead[0], Catch::Contains("processor_crashed"));
  CHECK_THAT(dead[0], Catch::Contains("crashed on this batch 3 times"));
  // The processor is back and handles the next batch.
  auto next = send_and_wait(sys, p.dispatcher,
                            make_batch({make_event("ok-2", "task_created", R"({"poison":"no"})")}));
  REQUIRE(next);
  CHECK(next->processed == 1);
  auto stats = ask(sys, p.dispatcher);
  CHECK(stats.at("processors").at("scripted").at("restarts").to_number<int>() == 3);
  CHECK(stats.at("processors").at("scripted").at("up").as_bool());
  caf::anon_send_exit(p.dispatcher, caf::exit_reason::user_shutdown);
}

TEST_CASE("a slow processor throttles the source and keeps its queue bounded") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = load(R"({"routes":[{"name":"to-scripted","target_topics":["work"]}]})");
  processors_config procs;
  procs.max_inflight_batches = 2;
  auto p = start_custom(ts, cfg, "work", [](const event_ptr&, processor_context&) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }, procs);
  generator_config gc;
  gc.traffic.error_rate = 0;
  gc.rate = 0; // as fast as credit allows: far faster than 5000 events/s of processing
  gc.batch_size = 50;
  gc.max_inflight = 4;
  gc.duration_seconds = 1.5;
  gc.dispatcher = p.dispatcher;
  auto gen = ts.own(spawn_generator(sys, gc));
  uint64_t max_depth = 0;
  for (int i = 0; i < 12; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto stats = ask(sys, p.dispatcher);
    max_depth = std::max(max_depth, stats.at("processors").at("scripted").at("queue_depth")
                                      .to_number<uint64_t>());
    CHECK(stats.at("open_batches").to_number<uint64_t>() <= 4);
  }
  caf::scoped_actor self{sys};
  generation_report rep;
  self->request(gen, std::chrono::seconds(30), stop_atom::value)
    .receive([&](generation_report& r) { rep = r; }, [](caf::error& err) { FAIL(caf::to_string(err)); });
  // The queue never held more than the source's credit: 4 batches of 50.
  CHECK(max_depth > 0);
  CHECK(max_depth <= 200);
  // Processing at ~5k/s for 1.5 s bounds what could be generated.
  CHECK(rep.generated < 12000);
  CHECK(rep.processed == rep.generated);
  caf::anon_send_exit(p.dispatcher, caf::exit_reason::user_shutdown);
}

TEST_CASE("a routing loop is cut at the hop limit and dead-lettered") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = load(R"({"routes":[{"name":"echo","target_topics":["loop"]}]})");
  auto p = start_custom(ts, cfg, "loop", [](const event_ptr& ev, processor_context& ctx) {
    // Re-emit every event: its copy comes back to this processor, forever.
    ctx.emit(ctx.factory().create(ev->event_type(), {}));
  });
  auto ack = send_and_wait(sys, p.dispatcher,
                           make_batch({make_event("seed", "task_created", "{}")}));
  REQUIRE(ack);
  CHECK(ack->processed == 1);
  auto dead = kept(sys, p.sink, "dead_letters");
  REQUIRE(dead.size() == 1);
  CHECK_THAT(dead[0], Catch::Contains("routing_loop"));
  CHECK_THAT(dead[0], Catch::Contains("exceeds the hop limit of 8"));
  CHECK(topic_count(sys, p.sink, "loop") == 9);
  caf::anon_send_exit(p.dispatcher, caf::exit_reason::user_shutdown);
}

TEST_CASE("the dispatcher counts dead letters by kind and lists the latest twenty in order") {
  test_system ts;
  auto& sys = *ts.sys;
  auto cfg = load(counting_config);
  pipeline_options opts;
  opts.monitoring = false;
  auto p = ts.own(start_pipeline(sys, cfg, opts));
  input_batch b;
  b.ticket = 1;
  b.topic = "events";
  for (int i = 0; i < 25; ++i)
    b.rejected.push_back(rejected_input{"x", "broken #" + std::to_string(i)});
  b.ingest_ns = mono_now_ns();
  auto ack = send_and_wait(sys, p.dispatcher, std::move(b));
  REQUIRE(ack);
  CHECK(ack->dead_lettered == 25);
  auto stats = ask(sys, p.dispatcher);
  REQUIRE(stats.is_object());
  CHECK(stats.at("dead_letters").at("malformed").to_number<int>() == 25);
  auto& recent = stats.at("recent_dead_letters").as_array();
  REQUIRE(recent.size() == 20);
  // The oldest kept is #5, the newest #24.
  for (std::size_t n = 0; n < recent.size(); ++n)
    CHECK(recent[n].at("reason").as_string() == ("broken #" + std::to_string(n + 5)).c_str());
  stop_pipeline(p);
}
