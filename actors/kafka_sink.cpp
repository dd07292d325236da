#include "actors/kafka_sink.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <unordered_map>

#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/backoff.hpp"
#include "actors/dead_letter.hpp"
#include "actors/kafka_client.hpp"
#include "actors/kafka_link.hpp"
#include "actors/protocol.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

using poll_atom = caf::atom_constant<caf::atom("kpoll")>;
using retry_atom = caf::atom_constant<caf::atom("kretry")>;

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

struct open_publish;

// Marks a dead letter the sink wrote itself, in `in_flight::topic`.
constexpr uint32_t made_here = std::numeric_limits<uint32_t>::max();

// What librdkafka's per-message opaque points at: one record and the batch waiting for
// it. Records are produced from the batch's own memory, so the batch lives until its
// last record is accounted for.
struct in_flight {
  open_publish* owner = nullptr;
  // Index into the batch's topics, or `made_here`.
  uint32_t topic = 0;
  // The record within that topic (its events first, then its raw payloads), or the
  // index of a dead letter the sink wrote.
  uint32_t index = 0;
};

// A publish batch from its arrival until every record is delivered or dead-lettered.
struct open_publish {
  uint64_t key = 0;
  caf::actor sender;
  publish_batch batch;
  // One per record of the batch, in production order.
  std::vector<in_flight> slots;
  // The next slot to hand to librdkafka for the first time.
  std::size_t next_slot = 0;
  // Dead letters the sink wrote for records Kafka refused; deques keep addresses stable.
  std::deque<std::string> made;
  std::deque<in_flight> made_slots;
  // Records (or their dead letters) without a successful delivery report yet.
  uint64_t remaining = 0;
  // Records that went to the dead-letter topic instead of their own.
  uint64_t dead_lettered = 0;
  // The inputs those records came from (see topic_records::event_inputs).
  std::vector<int32_t> failed_inputs;
};

struct sink_state {
  kafka_sink_config cfg;
  std::shared_ptr<producer_core> core;
  std::unique_ptr<kafka_link> link;
  std::shared_ptr<kafka_waker> waker;
  std::unordered_map<uint64_t, std::unique_ptr<open_publish>> open;
  // Batches whose records are not all handed to librdkafka yet, in arrival order.
  std::deque<open_publish*> unsent;
  // Records to produce (again) before new ones: purged by a recovery, or dead letters
  // the sink just wrote.
  std::deque<in_flight*> resend;
  // Dead letters that could not be written, waiting for their retry.
  std::vector<in_flight*> held;
  backoff retry_backoff{1, 60, jitter::none};
  bool retry_scheduled = false;
  bool held_reported = false;
  // The largest dead letter the sink writes, from the producer's message.max.bytes.
  std::size_t max_letter = 0;
  uint64_t next_key = 1;
  bool polling = false;
  uint64_t produced = 0;
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t letters_written = 0;
  uint64_t letter_failures = 0;
  uint64_t resent = 0;
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
      // librdkafka may still read payloads this state owns: the producer goes first.
      if (core->producer)
        core->producer->set_wakeup({});
      core->producer.reset();
    }
  }
};

using sink_actor = caf::stateful_actor<sink_state>;

// Tells the monitor about a health change; "healthy" waits until neither the link nor
// held dead letters keep the sink unhealthy.
void report_health(sink_actor* self, const kafka_link_change& change) {
  auto& st = self->state;
  if (!change.down && (st.held_reported || st.link->down() || st.link->failed()))
    return;
  report_link_change(st.cfg.monitor, "kafka_sink", change);
}

// Records that failed for good are counted and logged, a line per second at most.
void log_failure(sink_state& st, const caf::error& err) {
  ++st.unlogged_failures;
  auto now = wall_seconds();
  if (now < st.next_failure_log)
    return;
  spdlog::warn("kafka_sink: {} record(s) not delivered and sent to '{}', latest: {}",
               st.unlogged_failures, st.cfg.dead_letter_topic, error_text(err));
  st.unlogged_failures = 0;
  st.next_failure_log = now + 1;
}

