#include "actors/kafka_sink.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/kafka_client.hpp"
#include "actors/kafka_link.hpp"
#include "actors/protocol.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

using poll_atom = caf::atom_constant<caf::atom("kpoll")>;

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

// The producer and the callbacks it calls from `poll`; the actor points the callbacks at
// its state once it runs and clears them before it goes.
struct producer_core {
  std::unique_ptr<kafka_producer> producer;
  std::function<void(const kafka_delivery&)> on_delivery;
  std::function<void(const kafka_client_error&)> on_error;
};

// A publish batch waiting for delivery reports.
struct open_publish {
  caf::actor sender;
  uint64_t id = 0;
  uint64_t remaining = 0;
  uint64_t failed = 0;
};

// A publish batch whose records are not all handed to librdkafka yet.
struct unsent_publish {
  uint64_t key = 0;
  publish_batch batch;
  std::size_t topic = 0;
  std::size_t record = 0;
};

struct sink_state {
  kafka_sink_config cfg;
  std::shared_ptr<producer_core> core;
  std::unique_ptr<kafka_link> link;
  std::unordered_map<uint64_t, open_publish> open;
  std::deque<unsent_publish> unsent;
  uint64_t next_key = 1;
  bool polling = false;
  uint64_t produced = 0;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t acked_batches = 0;
  uint64_t queue_full = 0;
  // Failures not logged yet: one line per second at most names the latest reason.
  uint64_t unlogged_failures = 0;
  double next_failure_log = 0;
  static inline const char* name = "kafka_sink";

  ~sink_state() {
    if (core) {
      core->on_delivery = nullptr;
      core->on_error = nullptr;
    }
  }
};

using sink_actor = caf::stateful_actor<sink_state>;

void report_health(sink_actor* self, const kafka_link_change& change) {
  report_link_change(self->state.cfg.monitor, "kafka_sink", change);
}

// Records that failed for good are counted and logged, a line per second at most.
void log_failure(sink_state& st, const caf::error& err) {
  ++st.unlogged_failures;
  auto now = wall_seconds();
  if (now < st.next_failure_log)
    return;
  spdlog::warn("kafka_sink: {} record(s) not delivered, latest: {}", st.unlogged_failures,
               error_text(err));
  st.unlogged_failures = 0;
  st.next_failure_log = now + 1;
}

void settle(sink_actor* self, uint64_t key, bool ok) {
  auto& st = self->state;
  auto i = st.open.find(key);
  if (i == st.open.end())
    return;
  auto& op = i->second;
  if (ok) {
    ++st.delivered;
  } else {
    ++st.failed;
    ++op.failed;
  }
  if (--op.remaining > 0)
    return;
  ++st.acked_batches;
  self->send(op.sender, published_atom::value, publish_ack{op.id, op.failed});
  st.open.erase(i);
}

// Hands unsent records to librdkafka in order until its queue is full.
void drain(sink_actor* self) {
  auto& st = self->state;
  auto& producer = *st.core->producer;
  while (!st.unsent.empty()) {
    auto& u = st.unsent.front();
    while (u.topic < u.batch.topics.size()) {
      auto& rec = u.batch.topics[u.topic];
      auto total = rec.events.size() + rec.raw.size();
      while (u.record < total) {
        caf::error err;
        // Events are keyed by their id: load spreads evenly over partitions and an event
        // delivered again after a replay lands in the partition of its first copy.
        if (u.record < rec.events.size()) {
          auto& ev = rec.events[u.record];
          err = producer.produce(rec.topic, ev->event_id(), ev->bytes(), u.key);
        } else {
          err = producer.produce(rec.topic, {}, rec.raw[u.record - rec.events.size()], u.key);
        }
        if (err == kafka_errc::queue_full) {
          ++st.queue_full;
          return;
        }
        ++u.record;
        ++st.produced;
        if (err) {
          log_failure(st, err);
          settle(self, u.key, false);
        }
      }
      ++u.topic;
      u.record = 0;
    }
    st.unsent.pop_front();
  }
}

