#include "actors/dispatcher.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/dead_letter.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "routes/route_table.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const switchboard::route_table>)

namespace switchboard {

namespace {

enum outcome : uint8_t { oc_processed = 0, oc_unmatched = 1, oc_dead = 2 };

struct ticket_state {
  caf::actor source;
  uint64_t source_ticket = 0;
  uint32_t pending = 0;
  std::vector<uint8_t> outcome;
  int64_t ingest_ns = 0;
};

struct queued_work {
  work_batch batch;
  uint64_t ticket = 0;
  int attempts = 0;
};

struct processor_slot {
  std::string name;
  std::string component;
  processor_factory make;
  caf::actor handle;
  std::deque<queued_work> queue;
  std::unordered_map<uint64_t, queued_work> inflight;
  int crash_streak = 0;
  uint64_t restarts = 0;
  uint64_t batches_done = 0;
  uint64_t events_done = 0;
  // Ingest-to-done milliseconds of this processor's latest batches.
  std::vector<double> latency_ring;
  std::size_t latency_pos = 0;
};

// The records of the batch being routed, with the address of the name each was asked
// for: deliveries name their topics with the strings of the route table's rules, so the
// same address finds the records without comparing names.
struct publish_records {
  std::vector<topic_records> recs;
  std::vector<const std::string*> asked;
  std::vector<std::pair<std::string, std::size_t>> last_sizes;

  // Reuses topic_records by name; a batch touches a handful of topics.
  topic_records& of(const std::string& topic) {
    for (std::size_t i = 0; i < asked.size(); ++i)
      if (asked[i] == &topic)
        return recs[i];
    for (std::size_t i = 0; i < recs.size(); ++i)
      if (recs[i].topic == topic) {
        asked[i] = &topic;
        return recs[i];
      }
    recs.emplace_back();
    auto& fresh = recs.back();
    fresh.topic = topic;
    // As many as the topic took last time: the records grow without moving.
    for (const auto& [name, size] : last_sizes)
      if (name == topic) {
        fresh.events.reserve(size);
        fresh.event_inputs.reserve(size);
        break;
      }
    asked.push_back(&topic);
    return fresh;
  }

  // Notes how many events each topic took, for the next batch's records.
  void remember_sizes() {
    for (const auto& r : recs) {
      auto i = std::find_if(last_sizes.begin(), last_sizes.end(),
                            [&](const auto& e) { return e.first == r.topic; });
      if (i == last_sizes.end())
        last_sizes.emplace_back(r.topic, r.events.size());
      else
        i->second = r.events.size();
    }
  }

  bool empty() const noexcept {
    return recs.empty();
  }

  void clear() noexcept {
    recs.clear();
    asked.clear();
  }

  // Called when the route table is replaced: its strings' addresses may be reused.
  void forget_addresses() noexcept {
    for (auto& a : asked)
      a = nullptr;
  }
};

struct dispatcher_state {
  dispatcher_config cfg;
  std::unordered_map<uint64_t, ticket_state> tickets;
  std::unordered_map<uint64_t, uint64_t> publish_owner;
  std::map<std::string, processor_slot> slots;
  std::unordered_map<std::string, processor_slot*> by_topic;
  // The work batch of the processor a target topic names, by the address of the rule's
  // string (or null when no processor takes it); emptied when the route table changes.
  std::vector<std::pair<const std::string*, std::vector<work_item>*>> work_of_target;
  uint64_t next_id = 1;
  route_env env;
  route_result scratch;
  // Scratch for one routing pass, reused to keep the hot path free of allocations.
  publish_records pub;
  std::map<processor_slot*, std::vector<work_item>> work;
  // Cumulative statistics.
  uint64_t received = 0;
  uint64_t processed = 0;
  uint64_t unmatched = 0;
  uint64_t dead_lettered = 0;
  uint64_t derived = 0;
  uint64_t sink_failures = 0;
  std::map<std::string, uint64_t, std::less<>> dead_by_kind;
  // The latest dead-letter reasons, for people looking at the dashboard.
  // A ring of at most `recent_dead_size`, oldest at `recent_dead_pos` once full: its
  // strings are overwritten in place, as overload can dead-letter every other event.
  std::vector<std::pair<std::string, std::string>> recent_dead;
  std::size_t recent_dead_pos = 0;
  static constexpr std::size_t recent_dead_size = 20;
  std::map<std::string, uint64_t> published;
  // Recent batch latencies in milliseconds (ring) and their running totals.
  std::vector<double> latency_ring;
  std::size_t latency_pos = 0;
  double latency_sum_ms = 0;
  uint64_t latency_count = 0;
  // Latencies since the last report, for the monitor's histogram (bounded per report).
  std::vector<double> latency_fresh;
  static inline const char* name = "dispatcher";

