#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/protocol.hpp"
#include "demo/pipeline.hpp"
#include "events/codec.hpp"

namespace switchboard::test {

/// An actor system configured as switchboard runs it; actors handed to `own` are
/// stopped on destruction, so a failed REQUIRE cannot leave the system waiting forever.
struct test_system {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::vector<caf::actor> owned;
  test_system() {
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  ~test_system() {
    for (auto& a : owned)
      caf::anon_send_exit(a, caf::exit_reason::kill);
  }
  /// Stops `a` when the test ends.
  caf::actor own(caf::actor a) {
    owned.push_back(a);
    return a;
  }
  /// Stops the pipeline's actors when the test ends.
  const pipeline& own(const pipeline& p) {
    for (auto* a : {&p.dashboard, &p.dispatcher, &p.sink, &p.monitor})
      if (*a)
        owned.push_back(*a);
    return p;
  }
};

/// Decodes lines of JSON into an input batch on `topic`; undecodable lines become rejects.
inline input_batch make_batch(const std::vector<std::string>& lines,
                              const std::string& topic = "events", uint64_t ticket = 1) {
  codec dec;
  input_batch b;
  b.ticket = ticket;
  b.topic = topic;
  for (auto& line : lines) {
    auto ev = dec.decode(std::string_view{line});
    if (ev)
      b.events.push_back(*ev);
    else
      b.rejected.push_back(rejected_input{line, error_text(ev.error())});
  }
  b.ingest_ns = mono_now_ns();
  return b;
}

/// Sends a batch to the dispatcher as a source would and waits for its ack.
inline std::optional<batch_ack> send_and_wait(caf::actor_system& sys, const caf::actor& dispatcher,
                                              input_batch b,
                                              std::chrono::seconds timeout = std::chrono::seconds(20)) {
  caf::scoped_actor self{sys};
  self->send(dispatcher, batch_atom::value, std::move(b));
  std::optional<batch_ack> result;
  self->receive([&](ack_atom, const batch_ack& ack) { result = ack; },
                caf::after(timeout) >> [] {});
  return result;
}

/// Asks an actor for JSON and parses it; null on timeout.
inline boost::json::value ask(caf::actor_system& sys, const caf::actor& who,
                              const std::string& what = {}) {
  auto text = ask_json(sys, who, what);
  if (!text)
    return nullptr;
  return boost::json::parse(*text);
}

/// The records the in-process sink kept for a topic.
inline std::vector<std::string> kept(caf::actor_system& sys, const caf::actor& sink,
                                     const std::string& topic) {
  caf::scoped_actor self{sys};
  std::vector<std::string> out;
  self->request(sink, std::chrono::seconds(5), snapshot_atom::value, topic)
    .receive([&](std::vector<std::string>& recs) { out = std::move(recs); },
             [](caf::error&) {});
  return out;
}

/// The in-process sink's per-topic count (0 when the topic saw nothing).
inline uint64_t topic_count(caf::actor_system& sys, const caf::actor& sink,
                            const std::string& topic) {
  auto counts = ask(sys, sink);
  if (!counts.is_object())
    return 0;
  auto* v = counts.get_object().if_contains(topic);
  return v ? v->to_number<uint64_t>() : 0;
}

} // namespace switchboard::test
