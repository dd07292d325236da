#include "actors/kafka_source.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/kafka_client.hpp"
#include "actors/kafka_link.hpp"
#include "actors/protocol.hpp"
#include "events/codec.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "routes/route_table.hpp"

namespace switchboard {

namespace {

using poll_atom = caf::atom_constant<caf::atom("kpoll")>;
using commit_atom = caf::atom_constant<caf::atom("kcommit")>;
using drained_atom = caf::atom_constant<caf::atom("kdrained")>;
using stall_atom = caf::atom_constant<caf::atom("kstall")>;

using clock_type = std::chrono::steady_clock;

double wall_seconds() {
  return std::chrono::duration<double>(clock_type::now().time_since_epoch()).count();
}

// The consumer and the callbacks it calls from `poll`; see the sink's producer_core.
struct consumer_core {
  std::unique_ptr<kafka_consumer> consumer;
  std::function<void(const kafka_client_error&)> on_error;
  std::function<void(const std::vector<topic_partition>&)> on_revoked;
  // Partitions currently assigned, kept by the callbacks.
  std::set<topic_partition> assigned;
};

// The messages of one input batch, to mark handled when the dispatcher acknowledges it:
// their offsets in runs of one partition (consumers deliver a partition's messages in
// runs), so an acknowledgement costs a lookup per run rather than per message.
struct open_batch {
  std::string topic;
  std::vector<int64_t> offsets;
  // (partition, messages) per run, covering `offsets` in order.
  std::vector<std::pair<int32_t, uint32_t>> runs;

  void add(int32_t partition, int64_t offset) {
    if (runs.empty() || runs.back().first != partition)
      runs.emplace_back(partition, 0);
    ++runs.back().second;
    offsets.push_back(offset);
  }
};

struct source_state {
  kafka_source_config cfg;
  std::shared_ptr<consumer_core> core;
  std::unique_ptr<kafka_link> link;
  std::shared_ptr<kafka_waker> waker;
  codec dec;
  // Polled messages not yet sent, and the scratch `poll` appends to.
  std::deque<kafka_message> buffer;
  std::vector<kafka_message> polled;
  std::unordered_map<uint64_t, open_batch> open;
  uint64_t next_ticket = 1;
  bool poll_scheduled = false;
  bool stall_check_scheduled = false;
  std::optional<clock_type::time_point> starved_since;
  bool stopping = false;
  std::optional<caf::response_promise> stopped;
  // Statistics.
  uint64_t consumed = 0;
  uint64_t rejected = 0;
  uint64_t batches_sent = 0;
  uint64_t acked_events = 0;
  uint64_t processed = 0;
  uint64_t unmatched = 0;
  uint64_t dead_lettered = 0;
  uint64_t pauses = 0;
  // Commit calls (periodic ones included, whether or not an offset moved).
  uint64_t commits = 0;
  uint64_t commit_failures = 0;
  static inline const char* name = "kafka_source";