void schedule_poll(sink_actor* self) {
  auto& st = self->state;
  if (st.polling)
    return;
  st.polling = true;
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.poll_interval_ms),
                     poll_atom::value);
}

boost::json::object stats_json(const sink_state& st) {
  boost::json::object o;
  o["records_produced"] = st.produced;
  o["records_delivered"] = st.delivered;
  o["records_failed"] = st.failed;
  o["batches_acked"] = st.acked_batches;
  o["batches_open"] = st.open.size();
  o["batches_waiting_for_queue"] = st.unsent.size();
  o["queue_full"] = st.queue_full;
  o["in_flight"] = st.core->producer->in_flight();
  o["brokers_down"] = st.link->down();
  o["client_errors"] = st.link->errors();
  return o;
}

caf::behavior kafka_sink_fn(sink_actor* self, kafka_sink_config cfg,
                            std::shared_ptr<producer_core> core) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.link = std::make_unique<kafka_link>("kafka_sink", cfg.kafka.brokers);
  st.cfg = std::move(cfg);
  st.core = std::move(core);
  st.core->on_delivery = [self](const kafka_delivery& d) {
    if (d.error)
      log_failure(self->state, d.error);
    settle(self, d.opaque, !d.error);
  };
  st.core->on_error = [self](const kafka_client_error& err) {
    if (auto change = self->state.link->on_error(err, wall_seconds()))
      report_health(self, *change);
  };
  self->send(self, tick_atom::value);
  return {
    [=](publish_atom, publish_batch& pb) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      uint64_t records = 0;
      for (auto& rec : pb.topics)
        records += rec.events.size() + rec.raw.size();
      if (records == 0) {
        self->send(sender, published_atom::value, publish_ack{pb.id, 0});
        return;
      }
      auto key = st.next_key++;
      st.open.emplace(key, open_publish{sender, pb.id, records, 0});
      st.unsent.push_back(unsent_publish{key, std::move(pb), 0, 0});
      drain(self);
      st.core->producer->poll(0);
      schedule_poll(self);
    },
    [=](poll_atom) {
      auto& st = self->state;
      st.polling = false;
      st.core->producer->poll(0);
      drain(self);
      if (!st.unsent.empty() || st.core->producer->in_flight() > 0)
        schedule_poll(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.core->producer->poll(0);
      if (auto change = st.link->on_tick(st.core->producer->brokers_down(), wall_seconds()))
        report_health(self, *change);
      if (st.cfg.monitor)
        report_kafka_stats(st.cfg.monitor, "kafka_sink", to_json(boost::json::value(stats_json(st))));
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.stats_interval_ms),
                         tick_atom::value);
    },
    [=](stop_atom, int timeout_ms) -> uint64_t {
      auto& st = self->state;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
      // Shutdown may block: nothing else is left for this actor to do.
      while (!st.unsent.empty() && std::chrono::steady_clock::now() < deadline) {
        drain(self);
        st.core->producer->poll(10);
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      st.core->producer->flush(static_cast<int>(std::max<int64_t>(left, 0)));
      uint64_t unacked = 0;
      for (auto& [key, op] : st.open)
        unacked += op.remaining;
      return unacked;
    },
    [=](snapshot_atom) { return to_json(boost::json::value(stats_json(self->state))); },
  };
}

} // namespace

caf::expected<caf::actor> spawn_kafka_sink(caf::actor_system& sys, kafka_sink_config cfg) {
  auto core = std::make_shared<producer_core>();
  auto* raw = core.get();
  auto producer = kafka_producer::make(
    cfg.kafka,
    [raw](const kafka_delivery& d) {
      if (raw->on_delivery)
        raw->on_delivery(d);
    },
    [raw](const kafka_client_error& err) {
      if (raw->on_error)
        raw->on_error(err);
    });
  if (!producer)
    return producer.error();
  core->producer = std::move(*producer);
  // A sink stopped without a flush drops what librdkafka holds: those records were never
  // acknowledged, so their inputs are not committed and come again.
  core->producer->close_timeout_ms = 0;
  return sys.spawn(kafka_sink_fn, std::move(cfg), std::move(core));
}

} // namespace switchboard
