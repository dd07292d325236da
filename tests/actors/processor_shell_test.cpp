// The processor shell actor: timer ticks for its logic and statistics reports.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/processor.hpp"
#include "actors/protocol.hpp"
#include "events/codec.hpp"

using namespace switchboard;
using namespace std::chrono_literals;

namespace {

struct tick_counts {
  std::atomic<int> ticks{0};
  std::atomic<int> reports{0};
};

class ticking_logic : public processor_logic {
public:
  ticking_logic(std::shared_ptr<tick_counts> counts, int interval_ms)
    : counts_(std::move(counts)), interval_ms_(interval_ms) {
    // nop
  }

  std::string_view name() const override {
    return "ticking";
  }

  void handle(const event_ptr&, processor_context&) override {
    // nop
  }

  void tick(processor_context&) override {
    ++counts_->ticks;
  }

  int tick_interval_ms() const override {
    return interval_ms_;
  }

  boost::json::object stats() const override {
    return {};
  }

private:
  std::shared_ptr<tick_counts> counts_;
  int interval_ms_;
};

caf::behavior report_counter(caf::event_based_actor*, std::shared_ptr<tick_counts> counts) {
  return {
    [=](stats_atom, const std::string&, const std::string&) { ++counts->reports; },
    [](heartbeat_atom, const std::string&) {},
  };
}

// A shell around a ticking logic, reporting to a counting monitor.
struct shell_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<tick_counts> counts = std::make_shared<tick_counts>();
  caf::actor monitor;
  caf::actor shell;
  std::chrono::steady_clock::time_point start;

  shell_fixture(int logic_interval_ms, int shell_tick_ms) {
    monitor = sys.spawn(report_counter, counts);
    processor_shell_config pc;
    auto c = counts;
    pc.make = [c, logic_interval_ms] {
      return std::make_unique<ticking_logic>(c, logic_interval_ms);
    };
    pc.monitor = monitor;
    pc.tick_ms = shell_tick_ms;
    start = std::chrono::steady_clock::now();
    shell = spawn_processor(sys, pc);
  }

  ~shell_fixture() {
    caf::anon_send_exit(shell, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(monitor, caf::exit_reason::user_shutdown);
  }

  /// Waits until `done` holds or `limit` passed since the start.
  template <class Pred>
  void wait_for(Pred done, std::chrono::milliseconds limit) {
    while (!done() && std::chrono::steady_clock::now() - start < limit)
      std::this_thread::sleep_for(5ms);
  }
};

} // namespace

TEST_CASE("a processor logic gets the short ticks it asks for; reports keep their pace") {
  shell_fixture f{5, 3000};
  // At the shell's own pace this would take a minute.
  f.wait_for([&] { return f.counts->ticks >= 20; }, 2500ms);
  CHECK(f.counts->ticks >= 20);
  CHECK(f.counts->reports == 0);
}

TEST_CASE("a processor logic without a tick interval ticks and reports at the shell's pace") {
  shell_fixture f{0, 20};
  f.wait_for([&] { return f.counts->reports >= 5; }, 10000ms);
  CHECK(f.counts->reports >= 5);
  // Every report comes from a tick, and ticks come no faster than reports.
  CHECK(f.counts->ticks >= f.counts->reports);
  CHECK(f.counts->ticks <= f.counts->reports + 2);
}

namespace {

// Records the order of prepare, handle and on_refused calls as "p<id>", "h<id>" and
// "r<id>".
class recording_logic : public processor_logic {
public:
  explicit recording_logic(std::shared_ptr<std::vector<std::string>> calls)
    : calls_(std::move(calls)) {
    // nop
  }

  std::string_view name() const override {
    return "recording";
  }

  void prepare(const event& next) override {
    calls_->push_back("p" + std::string{next.event_id()});
  }

  void handle(const event_ptr& ev, processor_context&) override {
    calls_->push_back("h" + std::string{ev->event_id()});
  }

  void on_refused(const event& ev, std::string_view, std::string_view,
                  processor_context&) override {
    calls_->push_back("r" + std::string{ev.event_id()});
  }

  boost::json::object stats() const override {
    return {};
  }

private:
  std::shared_ptr<std::vector<std::string>> calls_;
};

} // namespace

// A shell around a recording logic, answering to this test as its dispatcher.
struct recording_shell {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::shared_ptr<std::vector<std::string>> calls
    = std::make_shared<std::vector<std::string>>();
  caf::actor shell;
  codec dec;

  recording_shell() {
    processor_shell_config pc;
    pc.make = [calls = calls] { return std::make_unique<recording_logic>(calls); };
    pc.dispatcher = self;
    shell = spawn_processor(sys, pc);
  }

  ~recording_shell() {
    caf::anon_send_exit(shell, caf::exit_reason::user_shutdown);
  }

  // An event of `type` whose id is `i`.
  event_ptr make(int i, const std::string& type) {
    auto ev = dec.decode(R"({"event_id":")" + std::to_string(i) + R"(","event_type":")" + type
                         + R"(","timestamp":"t","source":"s","data":{}})");
    REQUIRE(ev);
    return *ev;
  }

  // Sends a work batch of `items` and waits for its result.
  void process(uint64_t id, std::vector<work_item> items) {
    work_batch wb;
    wb.id = id;
    wb.items = std::make_shared<std::vector<work_item>>(std::move(items));
    self->send(shell, process_atom::value, wb);
    self->receive([id](done_atom, const work_result& r) { CHECK(r.id == id); },
                  caf::after(std::chrono::seconds(10)) >> [] { FAIL("no work result"); });
  }
};

TEST_CASE("a processor logic is prepared for each event one step before it is handled") {
  recording_shell f;
  std::vector<work_item> items;
  for (int i = 0; i < 4; ++i)
    items.push_back(work_item{f.make(i, "metrics"), i});
  f.process(7, std::move(items));
  CHECK(*f.calls == std::vector<std::string>{"p0", "p1", "h0", "p2", "h1", "p3", "h2", "h3"});
}

TEST_CASE("events refused elsewhere are prepared one step before they are heard of") {
  recording_shell f;
  auto refused = std::make_shared<refused_events>();
  refused->by = "processor.agent";
  for (int i = 0; i < 3; ++i) {
    refused->events.push_back(f.make(i, "task_created"));
    refused->reasons.emplace_back("busy");
  }
  f.self->send(f.shell, refused_atom::value, refused_batch{refused});
  // A batch sent after the notice is handled after it: its result means the notice was
  // heard.
  f.process(8, {});
  CHECK(*f.calls == std::vector<std::string>{"p0", "p1", "r0", "p2", "r1", "r2"});
}
