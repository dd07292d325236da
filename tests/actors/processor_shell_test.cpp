// The processor shell actor: timer ticks for its logic and statistics reports.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/processor.hpp"
#include "actors/protocol.hpp"

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

} // namespace

TEST_CASE("a processor logic gets the short ticks it asks for; reports keep their pace") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto counts = std::make_shared<tick_counts>();
  auto monitor = sys.spawn(report_counter, counts);
  processor_shell_config pc;
  pc.make = [counts] { return std::make_unique<ticking_logic>(counts, 5); };
  pc.monitor = monitor;
  pc.tick_ms = 3000;
  auto start = std::chrono::steady_clock::now();
  auto shell = spawn_processor(sys, pc);
  // At the shell's own pace this would take a minute.
  while (counts->ticks < 20 && std::chrono::steady_clock::now() - start < 2500ms)
    std::this_thread::sleep_for(5ms);
  CHECK(counts->ticks >= 20);
  CHECK(counts->reports == 0);
  caf::anon_send_exit(shell, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(monitor, caf::exit_reason::user_shutdown);
}

TEST_CASE("a processor logic without a tick interval ticks and reports at the shell's pace") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto counts = std::make_shared<tick_counts>();
  auto monitor = sys.spawn(report_counter, counts);
  processor_shell_config pc;
  pc.make = [counts] { return std::make_unique<ticking_logic>(counts, 0); };
  pc.monitor = monitor;
  pc.tick_ms = 20;
  auto start = std::chrono::steady_clock::now();
  auto shell = spawn_processor(sys, pc);
  while (counts->reports < 5 && std::chrono::steady_clock::now() - start < 10s)
    std::this_thread::sleep_for(5ms);
  CHECK(counts->reports >= 5);
  // Every report comes from a tick, and ticks come no faster than reports.
  CHECK(counts->ticks >= counts->reports);
  CHECK(counts->ticks <= counts->reports + 2);
  caf::anon_send_exit(shell, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(monitor, caf::exit_reason::user_shutdown);
}