  ~source_state() {
    if (core) {
      core->on_error = nullptr;
      core->on_revoked = nullptr;
      if (core->consumer)
        core->consumer->set_wakeup({});
    }
  }
};

using source_actor = caf::stateful_actor<source_state>;

void report_health(source_actor* self, const kafka_link_change& change) {
  report_link_change(self->state.cfg.monitor, "kafka_source", change);
}

std::size_t credit(const source_state& st) {
  return st.open.size() >= st.cfg.max_inflight ? 0 : st.cfg.max_inflight - st.open.size();
}

// Sends one batch of consecutive buffered messages of the same topic.
void send_batch(source_actor* self) {
  auto& st = self->state;
  input_batch b;
  b.ticket = st.next_ticket++;
  b.topic = std::string{st.buffer.front().topic()};
  open_batch ob;
  ob.topic = b.topic;
  auto most = std::min(st.cfg.batch_size, st.buffer.size());
  ob.offsets.reserve(most);
  b.events.reserve(most);
  while (!st.buffer.empty() && ob.offsets.size() < st.cfg.batch_size
         && st.buffer.front().topic() == b.topic) {
    auto& msg = st.buffer.front();
    ob.add(msg.partition(), msg.offset());
    auto ev = st.dec.decode(msg.bytes());
    if (ev) {
      b.events.push_back(std::move(*ev));
    } else {
      ++st.rejected;
      b.rejected.push_back(rejected_input{std::string{msg.bytes()}, error_text(ev.error())});
    }
    st.buffer.pop_front();
  }
  b.ingest_ns = mono_now_ns();
  ++st.batches_sent;
  st.open.emplace(b.ticket, std::move(ob));
  self->send(st.cfg.dispatcher, batch_atom::value, std::move(b));
}

void schedule_poll(source_actor* self, int delay_ms) {
  auto& st = self->state;
  if (st.poll_scheduled)
    return;
  st.poll_scheduled = true;
  if (delay_ms <= 0)
    self->send(self, poll_atom::value);
  else
    self->delayed_send(self, std::chrono::milliseconds(delay_ms), poll_atom::value);
}

void set_paused(source_actor* self, bool paused) {
  auto& st = self->state;
  auto& consumer = *st.core->consumer;
  if (consumer.paused() == paused)
    return;
  if (auto err = paused ? consumer.pause() : consumer.resume()) {
    spdlog::warn("kafka_source: {}", error_text(err));
    return;
  }
  if (paused) {
    ++st.pauses;
    spdlog::debug("kafka_source: no credit for {} ms; fetching paused", st.cfg.pause_after_ms);
  }
}

// Polls what the credit allows and sends it on; pauses fetching after a long stall.
void pump(source_actor* self) {
  auto& st = self->state;
  if (st.stopping)
    return;
  auto& consumer = *st.core->consumer;
  auto room = credit(st) * st.cfg.batch_size;
  std::size_t want = 0;
  if (room > st.buffer.size()) {
    st.starved_since.reset();
    set_paused(self, false);
    want = room - st.buffer.size();
  } else {
    auto now = clock_type::now();
    if (!st.starved_since)
      st.starved_since = now;
    if (now - *st.starved_since >= std::chrono::milliseconds(st.cfg.pause_after_ms))
      set_paused(self, true);
    // Paused partitions deliver nothing; polling serves rebalances and errors.
    if (consumer.paused())
      want = 1;
  }
  // Even with nothing wanted, polling lets a fatal error's recovery proceed.
  st.polled.clear();
  auto got = consumer.poll(st.polled, want, 0);
  for (auto& msg : st.polled)
    st.buffer.push_back(std::move(msg));
  st.polled.clear();
  st.consumed += got;
  while (!st.buffer.empty() && credit(st) > 0)
    send_batch(self);
  if (consumer.fatal_pending()) {
    schedule_poll(self, 100);
  } else if (credit(st) > 0) {
    // More may be queued right away; otherwise librdkafka's wake-up says when messages
    // arrive, and the fallback poll covers a wake-up that went missing.
    schedule_poll(self, got > 0 ? 0 : st.cfg.poll_interval_ms);
  } else if (!st.stall_check_scheduled) {
    // Acknowledgements pump again; this timer only catches a stall long enough to pause
    // fetching, and keeps polling (for rebalances) while paused.
    st.stall_check_scheduled = true;
    self->delayed_send(self, std::chrono::milliseconds(consumer.paused()
                                                         ? st.cfg.poll_interval_ms
                                                         : st.cfg.pause_after_ms),
                       stall_atom::value);
  }
}

void commit(source_actor* self, bool async) {
  auto& st = self->state;
  if (auto err = st.core->consumer->commit(async)) {
    ++st.commit_failures;
    spdlog::warn("kafka_source: {}", error_text(err));
  } else {
    ++st.commits;
  }
}

boost::json::object stats_json(const source_state& st) {
  boost::json::object o;
  o["consumed"] = st.consumed;
  o["rejected"] = st.rejected;
  o["batches_sent"] = st.batches_sent;
  o["batches_in_flight"] = st.open.size();
  o["buffered"] = st.buffer.size();
  o["acknowledged"] = st.acked_events;
  o["processed"] = st.processed;
  o["unmatched"] = st.unmatched;
  o["dead_lettered"] = st.dead_lettered;
  o["uncommitted"] = st.core->consumer->tracker().pending();
  o["paused"] = st.core->consumer->paused();
  o["pauses"] = st.pauses;
  o["commit_calls"] = st.commits;
  o["commit_failures"] = st.commit_failures;
  o["assigned_partitions"] = st.core->assigned.size();
  o["brokers_down"] = st.link->down();
  o["fatal_pending"] = st.core->consumer->fatal_pending();
  o["recreations"] = st.core->consumer->recreations();
  o["client_errors"] = st.link->errors();
  return o;
}

void finish_stop(source_actor* self) {
  auto& st = self->state;
  if (!st.stopped)
    return;
  commit(self, false);
  if (auto err = st.core->consumer->close())
    spdlog::warn("kafka_source: {}", error_text(err));
  uint64_t left = st.open.size();
  if (left > 0)
    spdlog::warn("kafka_source: stopped with {} batches unacknowledged; their messages will be "
                 "consumed again",
                 left);
  st.stopped->deliver(left);
  st.stopped.reset();
}

caf::behavior kafka_source_fn(source_actor* self, kafka_source_config cfg,
                              std::shared_ptr<consumer_core> core) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.link = std::make_unique<kafka_link>("kafka_source", cfg.kafka.brokers);
  st.cfg = std::move(cfg);
  st.cfg.batch_size = std::max<std::size_t>(1, st.cfg.batch_size);
  st.cfg.max_inflight = std::max<std::size_t>(1, st.cfg.max_inflight);
  st.core = std::move(core);
  st.core->on_error = [self](const kafka_client_error& err) {
    if (auto change = self->state.link->on_error(err, wall_seconds()))
      report_health(self, *change);
  };
  st.core->on_revoked = [self](const std::vector<topic_partition>& revoked) {
    // Messages of revoked partitions now belong to another member: drop what is not sent.
    auto& buf = self->state.buffer;
    std::set<topic_partition> gone(revoked.begin(), revoked.end());
    auto keep = std::remove_if(buf.begin(), buf.end(), [&](const kafka_message& m) {
      return gone.count(m.where()) > 0;
    });
    buf.erase(keep, buf.end());
  };
  st.waker = std::make_shared<kafka_waker>(caf::weak_actor_ptr{self->ctrl()});
  st.core->consumer->set_wakeup([waker = st.waker] { waker->wake(); });
  self->send(self, tick_atom::value);
  schedule_poll(self, 0);
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.commit_interval_ms),
                     commit_atom::value);
  return {
    [=](poll_atom) {
      self->state.poll_scheduled = false;
      pump(self);
    },
    [=](stall_atom) {
      self->state.stall_check_scheduled = false;
      pump(self);
    },
    [=](kafka_wake_atom) {
      self->state.waker->rearm();
      pump(self);
    },
    [=](kafka_fault_atom, const std::string& reason) -> caf::result<bool> {
      if (auto err = self->state.core->consumer->raise_test_fatal_error(reason))
        return err;
      pump(self);
      return true;
    },
    [=](ack_atom, const batch_ack& ack) {
      auto& st = self->state;
      auto i = st.open.find(ack.ticket);
      if (i == st.open.end())
        return;
      auto& consumer = *st.core->consumer;
      auto& ob = i->second;
      topic_partition where{ob.topic, 0};
      const int64_t* run = ob.offsets.data();
      for (auto& [partition, count] : ob.runs) {
        where.partition = partition;
        consumer.handled(where, run, count);
        run += count;
      }
      st.acked_events += ob.offsets.size();
      st.processed += ack.processed;
      st.unmatched += ack.unmatched;
      st.dead_lettered += ack.dead_lettered;
      st.open.erase(i);
      if (st.stopping) {
        if (st.open.empty())
          finish_stop(self);
        return;
      }
      pump(self);
    },
    [=](commit_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      commit(self, true);
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.commit_interval_ms),
                         commit_atom::value);
    },
    [=](tick_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      auto& consumer = *st.core->consumer;
      if (auto change = st.link->on_tick(consumer.brokers_down(), consumer.fatal_pending(),
                                         wall_seconds()))
        report_health(self, *change);
      if (st.cfg.monitor)
        report_kafka_stats(st.cfg.monitor, "kafka_source", to_json(boost::json::value(stats_json(st))));
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.stats_interval_ms),
                         tick_atom::value);
    },
    [=](stop_atom, int drain_ms) {
      auto& st = self->state;
      auto rp = self->make_response_promise();
      if (st.stopping) {
        rp.deliver(uint64_t{st.open.size()});
        return rp;
      }
      st.stopping = true;
      // Unsent messages are not committed: they are consumed again after a restart.
      st.buffer.clear();
      st.stopped = rp;
      if (st.open.empty())
        finish_stop(self);
      else
        self->delayed_send(self, std::chrono::milliseconds(drain_ms), drained_atom::value);
      return rp;
    },
    [=](drained_atom) { finish_stop(self); },
    [=](snapshot_atom) { return to_json(boost::json::value(stats_json(self->state))); },
  };
}

} // namespace