// The topic, key and bytes of a record.
struct record_view {
  std::string_view topic;
  std::string_view key;
  std::string_view bytes;
};

record_view view(const sink_state& st, const in_flight& f) {
  auto& op = *f.owner;
  if (f.topic == made_here)
    return {st.cfg.dead_letter_topic, {}, op.made[f.index]};
  auto& rec = op.batch.topics[f.topic];
  if (f.index < rec.events.size()) {
    auto& ev = rec.events[f.index];
    // Events are keyed by their id: load spreads evenly over partitions and an event
    // delivered again after a replay lands in the partition of its first copy.
    return {rec.topic, ev->event_id(), ev->bytes()};
  }
  return {rec.topic, {}, rec.raw[f.index - rec.events.size()]};
}

caf::error produce(sink_state& st, in_flight& f) {
  auto r = view(st, f);
  return st.core->producer->produce(r.topic, r.key, r.bytes,
                                    reinterpret_cast<uintptr_t>(&f), kafka_payload::borrow);
}

// A `delivery_failed` dead letter for `original`, shortened until it fits the size limit.
std::string letter_for(const sink_state& st, const std::string& reason,
                       std::string_view event_id, std::string_view original) {
  auto letter = make_dead_letter("delivery_failed", reason, "", "", event_id, original);
  std::size_t keep = original.size();
  while (letter.size() > st.max_letter && keep > 0) {
    // Escaping makes the letter grow with the original: cut proportionally, with room.
    keep = static_cast<std::size_t>(static_cast<double>(keep)
                                    * static_cast<double>(st.max_letter)
                                    / static_cast<double>(letter.size()) * 0.9);
    letter = make_dead_letter("delivery_failed",
                              reason + "; original shortened to its first "
                                + std::to_string(keep) + " of "
                                + std::to_string(original.size()) + " bytes",
                              "", "", event_id, original.substr(0, keep));
  }
  return letter;
}

void settle(sink_actor* self, open_publish& op) {
  auto& st = self->state;
  if (--op.remaining > 0)
    return;
  ++st.acked_batches;
  self->send(op.sender, published_atom::value,
             publish_ack{op.batch.id, op.dead_lettered, std::move(op.failed_inputs)});
  st.open.erase(op.key);
}

void schedule_retry(sink_actor* self) {
  auto& st = self->state;
  if (st.retry_scheduled)
    return;
  st.retry_scheduled = true;
  auto delay = st.retry_backoff.next() * st.cfg.retry_ms;
  self->delayed_send(self, std::chrono::milliseconds(static_cast<int64_t>(delay)),
                     retry_atom::value);
}

// A dead letter could not be written: hold it (and so its batch) for a retry.
void hold(sink_actor* self, in_flight& f, const caf::error& err) {
  auto& st = self->state;
  ++st.letter_failures;
  st.held.push_back(&f);
  // One line per retry round at most: the first letter held since the last round.
  if (st.held.size() == 1)
    spdlog::error("kafka_sink: dead letters cannot be written to '{}' ({}); their batches "
                  "stay unacknowledged so their inputs are not committed; retrying with "
                  "backoff ({} failures so far)",
                  st.cfg.dead_letter_topic, error_text(err), st.letter_failures);
  if (!st.held_reported) {
    st.held_reported = true;
    report_link_change(st.cfg.monitor, "kafka_sink",
                       kafka_link_change{true, "dead letters cannot be written to '"
                                                 + st.cfg.dead_letter_topic
                                                 + "': " + error_text(err)});
  }
  schedule_retry(self);
}

