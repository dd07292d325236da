#include "monitor/dashboard_actor.hpp"

#include <deque>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/actor_defaults.hpp"
#include "actors/protocol.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "monitor/event_stream.hpp"
#include "routes/config.hpp"
#include "routes/route_table.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const switchboard::route_table>)

namespace switchboard {

namespace {

struct sample {
  double events_per_second = 0;
  double avg_latency_ms = 0;
  double p99_latency_ms = 0;
};

// A processor's counters at the previous refresh, for its rates.
struct totals {
  double time = 0;
  double handled = 0;
  double rejected = 0;
};

struct dashboard_state {
  dashboard_config cfg;
  std::string cached;
  std::deque<sample> history;
  std::deque<boost::json::value> notifications;
  // Processor notifications not yet parsed: with no live stream reader only the latest
  // ones matter, so they are parsed when a snapshot needs them.
  std::deque<std::string> unparsed;
  std::map<std::string, totals> last_totals; // by processor
  static inline const char* name = "dashboard";
};

using dashboard_actor = caf::stateful_actor<dashboard_state>;

// Turns a monitor message into a stream event name and the data the page reads.
std::pair<std::string, boost::json::object> to_stream(const boost::json::object& msg) {
  boost::json::object data;
  auto* type = msg.if_contains("type");
  if (type && *type == "alert" && !msg.contains("alert")) {
    // An alert event from the pipeline (e.g. an analytics anomaly) that the notification
    // processor passed on: it reads like a monitor alert on the page.
    if (auto* e = msg.if_contains("event"); e && e->is_object()) {
      auto& ev = e->get_object();
      const boost::json::object* d = nullptr;
      if (auto* dv = ev.if_contains("data"); dv && dv->is_object())
        d = &dv->get_object();
      auto* title = d ? d->if_contains("title") : nullptr;
      data["name"] = title ? *title : boost::json::value{"alert"};
      data["state"] = "firing";
      if (d)
        for (auto* key : {"severity", "message", "recipient"})
          if (auto* v = d->if_contains(key))
            data[key] = *v;
      if (auto* t = ev.if_contains("timestamp"))
        data["timestamp"] = *t;
      data["source"] = "pipeline";
    }
    return {"alert", std::move(data)};
  }
  if (type && *type == "alert") {
    if (auto* a = msg.if_contains("alert"); a && a->is_object()) {
      auto& al = a->get_object();
      data["name"] = al.contains("rule") ? al.at("rule") : boost::json::value{"alert"};
      for (auto* key : {"severity", "state", "message", "metric", "value", "threshold"})
        if (auto* v = al.if_contains(key))
          data[key] = *v;
      if (auto* t = al.if_contains("time"))
        data["timestamp"] = *t;
    }
    return {"alert", std::move(data)};
  }
  if (type && *type == "notification") {
    if (auto* e = msg.if_contains("event"); e && e->is_object()) {
      auto& ev = e->get_object();
      data["event_type"] = ev.contains("event_type") ? ev.at("event_type") : "notification";
      if (auto* t = ev.if_contains("timestamp"))
        data["timestamp"] = *t;
      if (auto* d = ev.if_contains("data"); d && d->is_object())
        for (auto* key : {"title", "message", "severity", "recipient"})
          if (auto* v = d->get_object().if_contains(key))
            data[key] = *v;
    }
    return {"notification", std::move(data)};
  }
  data = msg;
  return {type && type->is_string() ? std::string{type->get_string()} : "notification",
          std::move(data)};
}

constexpr std::size_t kept_notifications = 50;

// Keeps a notification for the page and passes any message on to live stream readers.
void take(dashboard_state& st, const std::string& json) {
  boost::json::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object())
    return;
  auto [name, data] = to_stream(v.get_object());
  if (st.cfg.hub && st.cfg.hub->subscribers() > 0)
    st.cfg.hub->publish(name, to_json(boost::json::value(data)));
  if (name == "notification") {
    if (st.notifications.size() == kept_notifications)
      st.notifications.pop_front();
    st.notifications.push_back(std::move(data));
  }
}

void take_unparsed(dashboard_state& st) {
  std::deque<std::string> pending;
  pending.swap(st.unparsed);
  for (auto& json : pending)
    take(st, json);
}

// Adds queue depth and throughput per processor and the history the page charts.
std::string enrich(dashboard_state& st, boost::json::value snap, double now) {
  if (!snap.is_object())
    return {};
  auto& o = snap.get_object();
  const boost::json::object* health = nullptr;
  if (auto* h = o.if_contains("component_health"); h && h->is_object())
    health = &h->get_object();
  if (auto* procs = o.if_contains("processors"); procs && procs->is_object()) {
    // The pipeline-wide series is not a processor.
    procs->get_object().erase("pipeline");
    for (auto& [name, p] : procs->get_object()) {
      if (!p.is_object())
        continue;
      auto& po = p.get_object();
      // The processors count what they handled and rejected themselves; the pipeline's
      // metrics have no per-processor series, so their zeros are replaced.
      double total = json_number(po.if_contains("handled"));
      double errors = json_number(po.if_contains("rejected"));
      po["processed_total"] = total;
      po["errors_total"] = errors;
      po["events_processed"] = total;
      po["events_failed"] = errors;
      po["queue_depth"] = json_number(po.if_contains("queue_depth"));
      if (health != nullptr)
        if (auto* h = health->if_contains("processor." + std::string{name}); h && h->is_object())
          if (auto* status = h->get_object().if_contains("status"))
            po["status"] = *status;
      auto& last = st.last_totals[std::string{name}];
      if (last.time > 0 && now > last.time) {
        double handled = std::max(0.0, total - last.handled);
        po["events_per_second"] = handled / (now - last.time);
        po["error_rate"] = handled > 0 ? 100.0 * std::max(0.0, errors - last.rejected) / handled
                                       : 0.0;
      }
      last = {now, total, errors};
    }
  }
  sample s;
  if (auto* m = o.if_contains("metrics"); m && m->is_object()) {
    s.events_per_second = json_number(m->get_object().if_contains("events_per_second"));
    s.avg_latency_ms = json_number(m->get_object().if_contains("avg_latency_ms"));
    s.p99_latency_ms = json_number(m->get_object().if_contains("p99_latency_ms"));
  }
  if (st.history.size() == 120)
    st.history.pop_front();
  st.history.push_back(s);
  boost::json::object hist;
  boost::json::array eps, avg, p99;
  for (auto& h : st.history) {
    eps.push_back(h.events_per_second);
    avg.push_back(h.avg_latency_ms);
    p99.push_back(h.p99_latency_ms);
  }
  hist["events_per_second"] = std::move(eps);
  hist["avg_latency_ms"] = std::move(avg);
  hist["p99_latency_ms"] = std::move(p99);
  o["history"] = std::move(hist);
  take_unparsed(st);
  boost::json::array notes;
  for (auto it = st.notifications.rbegin(); it != st.notifications.rend(); ++it)
    notes.push_back(*it);
  o["notifications"] = std::move(notes);
  return to_json(snap);
}

void refresh(dashboard_actor* self) {
  auto& st = self->state;
  self->request(st.cfg.monitor, std::chrono::seconds(2), snapshot_atom::value,
                std::string{"dashboard"})
    .then(
      [=](std::string& json) {
        boost::json::error_code ec;
        auto v = boost::json::parse(json, ec);
        if (!ec) {
          using namespace std::chrono;
          auto now = duration<double>(steady_clock::now().time_since_epoch()).count();
          auto& st = self->state;
          st.cached = enrich(st, std::move(v), now);
          if (st.cfg.cache && !st.cached.empty())
            st.cfg.cache->store(st.cached, steady_clock::now());
        }
      },
      [](caf::error&) {
        // A slow monitor leaves the previous snapshot in place.
      });
}

// Asks the monitor on the caller's behalf; the answer (or error) goes back to the caller.
template <class... Ts>
caf::response_promise forward(dashboard_actor* self, Ts... xs) {
  auto rp = self->make_response_promise();
  self->request(self->state.cfg.monitor, std::chrono::seconds(2), std::move(xs)...)
    .then([=](std::string& json) mutable { rp.deliver(std::move(json)); },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::behavior dashboard_fn(dashboard_actor* self, dashboard_config cfg) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  if (!st.cfg.routes)
    st.cfg.routes = std::make_shared<route_table>();
  if (st.cfg.monitor)
    self->send(st.cfg.monitor, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (self->state.cfg.monitor)
        refresh(self);
      self->delayed_send(self, std::chrono::milliseconds(self->state.cfg.tick_ms),
                         tick_atom::value);
    },
    [=](notify_atom, const std::string& json) {
      auto& st = self->state;
      take_unparsed(st);
      take(st, json);
    },
    [=](notify_atom, std::vector<std::string>& batch) {
      auto& st = self->state;
      if (st.cfg.hub && st.cfg.hub->subscribers() > 0) {
        take_unparsed(st);
        for (auto& json : batch)
          take(st, json);
        return;
      }
      auto first = batch.size() > kept_notifications ? batch.size() - kept_notifications : 0;
      for (auto i = first; i < batch.size(); ++i) {
        if (st.unparsed.size() == kept_notifications)
          st.unparsed.pop_front();
        st.unparsed.push_back(std::move(batch[i]));
      }
    },
    [=](snapshot_atom, const std::string& what) -> caf::result<caf::message> {
      auto& st = self->state;
      if (what == "routes") {
        boost::json::object o;
        o["routes"] = st.cfg.routes->to_json();
        return caf::make_message(to_json(boost::json::value(std::move(o))));
      }
      if (what == "dashboard" && !st.cached.empty())
        return caf::make_message(st.cached);
      return forward(self, snapshot_atom::value, what);
    },
    [=](reload_atom, const std::string& json) -> caf::result<std::string> {
      auto routes = parse_routes(json);
      if (!routes)
        return error_text(routes.error());
      // The caller hears of success only once the dispatcher routes with the new table;
      // asking (not sending) also consumes the dispatcher's answer, which as a stray
      // message would come back to it as an error and end it.
      auto rp = self->make_response_promise<std::string>();
      auto table = *routes;
      self->request(self->state.cfg.dispatcher, std::chrono::seconds(2), reload_atom::value, table)
        .then(
          [=](bool) mutable {
            self->state.cfg.routes = table;
            rp.deliver(std::string{});
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](rules_atom, const std::string& op, const std::string& arg) -> caf::result<caf::message> {
      return forward(self, rules_atom::value, op, arg);
    },
  };
}

} // namespace

void dashboard_cache::store(std::string json, clock_type::time_point at) {
  auto fresh = std::make_shared<const std::string>(std::move(json));
  std::lock_guard<std::mutex> guard{mtx_};
  json_ = std::move(fresh);
  at_ = at;
}

std::shared_ptr<const std::string> dashboard_cache::load(std::chrono::milliseconds max_age,
                                                         clock_type::time_point now) const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!json_ || now - at_ > max_age)
    return nullptr;
  return json_;
}

caf::actor spawn_dashboard(caf::actor_system& sys, dashboard_config cfg) {
  return sys.spawn(dashboard_fn, std::move(cfg));
}

} // namespace switchboard
