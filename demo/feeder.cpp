#include "demo/feeder.hpp"

#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/kafka_client.hpp"
#include "actors/protocol.hpp"
#include "events/error.hpp"

namespace switchboard {

namespace {

// Delivery outcomes, counted by the producer's callback.
struct delivery_counts {
  uint64_t delivered = 0;
  uint64_t failed = 0;
};

struct feeder_state {
  feeder_config cfg;
  std::unique_ptr<event_generator> gen;
  std::shared_ptr<delivery_counts> counts;
  std::unique_ptr<kafka_producer> producer;
  generation_progress progress;
  bool finished = false;
  std::string held;
  static inline const char* name = "kafka_feeder";
};

using feeder_actor = caf::stateful_actor<feeder_state>;

// The id of the entity an event belongs to (document, task or agent), as the message key:
// one entity's events then share a partition and are consumed in the order they were made,
// which the processors' lifecycles depend on.
std::string_view entity_key(std::string_view text) {
  for (std::string_view field : {"\"document_id\":\"", "\"task_id\":\"", "\"agent_id\":\""}) {
    auto pos = text.find(field);
    if (pos == std::string_view::npos)
      continue;
    pos += field.size();
    auto end = text.find('"', pos);
    if (end != std::string_view::npos)
      return text.substr(pos, end - pos);
  }
  return {};
}

bool acknowledged(const feeder_state& st) {
  return st.counts->delivered + st.counts->failed >= st.progress.report().generated;
}

void check_done(feeder_actor* self) {
  auto& st = self->state;
  if (!st.finished || !acknowledged(st) || !st.progress.awaited())
    return;
  if (st.counts->failed > 0)
    spdlog::warn("kafka_feeder: {} generated events were not delivered to '{}'",
                 st.counts->failed, st.cfg.topic);
  st.progress.deliver();
}

// Produces what the schedule allows; an event librdkafka's full queue refused is held
// for the next tick.
void pump(feeder_actor* self) {
  auto& st = self->state;
  st.producer->poll(0);
  if (st.finished)
    return;
  auto t = st.progress.elapsed();
  if (t >= st.cfg.duration_seconds && st.held.empty()) {
    st.finished = true;
    st.progress.report().seconds = t;
    return;
  }
  auto due = static_cast<uint64_t>(st.cfg.rate * std::min(t, st.cfg.duration_seconds));
  while (st.progress.report().generated < due || !st.held.empty()) {
    if (st.producer->in_flight() >= st.cfg.max_in_flight)
      return;
    if (st.held.empty()) {
      generated_kind kind;
      event_family fam;
      st.held = st.gen->next(kind, fam);
      count_generated(st.progress.report(), kind, fam);
    }
    auto err = st.producer->produce(st.cfg.topic, entity_key(st.held), st.held, 0);
    if (err == kafka_errc::queue_full)
      return;
    if (err) {
      ++st.counts->failed;
      spdlog::warn("kafka_feeder: {}", error_text(err));
    }
    st.held.clear();
  }
}

caf::behavior feeder_fn(feeder_actor* self, feeder_config cfg,
                        std::shared_ptr<delivery_counts> counts,
                        std::shared_ptr<std::unique_ptr<kafka_producer>> producer) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.gen = std::make_unique<event_generator>(st.cfg.traffic);
  st.counts = std::move(counts);
  st.producer = std::move(*producer);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      pump(self);
      check_done(self);
      if (!self->state.finished || !acknowledged(self->state))
        self->delayed_send(self, std::chrono::milliseconds(2), tick_atom::value);
    },
    [=](stats_atom) { return self->state.progress.snapshot(); },
    [=](stop_atom) {
      auto rp = self->make_response_promise();
      self->state.progress.wait(rp);
      check_done(self);
      return rp;
    },
  };
}

} // namespace

caf::expected<caf::actor> spawn_kafka_feeder(caf::actor_system& sys, feeder_config cfg) {
  auto counts = std::make_shared<delivery_counts>();
  auto producer = kafka_producer::make(cfg.kafka, [counts](const kafka_delivery& d) {
    if (d.error)
      ++counts->failed;
    else
      ++counts->delivered;
  });
  if (!producer)
    return producer.error();
  auto holder = std::make_shared<std::unique_ptr<kafka_producer>>(std::move(*producer));
  return sys.spawn(feeder_fn, std::move(cfg), std::move(counts), std::move(holder));
}

} // namespace switchboard
