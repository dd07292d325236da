#include "actors/memory_sink.hpp"

#include <deque>
#include <map>
#include <string>

#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/actor_defaults.hpp"
#include "actors/processor.hpp"
#include "actors/protocol.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

struct topic_state {
  uint64_t count = 0;
  std::deque<std::string> kept;
};

struct sink_state {
  memory_sink_config cfg;
  std::map<std::string, topic_state, std::less<>> topics;
  static inline const char* name = "memory_sink";
};

void keep(sink_state& st, topic_state& ts, std::string_view bytes) {
  if (st.cfg.keep_per_topic == 0)
    return;
  if (ts.kept.size() == st.cfg.keep_per_topic)
    ts.kept.pop_front();
  ts.kept.emplace_back(bytes);
}

caf::behavior memory_sink(caf::stateful_actor<sink_state>* self, memory_sink_config cfg) {
  apply_actor_defaults(self);
  self->state.cfg = cfg;
  return {
    [=](publish_atom, const publish_batch& pb) {
      auto& st = self->state;
      for (auto& rec : pb.topics) {
        auto it = st.topics.find(rec.topic);
        if (it == st.topics.end())
          it = st.topics.emplace(rec.topic, topic_state{}).first;
        auto& ts = it->second;
        ts.count += rec.events.size() + rec.raw.size();
        for (auto& ev : rec.events)
          keep(st, ts, ev->bytes());
        for (auto& raw : rec.raw)
          keep(st, ts, raw);
      }
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), published_atom::value,
                 publish_ack{pb.id, 0, {}});
    },
    [=](snapshot_atom) {
      boost::json::object counts;
      for (auto& [topic, ts] : self->state.topics)
        counts[topic] = ts.count;
      return to_json(boost::json::value(std::move(counts)));
    },
    [=](snapshot_atom, const std::string& topic) {
      std::vector<std::string> out;
      if (auto it = self->state.topics.find(topic); it != self->state.topics.end())
        out.assign(it->second.kept.begin(), it->second.kept.end());
      return out;
    },
  };
}

} // namespace

caf::actor spawn_memory_sink(caf::actor_system& sys, memory_sink_config cfg) {
  return sys.spawn(memory_sink, cfg);
}

} // namespace switchboard
