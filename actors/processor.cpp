#include "actors/processor.hpp"

#include <algorithm>
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>

#include "actors/actor_defaults.hpp"
#include "actors/dead_letter.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

struct shell_state {
  processor_shell_config cfg;
  std::unique_ptr<processor_logic> logic;
  std::unique_ptr<event_factory> factory;
  std::unique_ptr<processor_context> ctx;
  std::string component;
  std::chrono::milliseconds tick_interval{250};
  std::chrono::steady_clock::time_point next_report;
  static inline const char* name = "processor";
};

double seconds_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// Reads the clock once for a batch: the time the logic sees, and the timestamp of the
// events it makes (one reading for all of them).
double batch_time(shell_state& st) {
  auto t = std::chrono::system_clock::now();
  st.factory->set_time(t);
  return seconds_of(t);
}

// Calls `handle` for each of `n` events in order, each after `prepare` of the one
// after it: what the next event needs loads while the current one is handled.
template <class Prepare, class Handle>
void with_lookahead(std::size_t n, Prepare&& prepare, Handle&& handle) {
  if (n > 0)
    prepare(0);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + 1 < n)
      prepare(i + 1);
    handle(i);
  }
}

// Sends what the logic queued for subscribers and error logs to the monitor.
void flush_side_channels(caf::stateful_actor<shell_state>* self) {
  auto& st = self->state;
  // One message per batch: at full rate a processor notifies thousands of times a second.
  if (st.cfg.monitor && !st.ctx->notifications().empty()) {
    std::vector<std::string> batch;
    batch.swap(st.ctx->notifications());
    self->send(st.cfg.monitor, notify_atom::value, std::move(batch));
  }
  st.ctx->notifications().clear();
  st.ctx->errors().clear();
}

caf::behavior processor_shell(caf::stateful_actor<shell_state>* self,
                              processor_shell_config cfg) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.logic = st.cfg.make();
  st.component = "processor." + std::string{st.logic->name()};
  st.factory = std::make_unique<event_factory>(st.component);
  st.ctx = std::make_unique<processor_context>(*st.factory);
  auto wanted = st.logic->tick_interval_ms();
  st.tick_interval = std::chrono::milliseconds(
    wanted > 0 ? std::min(wanted, st.cfg.tick_ms) : st.cfg.tick_ms);
  st.next_report = std::chrono::steady_clock::now() + std::chrono::milliseconds(st.cfg.tick_ms);
  self->delayed_send(self, st.tick_interval, tick_atom::value);
  return {
    [=](process_atom, work_batch& wb) {
      auto& st = self->state;
      work_result res;
      res.id = wb.id;
      auto now = batch_time(st);
      auto n = wb.size();
      const auto& items = *wb.items;
      // Two steps ahead the event's memory starts loading, one step ahead the state it
      // will need: each arrives while the events before it are handled.
      if (n > 0)
        prefetch(*items[0].ev);
      auto prepare = [&](std::size_t i) {
        if (i + 1 < n)
          prefetch(*items[i + 1].ev);
        st.logic->prepare(*items[i].ev);
      };
      with_lookahead(n, prepare, [&](std::size_t i) {
        const auto& item = items[i];
        st.ctx->begin(item.ev.get(), now);
        st.logic->handle(item.ev, *st.ctx);
        if (!st.ctx->rejection().empty()) {
          auto reason = st.ctx->take_rejection();
          auto record = make_dead_letter("processor_rejected", reason, "", st.component,
                                         *item.ev, st.factory->timestamp());
          res.rejected.push_back(
            refusal{static_cast<uint32_t>(i), std::move(reason), std::move(record)});
        }
      });
      st.factory->derive_from(nullptr);
      res.outputs.swap(st.ctx->outputs());
      flush_side_channels(self);
      self->send(st.cfg.dispatcher, done_atom::value, std::move(res));
    },
    [=](refused_atom, const refused_batch& rb) {
      auto& st = self->state;
      auto now = batch_time(st);
      const auto& events = rb->events;
      with_lookahead(
        events.size(), [&](std::size_t i) { st.logic->prepare(*events[i]); },
        [&](std::size_t i) {
          st.ctx->begin(events[i].get(), now);
          st.logic->on_refused(*events[i], rb->by, rb->reasons[i], *st.ctx);
        });
      st.factory->derive_from(nullptr);
      if (!st.ctx->outputs().empty()) {
        std::vector<event_ptr> out;
        out.swap(st.ctx->outputs());
        self->send(st.cfg.dispatcher, emit_atom::value, std::move(out));
      }
      flush_side_channels(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.ctx->begin(nullptr, batch_time(st));
      st.logic->tick(*st.ctx);
      if (!st.ctx->outputs().empty()) {
        std::vector<event_ptr> out;
        out.swap(st.ctx->outputs());
        self->send(st.cfg.dispatcher, emit_atom::value, std::move(out));
      }
      flush_side_channels(self);
      auto now = std::chrono::steady_clock::now();
      if (st.cfg.monitor && now >= st.next_report) {
        st.next_report = now + std::chrono::milliseconds(st.cfg.tick_ms);
        self->send(st.cfg.monitor, stats_atom::value, st.component,
                   to_json(boost::json::value(st.logic->stats())));
        self->send(st.cfg.monitor, heartbeat_atom::value, st.component);
      }
      self->delayed_send(self, st.tick_interval, tick_atom::value);
    },
  };
}

} // namespace

void processor_context::emit(caf::expected<event_ptr> ev) {
  if (ev)
    outputs_.push_back(std::move(*ev));
  else
    errors_.push_back(error_text(ev.error()));
}

void processor_context::reject(std::string reason) {
  rejection_ = std::move(reason);
}

void processor_context::notify(std::string json) {
  notifications_.push_back(std::move(json));
}

void processor_context::begin(const event* current, double now) {
  now_ = now;
  rejection_.clear();
  factory_.derive_from(current);
}

processor_logic::~processor_logic() {
  // nop
}

void processor_logic::prepare(const event&) {
  // nop
}

void processor_logic::on_refused(const event&, std::string_view, std::string_view,
                                 processor_context&) {
  // nop
}

void processor_logic::tick(processor_context&) {
  // nop
}

int processor_logic::tick_interval_ms() const {
  return 0;
}

caf::actor spawn_processor(caf::actor_system& sys, processor_shell_config cfg) {
  return sys.spawn(processor_shell, std::move(cfg));
}

caf::actor spawn_monitored_processor(caf::event_based_actor* parent,
                                     processor_shell_config cfg) {
  return parent->spawn<caf::monitored>(processor_shell, std::move(cfg));
}

} // namespace switchboard