  // Processors end with the dispatcher. CAF destroys the state before it runs attached
  // functors, so this cannot be an attached functor reading the slots.
  ~dispatcher_state() {
    for (auto& [name, slot] : slots)
      if (slot.handle)
        caf::anon_send_exit(slot.handle, caf::exit_reason::user_shutdown);
  }
};

using dispatcher_actor = caf::stateful_actor<dispatcher_state>;

void observe_latency(dispatcher_state& st, double ms, uint64_t events) {
  constexpr std::size_t ring_size = 4096;
  if (st.latency_ring.size() < ring_size)
    st.latency_ring.push_back(ms);
  else
    st.latency_ring[st.latency_pos++ % ring_size] = ms;
  st.latency_sum_ms += ms * static_cast<double>(events);
  if (st.latency_fresh.size() < 1024)
    st.latency_fresh.push_back(ms);
  st.latency_count += events;
}

// Keeps the latest batch latencies of one processor, so its figures follow the present.
void observe_slot_latency(processor_slot& slot, double ms) {
  constexpr std::size_t ring_size = 256;
  if (slot.latency_ring.size() < ring_size)
    slot.latency_ring.push_back(ms);
  else
    slot.latency_ring[slot.latency_pos++ % ring_size] = ms;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
  k = std::min(k, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Counts a dead letter of `kind` and queues its ready-made record.
void dead_letter_record(dispatcher_state& st, const char* kind, std::string_view reason,
                        std::string record) {
  std::string_view k{kind};
  auto i = st.dead_by_kind.find(k);
  if (i == st.dead_by_kind.end())
    i = st.dead_by_kind.emplace(std::string{k}, 0).first;
  ++i->second;
  if (st.recent_dead.size() < dispatcher_state::recent_dead_size) {
    st.recent_dead.emplace_back(kind, reason);
  } else {
    auto& slot = st.recent_dead[st.recent_dead_pos];
    st.recent_dead_pos = (st.recent_dead_pos + 1) % dispatcher_state::recent_dead_size;
    slot.first.assign(k);
    slot.second.assign(reason);
  }
  st.pub.of(st.cfg.topics.dead_letters).raw.push_back(std::move(record));
}

void dead_letter(dispatcher_state& st, const char* kind, std::string_view reason,
                 std::string_view route, std::string_view topic, std::string_view event_id,
                 std::string_view original) {
  dead_letter_record(st, kind, reason,
                     make_dead_letter(kind, reason, route, topic, event_id, original));
}

void mark(ticket_state* t, int32_t index, outcome oc) {
  if (t == nullptr || index < 0)
    return;
  auto& cur = t->outcome[static_cast<std::size_t>(index)];
  // A dead letter outranks every other outcome of the same event.
  if (oc == oc_dead || cur == oc_processed)
    cur = std::max(cur, static_cast<uint8_t>(oc));
}

ticket_state* find_ticket(dispatcher_state& st, uint64_t id) {
  if (id == 0)
    return nullptr;
  auto i = st.tickets.find(id);
  return i == st.tickets.end() ? nullptr : &i->second;
}

// The work batch for the processor that takes `target`, or null.
std::vector<work_item>* work_for(dispatcher_state& st, const std::string& target) {
  for (const auto& [name, work] : st.work_of_target)
    if (name == &target)
      return work;
  std::vector<work_item>* work = nullptr;
  if (auto i = st.by_topic.find(target); i != st.by_topic.end())
    work = &st.work[i->second];
  st.work_of_target.emplace_back(&target, work);
  return work;
}

// Routes one event into the scratch publish records and work batches.
void route_one(dispatcher_state& st, ticket_state* t, const event_ptr& ev,
               const std::string& topic, int32_t index) {
  if (ev->hops() > st.cfg.processors.hop_limit) {
    dead_letter(st, "routing_loop",
                "routing loop: metadata.hops " + std::to_string(ev->hops())
                  + " exceeds the hop limit of " + std::to_string(st.cfg.processors.hop_limit),
                "", topic, ev->event_id(), ev->bytes());
    mark(t, index, oc_dead);
    return;
  }
  st.cfg.routes->evaluate(ev, topic, st.scratch, st.env);
  for (auto& f : st.scratch.failures) {
    dead_letter(st, "transform_failed", error_text(f.error), f.rule->name, topic,
                ev->event_id(), ev->bytes());
    mark(t, index, oc_dead);
  }
  if (st.scratch.unmatched) {
    mark(t, index, oc_unmatched);
    if (!st.cfg.topics.unmatched.empty()) {
      auto& records = st.pub.of(st.cfg.topics.unmatched);
      records.events.push_back(ev);
      records.event_inputs.push_back(index);
    }
    return;
  }
  for (auto& d : st.scratch.deliveries) {
    const auto& targets = d.topics();
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const auto& target = targets[k];
      if (auto* work = work_for(st, target))
        work->push_back(work_item{d.event, index});
      auto& records = st.pub.of(target);
      records.event_inputs.push_back(index);
      // The delivery's own reference goes to its last record: one count fewer to take
      // here and to drop when the scratch is reused, each an atomic on the event.
      if (k + 1 == targets.size())
        records.events.push_back(std::move(d.event));
      else
        records.events.push_back(d.event);
    }
  }
}

void finish_ticket(dispatcher_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.tickets.find(id);
  if (i == st.tickets.end())
    return;
  auto& t = i->second;
  batch_ack ack;
  ack.ticket = t.source_ticket;
  for (auto oc : t.outcome) {
    if (oc == oc_processed)
      ++ack.processed;
    else if (oc == oc_unmatched)
      ++ack.unmatched;
    else
      ++ack.dead_lettered;
  }
  st.processed += ack.processed;
  st.unmatched += ack.unmatched;
  st.dead_lettered += ack.dead_lettered;
  if (t.source)
    self->send(t.source, ack_atom::value, ack);
  st.tickets.erase(i);
}

void settle(dispatcher_actor* self, uint64_t id) {
  auto* t = find_ticket(self->state, id);
  if (t != nullptr && --t->pending == 0)
    finish_ticket(self, id);
}

void try_dispatch(dispatcher_actor* self, processor_slot& slot) {
  auto limit = std::max<std::size_t>(1, self->state.cfg.processors.max_inflight_batches);
  while (slot.handle && !slot.queue.empty() && slot.inflight.size() < limit) {
    auto qw = std::move(slot.queue.front());
    slot.queue.pop_front();
    auto copy = qw.batch;
    auto id = qw.batch.id;
    slot.inflight.emplace(id, std::move(qw));
    self->send(slot.handle, process_atom::value, std::move(copy));
  }
}

// Sends what routing collected: one publish batch and one work batch per processor.
void flush(dispatcher_actor* self, uint64_t ticket_id) {
  auto& st = self->state;
  auto* t = find_ticket(st, ticket_id);
  if (!st.pub.empty()) {
    publish_batch pb;
    pb.id = st.next_id++;
    for (auto& r : st.pub.recs)
      st.published[r.topic] += r.events.size() + r.raw.size();
    st.pub.remember_sizes();
    pb.topics.swap(st.pub.recs);
    st.pub.clear();
    if (t != nullptr) {
      ++t->pending;
      st.publish_owner.emplace(pb.id, ticket_id);
    }
    if (st.cfg.sink)
      self->send(st.cfg.sink, publish_atom::value, std::move(pb));
    else if (t != nullptr)
      --t->pending;
  }
  for (auto& [slot, items] : st.work) {
    if (items.empty())
      continue;
    queued_work qw;
    qw.batch.id = st.next_id++;
    auto size = items.size();
    qw.batch.items = std::make_shared<const std::vector<work_item>>(std::move(items));
    items.clear();
    items.reserve(size); // the next batch's grows without moving
    qw.ticket = t != nullptr ? ticket_id : 0;
    if (t != nullptr)
      ++t->pending;
    slot->queue.push_back(std::move(qw));
    try_dispatch(self, *slot);
  }
}

void route_derived(dispatcher_actor* self, uint64_t ticket_id, std::vector<event_ptr>& events,
                   const std::string& topic) {
  auto& st = self->state;
  auto* t = find_ticket(st, ticket_id);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i + 1 < events.size())
      prefetch(*events[i + 1]);
    ++st.derived;
    route_one(st, t, events[i], topic, -1);
  }
  flush(self, ticket_id);
}

processor_slot* slot_of(dispatcher_state& st, const caf::actor_addr& addr) {
  for (auto& [name, slot] : st.slots)
    if (slot.handle && slot.handle.address() == addr)
      return &slot;
  return nullptr;
}

void report_health(dispatcher_actor* self, const std::string& component, const char* status,
                   std::string message) {
  if (self->state.cfg.monitor)
    self->send(self->state.cfg.monitor, health_atom::value, component, std::string{status},
               std::move(message));
}

void start_processor(dispatcher_actor* self, processor_slot& slot) {
  processor_shell_config pc;
  pc.make = slot.make;
  pc.dispatcher = caf::actor_cast<caf::actor>(self);
  pc.monitor = self->state.cfg.monitor;
  slot.handle = spawn_monitored_processor(self, std::move(pc));
}

void on_processor_down(dispatcher_actor* self, processor_slot& slot, const caf::error& reason) {
  auto& st = self->state;
  slot.handle = nullptr;
  ++slot.restarts;
  ++slot.crash_streak;
  auto why = caf::to_string(reason);
  spdlog::warn("processor {} stopped: {}; restart #{}", slot.name, why, slot.restarts);
  // Retry in-flight batches in their original order, or dead-letter them when exhausted.
  std::vector<uint64_t> ids;
  for (auto& [id, qw] : slot.inflight)
    ids.push_back(id);
  std::sort(ids.begin(), ids.end(), std::greater<>());
  for (auto id : ids) {
    auto qw = std::move(slot.inflight.at(id));
    ++qw.attempts;
    if (qw.attempts <= st.cfg.processors.max_retries) {
      slot.queue.push_front(std::move(qw));
      continue;
    }
    auto* t = find_ticket(st, qw.ticket);
    auto msg = "processor '" + slot.name + "' crashed on this batch "
               + std::to_string(qw.attempts) + " times: " + why;
    for (auto& item : *qw.batch.items) {
      dead_letter(st, "processor_crashed", msg, "", "", item.ev->event_id(), item.ev->bytes());
      mark(t, item.index, oc_dead);
    }
    flush(self, qw.ticket);
    if (t != nullptr)
      settle(self, qw.ticket);
  }
  slot.inflight.clear();
  double delay = st.cfg.processors.restart_backoff_ms * std::pow(2.0, slot.crash_streak - 1);
  delay = std::min(delay, st.cfg.processors.restart_backoff_max_ms);
  report_health(self, slot.component, "restarting",
                "crashed (" + why + "); restart #" + std::to_string(slot.restarts) + " in "
                  + std::to_string(static_cast<int>(delay)) + " ms");
  self->delayed_send(self, std::chrono::milliseconds(static_cast<int64_t>(delay)),
                     restart_atom::value, slot.name);
}

boost::json::object stats_json(const dispatcher_state& st) {
  boost::json::object o;
  o["received"] = st.received;
  o["processed"] = st.processed;
  o["unmatched"] = st.unmatched;
  o["dead_lettered"] = st.dead_lettered;
  o["derived"] = st.derived;
  o["sink_failures"] = st.sink_failures;
  o["open_batches"] = st.tickets.size();
  o["dead_letters"] = boost::json::value_from(st.dead_by_kind);
  boost::json::array recent;
  // Oldest first, as they happened.
  for (std::size_t n = 0; n < st.recent_dead.size(); ++n) {
    auto& [kind, reason] = st.recent_dead[(st.recent_dead_pos + n) % st.recent_dead.size()];
    boost::json::object r;
    r["kind"] = kind;
    r["reason"] = reason;
    recent.push_back(std::move(r));
  }
  o["recent_dead_letters"] = std::move(recent);
  o["published"] = boost::json::value_from(st.published);
  boost::json::object lat;
  lat["count"] = st.latency_count;
  lat["avg_ms"] = st.latency_count ? st.latency_sum_ms / static_cast<double>(st.latency_count) : 0;
  lat["p50_ms"] = percentile(st.latency_ring, 50);
  lat["p99_ms"] = percentile(st.latency_ring, 99);
  o["latency"] = std::move(lat);
  boost::json::object procs;
  for (auto& [name, slot] : st.slots) {
    boost::json::object p;
    p["queued_batches"] = slot.queue.size();
    p["inflight_batches"] = slot.inflight.size();
    std::size_t depth = 0;
    for (auto& q : slot.queue)
      depth += q.batch.size();
    for (auto& [id, q] : slot.inflight)
      depth += q.batch.size();
    p["queue_depth"] = depth;
    p["restarts"] = slot.restarts;
    p["events_done"] = slot.events_done;
    p["up"] = static_cast<bool>(slot.handle);
    // Over the latest batches (ingest to this processor done), as the page shows them.
    double sum = 0;
    for (auto ms : slot.latency_ring)
      sum += ms;
    p["avg_latency_ms"] = slot.latency_ring.empty()
                            ? 0.0
                            : sum / static_cast<double>(slot.latency_ring.size());
    p["p99_latency_ms"] = percentile(slot.latency_ring, 99);
    procs[name] = std::move(p);
  }
  o["processors"] = std::move(procs);
  return o;
}

caf::behavior dispatcher_fn(dispatcher_actor* self, dispatcher_config cfg) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  if (!st.cfg.routes)
    st.cfg.routes = std::make_shared<route_table>();
  st.env.dispatcher_id = st.cfg.id;
  for (auto& [name, make] : st.cfg.processor_factories) {
    auto& slot = st.slots[name];
    slot.name = name;
    slot.component = "processor." + name;
    slot.make = make;
    start_processor(self, slot);
  }
  for (auto& [topic, proc] : st.cfg.subscriptions)
    if (auto i = st.slots.find(proc); i != st.slots.end())
      st.by_topic[topic] = &i->second;
  self->set_down_handler([=](caf::down_msg& dm) {
    if (auto* slot = slot_of(self->state, dm.source))
      on_processor_down(self, *slot, dm.reason);
  });
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.tick_ms), tick_atom::value);
  return {
    [=](batch_atom, input_batch& b) {
      auto& st = self->state;
      auto id = st.next_id++;
      auto& t = st.tickets[id];
      t.source = caf::actor_cast<caf::actor>(self->current_sender());
      t.source_ticket = b.ticket;
      t.ingest_ns = b.ingest_ns != 0 ? b.ingest_ns : mono_now_ns();
      t.outcome.assign(b.events.size() + b.rejected.size(), oc_processed);
      st.received += t.outcome.size();
      auto n = static_cast<int32_t>(b.events.size());
      for (int32_t i = 0; i < n; ++i) {
        if (i + 1 < n)
          prefetch(*b.events[static_cast<std::size_t>(i) + 1]);
        route_one(st, &t, b.events[static_cast<std::size_t>(i)], b.topic, i);
      }
      for (std::size_t i = 0; i < b.rejected.size(); ++i) {
        dead_letter(st, "malformed", b.rejected[i].reason, "", b.topic, "", b.rejected[i].bytes);
        t.outcome[b.events.size() + i] = oc_dead;
      }
      // Hold one count while flushing so the ticket cannot finish half-sent.
      ++t.pending;
      flush(self, id);
      settle(self, id);
    },
    [=](done_atom, work_result& r) {
      auto& st = self->state;
      auto* slot = slot_of(st, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      if (slot == nullptr)
        return;
      auto i = slot->inflight.find(r.id);
      if (i == slot->inflight.end())
        return;
      auto qw = std::move(i->second);
      slot->inflight.erase(i);
      slot->crash_streak = 0;
      ++slot->batches_done;
      slot->events_done += qw.batch.size();
      auto* t = find_ticket(st, qw.ticket);
      std::shared_ptr<refused_events> told;
      for (auto& refused : r.rejected) {
        if (refused.index >= qw.batch.size())
          continue;
        const auto& item = (*qw.batch.items)[refused.index];
        dead_letter_record(st, "processor_rejected", refused.reason, std::move(refused.record));
        mark(t, item.index, oc_dead);
        if (!told) {
          told = std::make_shared<refused_events>();
          told->by = slot->component;
        }
        told->events.push_back(item.ev);
        told->reasons.push_back(std::move(refused.reason));
      }
      // The other processors may hold state for the same events (the task processor
      // opened the task the agent pool turned away), so they hear of it; one whose own
      // batch with the event still waits for credit hears of it first.
      if (told) {
        refused_batch shared{std::move(told)};
        for (auto& [name, other] : st.slots)
          if (&other != slot && other.handle)
            self->send(other.handle, refused_atom::value, shared);
      }
      if (t != nullptr) {
        uint64_t inputs = 0;
        for (auto& item : *qw.batch.items)
          inputs += item.index >= 0;
        auto ms = static_cast<double>(mono_now_ns() - t->ingest_ns) / 1e6;
        if (inputs > 0)
          observe_latency(st, ms, inputs);
        // Derived events (a task's notification) count from their origin's ingest.
        observe_slot_latency(*slot, ms);
      }
      route_derived(self, qw.ticket, r.outputs, slot->component);
      settle(self, qw.ticket);
      try_dispatch(self, *slot);
    },
    [=](emit_atom, std::vector<event_ptr>& events) {
      auto& st = self->state;
      auto* slot = slot_of(st, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      std::string topic = slot != nullptr ? slot->component : std::string{"events"};
      route_derived(self, 0, events, topic);
    },
    [=](published_atom, publish_ack& a) {
      auto& st = self->state;
      st.sink_failures += a.failed;
      auto i = st.publish_owner.find(a.id);
      if (i == st.publish_owner.end())
        return;
      auto owner = i->second;
      st.publish_owner.erase(i);
      if (auto* t = find_ticket(st, owner))
        for (auto input : a.failed_inputs)
          mark(t, input, oc_dead);
      settle(self, owner);
    },
    [=](restart_atom, const std::string& name) {
      auto& st = self->state;
      auto i = st.slots.find(name);
      if (i == st.slots.end() || i->second.handle)
        return;
      start_processor(self, i->second);
      report_health(self, i->second.component, "healthy",
                    "restarted after a crash (restart #" + std::to_string(i->second.restarts)
                      + ")");
      try_dispatch(self, i->second);
    },
    [=](reload_atom, std::shared_ptr<const route_table>& routes) {
      auto& st = self->state;
      st.cfg.routes = std::move(routes);
      st.work_of_target.clear();
      st.pub.forget_addresses();
      return true;
    },
    [=](snapshot_atom) { return to_json(boost::json::value(stats_json(self->state))); },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.cfg.monitor) {
        auto stats = stats_json(st);
        boost::json::array fresh;
        for (auto ms : st.latency_fresh)
          fresh.push_back(ms);
        st.latency_fresh.clear();
        stats["latency_samples_ms"] = std::move(fresh);
        self->send(st.cfg.monitor, stats_atom::value, std::string{"dispatcher"},
                   to_json(boost::json::value(std::move(stats))));
        self->send(st.cfg.monitor, heartbeat_atom::value, std::string{"dispatcher"});
      }
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.tick_ms), tick_atom::value);
    },
  };
}

} // namespace

std::map<std::string, std::string> default_subscriptions() {
  return {{"documents", "document"},
          {"tasks", "task"},
          {"agents", "agent"},
          {"analytics", "analytics"},
          {"notifications", "notification"}};
}

caf::actor spawn_dispatcher(caf::actor_system& sys, dispatcher_config cfg) {
  return sys.spawn(dispatcher_fn, std::move(cfg));
}

} // namespace switchboard