// Kafka refused a record for good (`err`): its dead letter takes its place; a dead
// letter refused is held for a retry, or shortened when it was too large.
void refused(sink_actor* self, in_flight& f, const caf::error& err) {
  auto& st = self->state;
  auto& op = *f.owner;
  auto r = view(st, f);
  bool is_letter = r.topic == st.cfg.dead_letter_topic;
  if (is_letter && !(err == kafka_errc::too_large && f.topic != made_here)) {
    hold(self, f, err);
    return;
  }
  ++st.failed;
  ++op.dead_lettered;
  log_failure(st, err);
  std::string_view event_id;
  if (f.topic != made_here && f.index < op.batch.topics[f.topic].events.size()) {
    event_id = r.key;
    const auto& inputs = op.batch.topics[f.topic].event_inputs;
    if (f.index < inputs.size() && inputs[f.index] >= 0)
      op.failed_inputs.push_back(inputs[f.index]);
  }
  op.made.push_back(letter_for(st, error_text(err), event_id, r.bytes));
  op.made_slots.push_back(
    in_flight{&op, made_here, static_cast<uint32_t>(op.made.size() - 1)});
  st.resend.push_back(&op.made_slots.back());
}

void on_delivery(sink_actor* self, const kafka_delivery& d) {
  auto& st = self->state;
  auto& f = *reinterpret_cast<in_flight*>(static_cast<uintptr_t>(d.opaque));
  if (d.error) {
    if (d.purged) {
      ++st.resent;
      st.resend.push_back(&f);
    } else {
      refused(self, f, d.error);
    }
    return;
  }
  if (f.topic == made_here) {
    ++st.letters_written;
    st.retry_backoff.reset();
  } else {
    ++st.delivered;
  }
  if (st.held_reported && st.held.empty()
      && view(st, f).topic == st.cfg.dead_letter_topic) {
    st.held_reported = false;
    report_health(self, kafka_link_change{false, "dead letters are written to '"
                                                   + st.cfg.dead_letter_topic + "' again"});
  }
  settle(self, *f.owner);
}

// Hands records to librdkafka, resends first, until its queue is full or the producer
// is recovering.
void drain(sink_actor* self) {
  auto& st = self->state;
  auto blocked = [&](const caf::error& err) {
    if (err == kafka_errc::queue_full) {
      ++st.queue_full;
      return true;
    }
    return err == kafka_errc::fatal;
  };
  for (;;) {
    while (!st.resend.empty()) {
      auto* f = st.resend.front();
      auto err = produce(st, *f);
      if (blocked(err))
        return;
      st.resend.pop_front();
      ++st.produced;
      if (err)
        refused(self, *f, err);
    }
    if (st.unsent.empty())
      return;
    auto* op = st.unsent.front();
    while (op->next_slot < op->slots.size() && st.resend.empty()) {
      auto& f = op->slots[op->next_slot];
      auto err = produce(st, f);
      if (blocked(err))
        return;
      ++op->next_slot;
      ++st.produced;
      if (err)
        refused(self, f, err);
    }
    if (op->next_slot == op->slots.size())
      st.unsent.pop_front();
  }
}

void schedule_poll(sink_actor* self, int delay_ms) {
  auto& st = self->state;
  if (st.polling)
    return;
  st.polling = true;
  self->delayed_send(self, std::chrono::milliseconds(delay_ms), poll_atom::value);
}

// Serves delivery reports, produces what waits and keeps a fallback poll scheduled
// while anything is outstanding.
void pump(sink_actor* self) {
  auto& st = self->state;
  auto& producer = *st.core->producer;
  producer.poll(0);
  drain(self);
  if (producer.fatal_pending())
    schedule_poll(self, 100);
  else if (!st.unsent.empty() || !st.resend.empty() || producer.in_flight() > 0)
    schedule_poll(self, st.cfg.poll_interval_ms);
}

boost::json::object stats_json(const sink_state& st) {
  boost::json::object o;
  o["records_produced"] = st.produced;
  o["records_delivered"] = st.delivered;
  o["records_failed"] = st.failed;
  o["dead_letters_written"] = st.letters_written;
  o["dead_letter_failures"] = st.letter_failures;
  o["dead_letters_held"] = st.held.size();
  o["records_resent"] = st.resent;
  o["batches_acked"] = st.acked_batches;
  o["batches_open"] = st.open.size();
  o["batches_waiting_for_queue"] = st.unsent.size();
  o["queue_full"] = st.queue_full;
  o["in_flight"] = st.core->producer->in_flight();
  o["brokers_down"] = st.link->down();
  o["fatal_pending"] = st.core->producer->fatal_pending();
  o["recreations"] = st.core->producer->recreations();
  o["client_errors"] = st.link->errors();
  return o;
}