std::vector<std::string> input_topics(const switchboard_config& cfg) {
  if (!cfg.topics.input.empty())
    return cfg.topics.input;
  std::vector<std::string> out;
  if (cfg.routes)
    for (auto& rule : cfg.routes->rules())
      for (auto& topic : rule.source_topics)
        if (std::find(out.begin(), out.end(), topic) == out.end())
          out.push_back(topic);
  if (out.empty())
    out.emplace_back("events");
  return out;
}

caf::expected<caf::actor> spawn_kafka_source(caf::actor_system& sys, kafka_source_config cfg) {
  if (cfg.topics.empty())
    return caf::make_error(kafka_errc::bad_config, "kafka source: no input topics");
  auto core = std::make_shared<consumer_core>();
  auto* raw = core.get();
  kafka_consumer_handlers handlers;
  handlers.on_error = [raw](const kafka_client_error& err) {
    if (raw->on_error)
      raw->on_error(err);
  };
  handlers.on_assigned = [raw](const std::vector<topic_partition>& added) {
    raw->assigned.insert(added.begin(), added.end());
  };
  handlers.on_revoked = [raw](const std::vector<topic_partition>& revoked) {
    for (auto& where : revoked)
      raw->assigned.erase(where);
    if (raw->on_revoked)
      raw->on_revoked(revoked);
  };
  auto consumer = kafka_consumer::make(cfg.kafka, std::move(handlers));
  if (!consumer)
    return consumer.error();
  if (auto err = (*consumer)->subscribe(cfg.topics))
    return err;
  core->consumer = std::move(*consumer);
  return sys.spawn(kafka_source_fn, std::move(cfg), std::move(core));
}

} // namespace switchboard
