#include "monitor/monitor_actor.hpp"

#include <chrono>
#include <deque>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_defaults.hpp"
#include "actors/protocol.hpp"
#include "events/factory.hpp"
#include "events/json_writer.hpp"
#include "monitor/alerts.hpp"
#include "monitor/metrics.hpp"
#include "monitor/snapshot.hpp"

namespace switchboard {

namespace {

using set_dispatcher_atom = caf::atom_constant<caf::atom("setdisp")>;

double wall_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

struct monitor_state {
  monitor_config cfg;
  metrics_registry registry;
  alert_engine alerts;
  health_tracker health;
  event_factory factory{"monitor"};
  double started = wall_now();
  // Last cumulative value per component and counter, to turn totals into increments.
  std::map<std::string, double> last_totals;
  std::map<std::string, boost::json::object> processor_detail;
  std::deque<std::string> notifications;
  std::vector<caf::actor> subscribers;
  uint64_t ticket = 0;
  static inline const char* name = "monitor";
};

using monitor_actor = caf::stateful_actor<monitor_state>;

// Adds the growth of a cumulative total since the last report to a counter.
void add_growth(monitor_state& st, const std::string& key, double total, std::string_view name,
                label_set labels) {
  auto& last = st.last_totals[key];
  if (total > last)
    st.registry.counter(name, std::move(labels)).inc(total - last);
  last = total;
}

void absorb_dispatcher(monitor_state& st, const boost::json::object& o, double now) {
  label_set pipeline{{"processor", "pipeline"}};
  auto received = json_number(o.if_contains("received"));
  auto dead = json_number(o.if_contains("dead_lettered"));
  add_growth(st, "d.received", received, metric_names::events_processed, pipeline);
  add_growth(st, "d.dead", dead, metric_names::events_failed, pipeline);
  add_growth(st, "d.unmatched", json_number(o.if_contains("unmatched")), "events_unmatched_total", {});
  add_growth(st, "d.derived", json_number(o.if_contains("derived")), "events_derived_total", {});
  if (auto* kinds = o.if_contains("dead_letters"); kinds && kinds->is_object())
    for (auto& [kind, n] : kinds->get_object())
      add_growth(st, "d.dl." + std::string{kind}, json_number(&n), metric_names::dead_letters,
                 {{"reason", std::string{kind}}});
  if (auto* pub = o.if_contains("published"); pub && pub->is_object())
    for (auto& [topic, n] : pub->get_object())
      add_growth(st, "d.pub." + std::string{topic}, json_number(&n), "records_published_total",
                 {{"topic", std::string{topic}}});
  if (auto* lat = o.if_contains("latency_samples_ms"); lat && lat->is_array()) {
    auto& h = st.registry.histogram(metric_names::event_latency, pipeline);
    for (auto& v : lat->get_array())
      h.observe(json_number(&v) / 1000.0);
  }
  if (auto* procs = o.if_contains("processors"); procs && procs->is_object()) {
    for (auto& [name, p] : procs->get_object()) {
      if (!p.is_object())
        continue;
      st.registry.gauge("processor_queue_depth", {{"processor", std::string{name}}})
        .set(json_number(p.get_object().if_contains("queue_depth")));
      auto& detail = st.processor_detail[std::string{name}];
      for (auto& [k, v] : p.get_object())
        detail[k] = v;
    }
  }
  st.health.report("dispatcher", static_cast<uint64_t>(received), 0, now);
}

void absorb_processor(monitor_state& st, const std::string& component,
                      const boost::json::object& o, double now) {
  auto name = component.substr(component.find('.') + 1);
  label_set labels{{"processor", name}};
  auto handled = json_number(o.if_contains("handled"));
  auto rejected = json_number(o.if_contains("rejected"));
  add_growth(st, component + ".handled", handled, "processor_events_total", labels);
  add_growth(st, component + ".rejected", rejected, "processor_rejected_total", labels);
  auto& last_h = st.last_totals[component + ".health_h"];
  auto& last_r = st.last_totals[component + ".health_r"];
  st.health.report(component, static_cast<uint64_t>(std::max(0.0, handled - last_h)),
                   static_cast<uint64_t>(std::max(0.0, rejected - last_r)), now);
  last_h = handled;
  last_r = rejected;
  if (name == "task")
    if (auto* active = o.if_contains("active"))
      st.registry.gauge(metric_names::active_tasks).set(json_number(active));
  auto& detail = st.processor_detail[name];
  for (auto& [k, v] : o)
    detail[k] = v;
}

// Kafka clients report cumulative counts and current levels: totals become counters,
// the rest gauges, labelled with the client (`kafka_source`, `kafka_sink`).
void absorb_kafka(monitor_state& st, const std::string& component,
                  const boost::json::object& o) {
  static const std::set<std::string> levels{"batches_in_flight", "buffered", "uncommitted",
                                            "assigned_partitions",
                                            "batches_open", "batches_waiting_for_queue",
                                            "in_flight"};
  label_set labels{{"client", component}};
  for (auto& [key, v] : o) {
    std::string name{key};
    double value = v.is_bool() ? (v.get_bool() ? 1.0 : 0.0) : json_number(&v);
    if (levels.count(name) > 0 || v.is_bool())
      st.registry.gauge("kafka_" + name, labels).set(value);
    else
      add_growth(st, component + "." + name, value, "kafka_" + name + "_total", labels);
  }
}

void remember(monitor_state& st, const std::string& json) {
  if (st.notifications.size() == 100)
    st.notifications.pop_front();
  st.notifications.push_back(json);
}

void publish(monitor_actor* self, std::string json) {
  auto& st = self->state;
  remember(st, json);
  for (auto& sub : st.subscribers)
    self->send(sub, notify_atom::value, json);
}

// Subscribers get a processor's notifications as the one batch they came in.
void publish(monitor_actor* self, std::vector<std::string> batch) {
  auto& st = self->state;
  auto first = batch.size() > 100 ? batch.size() - 100 : 0;
  for (auto i = first; i < batch.size(); ++i)
    remember(st, batch[i]);
  for (auto& sub : st.subscribers)
    self->send(sub, notify_atom::value, batch);
}

void fire_alert(monitor_actor* self, const alert_transition& t) {
  auto& st = self->state;
  boost::json::object msg;
  msg["type"] = "alert";
  msg["alert"] = to_json(t);
  publish(self, to_json(boost::json::value(std::move(msg))));
  if (t.to != alert_state::firing || !st.cfg.dispatcher)
    return;
  json_fields extra;
  extra.set("rule", t.rule);
  extra.set("metric", t.metric);
  extra.set("value", std::isfinite(t.value) ? t.value : 0.0);
  extra.set("threshold", t.threshold);
  auto sev = t.severity;
  if (sev != "info" && sev != "warning" && sev != "error" && sev != "critical")
    sev = "warning";
  auto ev = st.factory.create_notification_event("alert", "operations", "Alert: " + t.rule,
                                                 t.message, sev, "monitor", std::move(extra));
  if (!ev)
    return;
  input_batch b;
  b.ticket = ++st.ticket;
  b.topic = "events";
  b.events.push_back(std::move(*ev));
  b.ingest_ns = mono_now_ns();
  self->send(st.cfg.dispatcher, batch_atom::value, std::move(b));
}

std::string alerts_json(const monitor_state& st) {
  boost::json::object o;
  boost::json::array active;
  for (auto& t : st.alerts.active())
    active.push_back(to_json(t));
  boost::json::array recent;
  for (auto& t : st.alerts.history())
    recent.push_back(to_json(t));
  o["active"] = std::move(active);
  o["recent"] = std::move(recent);
  o["active_count"] = st.alerts.active_count();
  o["total_triggered"] = st.alerts.total_triggered();
  return to_json(boost::json::value(std::move(o)));
}

boost::json::value rule_json(const alert_rule_spec& r) {
  boost::json::object o;
  o["name"] = r.name;
  o["metric"] = r.metric;
  o["condition"] = to_string(r.condition);
  o["threshold"] = r.threshold;
  o["severity"] = r.severity;
  o["cooldown"] = r.cooldown_seconds;
  o["for"] = r.for_seconds;
  o["description"] = r.description;
  return o;
}

std::string snapshot(monitor_state& st, const std::string& what) {
  auto now = wall_now();
  if (what == "prometheus")
    return st.registry.to_prometheus();
  if (what == "metrics")
    return to_json(st.registry.to_json());
  if (what == "alerts")
    return alerts_json(st);
  if (what == "rules") {
    boost::json::array rules;
    for (auto& r : st.alerts.rules())
      rules.push_back(rule_json(r));
    return to_json(boost::json::value(std::move(rules)));
  }
  if (what == "notifications") {
    boost::json::array arr;
    for (auto& n : st.notifications)
      arr.push_back(boost::json::parse(n));
    return to_json(boost::json::value(std::move(arr)));
  }
  if (what == "health") {
    boost::json::object o;
    for (auto& [name, h] : st.health.last())
      o[name] = to_json(h);
    return to_json(boost::json::value(std::move(o)));
  }
  if (what == "figures") {
    auto f = derive_figures(st.registry);
    boost::json::object o;
    o["events_per_second"] = f.events_per_second;
    o["avg_latency_ms"] = f.avg_latency_ms;
    o["p50_latency_ms"] = f.p50_latency_ms;
    o["p99_latency_ms"] = f.p99_latency_ms;
    o["error_rate"] = f.error_rate;
    o["active_tasks"] = f.active_tasks;
    o["dead_letters_total"] = f.dead_letters_total;
    return to_json(boost::json::value(std::move(o)));
  }
  snapshot_inputs in;
  in.now = now;
  in.uptime_seconds = now - st.started;
  in.registry = &st.registry;
  in.health = &st.health.last();
  in.alerts = &st.alerts;
  in.processor_detail = &st.processor_detail;
  auto snap = dashboard_snapshot(in);
  // The page charts p99 next to the average; DESIGN's shape has the average only.
  if (auto* m = snap.if_contains("metrics"); m && m->is_object())
    m->get_object()["p99_latency_ms"] = derive_figures(st.registry).p99_latency_ms;
  return to_json(boost::json::value(std::move(snap)));
}

caf::behavior monitor_fn(monitor_actor* self, monitor_config cfg) {
  apply_actor_defaults(self);
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.registry = metrics_registry{st.cfg.rate_window_seconds};
  st.health = health_tracker{st.cfg.health};
  for (auto& r : st.cfg.alert_rules)
    if (auto err = st.alerts.add_rule(r))
      spdlog::warn("alert rule '{}' refused: {}", r.name, caf::to_string(err));
  st.registry.describe(metric_names::events_processed, "Input events that entered the pipeline");
  st.registry.describe(metric_names::events_failed, "Input events that were dead-lettered");
  st.registry.describe(metric_names::event_latency, "Ingest-to-processed latency in seconds");
  st.registry.describe(metric_names::dead_letters, "Records sent to the dead-letter topic");
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == dm.source; }),
               subs.end());
  });
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.tick_ms), tick_atom::value);
  return {
    [=](stats_atom, const std::string& component, const std::string& json) {
      auto& st = self->state;
      boost::json::error_code ec;
      auto v = boost::json::parse(json, ec);
      if (ec || !v.is_object())
        return;
      auto now = wall_now();
      if (component == "dispatcher")
        absorb_dispatcher(st, v.get_object(), now);
      else if (component.rfind("kafka_", 0) == 0)
        absorb_kafka(st, component, v.get_object());
      else
        absorb_processor(st, component, v.get_object(), now);
    },
    [=](heartbeat_atom, const std::string& component) {
      self->state.health.heartbeat(component, wall_now());
    },
    [=](health_atom, const std::string& component, const std::string& status,
        const std::string& message) {
      auto& st = self->state;
      auto now = wall_now();
      if (status == "restarting") {
        auto& n = st.last_totals[component + ".restarts"];
        n += 1;
        st.health.restarting(component, static_cast<uint32_t>(n), now, message);
      } else if (status == "down") {
        st.health.down(component, now, message);
      } else if (status == "unhealthy") {
        st.health.unhealthy(component, now, message);
      } else if (status == "healthy") {
        st.health.recovered(component, now);
      } else {
        st.health.heartbeat(component, now);
      }
      boost::json::object msg;
      msg["type"] = "health";
      msg["component"] = component;
      msg["status"] = status;
      msg["message"] = message;
      publish(self, to_json(boost::json::value(std::move(msg))));
    },
    [=](notify_atom, std::string& json) { publish(self, std::move(json)); },
    [=](notify_atom, std::vector<std::string>& batch) { publish(self, std::move(batch)); },
    [=](ack_atom, const batch_ack&) {
      // Alerts sent into the pipeline need no follow-up once handled.
    },
    [=](subscribe_atom, const caf::actor& who) {
      self->monitor(who);
      self->state.subscribers.push_back(who);
    },
    [=](set_dispatcher_atom, const caf::actor& dispatcher) {
      self->state.cfg.dispatcher = dispatcher;
    },
    [=](snapshot_atom, const std::string& what) { return snapshot(self->state, what); },
    [=](rules_atom, const std::string& op, const std::string& arg) -> std::string {
      auto& st = self->state;
      if (op == "delete")
        return st.alerts.remove_rule(arg) ? std::string{"unknown alert rule '" + arg + "'"}
                                          : std::string{};
      auto cfg = parse_config("{\"alert_rules\":[" + arg + "]}");
      if (!cfg)
        return error_text(cfg.error());
      if (cfg->alert_rules.size() != 1)
        return "expected one alert rule object";
      if (auto err = st.alerts.add_rule(cfg->alert_rules.front()))
        return error_text(err);
      return {};
    },
    [=](tick_atom) {
      auto& st = self->state;
      auto now = wall_now();
      st.registry.sample(now);
      auto transitions = st.alerts.evaluate(
        [&](const std::string& metric) { return st.registry.value(metric); }, now);
      for (auto& t : transitions)
        if (t.to == alert_state::firing || t.to == alert_state::resolved)
          fire_alert(self, t);
      st.health.evaluate(now);
      self->delayed_send(self, std::chrono::milliseconds(st.cfg.tick_ms), tick_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_monitor(caf::actor_system& sys, monitor_config cfg) {
  return sys.spawn(monitor_fn, std::move(cfg));
}

void set_monitor_dispatcher(caf::actor monitor, caf::actor dispatcher) {
  caf::anon_send(monitor, set_dispatcher_atom::value, std::move(dispatcher));
}

} // namespace switchboard