// The producer's message size limit (librdkafka's default unless configured), less
// room for the record's framing.
std::size_t letter_limit(const kafka_config& kafka) {
  std::size_t limit = 1000000;
  if (auto i = kafka.producer.find("message.max.bytes"); i != kafka.producer.end())
    limit = std::stoul(i->second);
  return limit > 1024 ? limit - 512 : limit / 2;
}

caf::behavior kafka_sink_fn(sink_actor* self, kafka_sink_config cfg,
                            std::shared_ptr<producer_core> core) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.link = std::make_unique<kafka_link>("kafka_sink", cfg.kafka.brokers);
  st.max_letter = letter_limit(cfg.kafka);
  st.cfg = std::move(cfg);
  st.cfg.retry_ms = std::max(1, st.cfg.retry_ms);
  st.core = std::move(core);
  st.core->on_delivery = [self](const kafka_delivery& d) { on_delivery(self, d); };
  st.core->on_error = [self](const kafka_client_error& err) {
    if (auto change = self->state.link->on_error(err, wall_seconds()))
      report_health(self, *change);
  };
  st.waker = std::make_shared<kafka_waker>(caf::weak_actor_ptr{self->ctrl()});
  st.core->producer->set_wakeup([waker = st.waker] { waker->wake(); });
  self->send(self, tick_atom::value);
  return {
    [=](publish_atom, publish_batch& pb) {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto op = std::make_unique<open_publish>();
      for (uint32_t t = 0; t < pb.topics.size(); ++t) {
        auto n = pb.topics[t].events.size() + pb.topics[t].raw.size();
        for (uint32_t i = 0; i < n; ++i)
          op->slots.push_back(in_flight{op.get(), t, i});
      }
      if (op->slots.empty()) {
        self->send(sender, published_atom::value, publish_ack{pb.id, 0, {}});
        return;
      }
      op->key = st.next_key++;
      op->sender = std::move(sender);
      op->batch = std::move(pb);
      op->remaining = op->slots.size();
      st.unsent.push_back(op.get());
      st.open.emplace(op->key, std::move(op));
      pump(self);
    },
    [=](kafka_wake_atom) {
      self->state.waker->rearm();
      pump(self);
    },
    [=](poll_atom) {
      self->state.polling = false;
      pump(self);
    },
    [=](retry_atom) {
      auto& st = self->state;
      st.retry_scheduled = false;
      for (auto* f : st.held)
        st.resend.push_back(f);
      st.held.clear();
      pump(self);
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto& producer = *st.core->producer;
      pump(self);
      if (auto change = st.link->on_tick(producer.brokers_down(), producer.fatal_pending(),
                                         wall_seconds()))
        report_health(self, *change);
      if (st.cfg.monitor)
        report_kafka_stats(st.cfg.monitor, "kafka_sink",
                           to_json(boost::json::value(stats_json(st))));
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.stats_interval_ms),
                         tick_atom::value);
    },
    [=](kafka_fault_atom, const std::string& reason) -> caf::result<bool> {
      if (auto err = self->state.core->producer->raise_test_fatal_error(reason))
        return err;
      pump(self);
      return true;
    },
    [=](stop_atom, int timeout_ms) -> uint64_t {
      auto& st = self->state;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
      // Shutdown may block: nothing else is left for this actor to do.
      while ((!st.unsent.empty() || !st.resend.empty())
             && std::chrono::steady_clock::now() < deadline) {
        drain(self);
        st.core->producer->poll(10);
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      st.core->producer->flush(static_cast<int>(std::max<int64_t>(left, 0)));
      uint64_t unacked = 0;
      for (auto& [key, op] : st.open)
        unacked += op->remaining;
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
