#include "actors/processors.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <unordered_map>

#include "actors/agent_pool.hpp"
#include "actors/ordered_table.hpp"
#include "actors/processor_base.hpp"
#include "events/error.hpp"
#include "events/text_hash.hpp"

namespace switchboard {

namespace {

// Seconds between agent_health reports.
constexpr double health_interval = 5;

// Unknown agent ids remembered (the oldest is forgotten beyond that).
constexpr std::size_t max_unknown_agents = 128;

// Task fields carried from task_created to the events of the task's run.
constexpr std::string_view carried_fields[] = {"document_id", "file_path", "owner"};

// What the agent processor knows of a task it assigned or queued.
struct task_origin {
  std::string task_type;
  std::string correlation_id;
  int64_t hops = 0;
  std::vector<std::pair<std::string_view, std::string>> carry;
};

// A simulated run on an agent.
struct run {
  assignment task;
  double started_at = 0;
  bool fails = false;
};

// What agents reported on their own (outside the pool's simulation).
struct reported {
  uint64_t events = 0;
  uint64_t errors = 0;
  std::string last_status;
};

class agent_processor : public counting_processor {
public:
  explicit agent_processor(const processors_config& cfg)
    : pool_(cfg.agents),
      service_(cfg.agent_service_min_seconds,
               std::max(cfg.agent_service_min_seconds, cfg.agent_service_max_seconds)),
      failure_(std::clamp(cfg.agent_failure_probability, 0.0, 1.0)),
      rng_(cfg.agent_seed),
      unknown_(max_unknown_agents) {
    for (const auto& a : cfg.agents)
      agent_types_[a.id] = a.capabilities.empty() ? std::string{"agent"} : a.capabilities[0];
  }

  std::string_view name() const override {
    return "agent";
  }

  // Simulated work ends on its own clock: frequent ticks finish it on time and in small
  // bursts instead of one pause of thousands of completions every few hundred ms.
  int tick_interval_ms() const override {
    return 5;
  }

  void tick(processor_context& ctx) override {
    auto now = ctx.now();
    while (!runs_.empty() && runs_.begin()->first <= now) {
      auto node = runs_.extract(runs_.begin());
      finish(node.mapped(), node.key(), ctx);
    }
    if (next_health_ == 0) {
      next_health_ = now + health_interval;
    } else if (now >= next_health_) {
      next_health_ = now + health_interval;
      report_health(ctx);
    }
  }

protected:
  void on_event(const event_ptr& ev, processor_context& ctx) override {
    auto kind = ev->kind();
    if (kind == event_kind::task_created) {
      assign(*ev, ctx);
      return;
    }
    if (ev->family() != event_family::agent) {
      ++ignored_;
      return;
    }
    // Our own reports come back through the routes; they are already counted.
    if (ev->source() == "processor.agent") {
      ++own_echoes_;
      return;
    }
    auto id = ev->data_string("agent_id");
    if (agent_types_.find(id) == agent_types_.end()) {
      ++unknown_events_;
      auto* n = unknown_.find(id);
      unknown_.insert(id, n == nullptr ? 1 : *n + 1);
      return;
    }
    auto r = reported_.find(id);
    if (r == reported_.end())
      r = reported_.emplace(std::string{id}, reported{}).first;
    ++r->second.events;
    if (kind == event_kind::agent_error)
      ++r->second.errors;
    r->second.last_status.assign(ev->data_string("status"));
  }

  void add_stats(boost::json::object& out) const override {
    boost::json::object agents;
    for (const auto& s : pool_.snapshot()) {
      boost::json::object a;
      a["running"] = s.running;
      a["max_concurrency"] = s.max_concurrency;
      a["completed"] = s.completed;
      a["failed"] = s.failed;
      a["error_rate"] = s.recent_error_rate;
      a["avg_ms"] = s.recent_mean_seconds * 1000;
      a["p99_ms"] = s.recent_p99_seconds * 1000;
      a["health"] = to_string(s.health);
      if (auto i = reported_.find(s.id); i != reported_.end()) {
        boost::json::object r;
        r["events"] = i->second.events;
        r["errors"] = i->second.errors;
        r["last_status"] = i->second.last_status;
        a["reported"] = std::move(r);
      }
      agents[s.id] = std::move(a);
    }
    out["agents"] = std::move(agents);
    out["running"] = pool_.running();
    out["queued"] = pool_.queued();
    out["unassignable"] = unassignable_;
    boost::json::object unknown;
    for (const auto& [id, n] : unknown_)
      unknown[id] = n;
    out["unknown_agents"] = std::move(unknown);
    out["unknown_agent_events"] = unknown_events_;
    out["own_echoes"] = own_echoes_;
    out["ignored"] = ignored_;
  }

private:
  void assign(const event& ev, processor_context& ctx) {
    auto id = ev.data_string("task_id");
    auto type = ev.data_string("task_type");
    if (id.empty() || type.empty()) {
      reject(ctx, "task_created needs data.task_id and data.task_type");
      return;
    }
    auto now = ctx.now();
    auto assigned = pool_.assign(id, type, now);
    if (!assigned) {
      // Tasks no agent can run belong to workers outside the pool.
      if (assigned.error() == proc_errc::no_capable_agent)
        ++unassignable_;
      else
        reject(ctx, take_error_text(std::move(assigned.error())));
      return;
    }
    task_origin origin{std::string{type}, std::string{ev.correlation_id()}, ev.hops(), {}};
    if (origin.correlation_id.empty())
      origin.correlation_id = std::string{ev.event_id()};
    for (auto key : carried_fields)
      if (auto v = ev.data_string(key); !v.empty())
        origin.carry.emplace_back(key, v);
    origins_[std::string{id}] = std::move(origin);
    if (*assigned)
      start(**assigned, now, ctx);
  }

  void start(const assignment& a, double at, processor_context& ctx) {
    run r{a, at, std::bernoulli_distribution{failure_}(rng_)};
    auto service = std::uniform_real_distribution<double>{service_.first, service_.second}(rng_);
    runs_.emplace(at + service, std::move(r));
    json_fields data;
    data.set("task_id", a.task_id);
    data.set("task_type", a.task_type);
    data.set("waited_seconds", a.waited_seconds);
    emit_agent(a.agent_id, "agent_task_started", "busy", std::move(data), a.task_id, ctx);
    json_fields task;
    task.set("agent_id", a.agent_id);
    emit_task(a, "task_started", "running", std::move(task), ctx);
  }

  void finish(const run& r, double at, processor_context& ctx) {
    const auto& a = r.task;
    json_fields data;
    data.set("task_id", a.task_id);
    data.set("task_type", a.task_type);
    data.set("duration_ms", (at - r.started_at) * 1000);
    json_fields task;
    task.set("agent_id", a.agent_id);
    task.set("duration_ms", (at - r.started_at) * 1000);
    if (r.fails) {
      auto why = "agent " + a.agent_id + " failed to run task " + a.task_id;
      data.set("error", why);
      task.set("error", why);
      emit_agent(a.agent_id, "agent_error", "error", std::move(data), a.task_id, ctx);
      emit_task(a, "task_failed", "failed", std::move(task), ctx);
    } else {
      emit_agent(a.agent_id, "agent_task_completed", "idle", std::move(data), a.task_id, ctx);
      emit_task(a, "task_completed", "completed", std::move(task), ctx);
    }
    origins_.erase(a.task_id);
    auto next = pool_.release(a.task_id, !r.fails, at);
    if (next)
      for (const auto& queued : *next)
        start(queued, at, ctx);
  }

  void report_health(processor_context& ctx) {
    for (const auto& s : pool_.snapshot()) {
      json_fields data;
      data.set("running", s.running);
      data.set("max_concurrency", s.max_concurrency);
      data.set("completed", s.completed);
      data.set("failed", s.failed);
      data.set("error_rate", s.recent_error_rate);
      data.set("p99_ms", s.recent_p99_seconds * 1000);
      emit(ctx, ctx.factory().create_agent_event(s.id, "health", agent_types_[s.id],
                                                 to_string(s.health), {}, std::move(data)));
    }
  }

  // Events of a task's run carry the correlation and hop count of its task_created,
  // also when the run ends on a timer long after that event was handled.
  caf::expected<event_ptr> derived(const std::string& task_id, std::string_view type,
                                   const json_fields& data, processor_context& ctx) {
    auto i = origins_.find(task_id);
    if (i == origins_.end())
      return ctx.factory().create(type, data);
    json_fields metadata;
    metadata.set("hops", i->second.hops + 1);
    return ctx.factory().create(type, data, metadata, i->second.correlation_id);
  }

  void emit_agent(const std::string& agent_id, std::string_view type, std::string_view status,
                  json_fields data, const std::string& task_id, processor_context& ctx) {
    data.set("agent_id", agent_id);
    data.set("agent_type", agent_types_[agent_id]);
    data.set("status", status);
    emit(ctx, derived(task_id, type, data, ctx));
  }

  void emit_task(const assignment& a, std::string_view type, std::string_view status,
                 json_fields data, processor_context& ctx) {
    if (auto i = origins_.find(a.task_id); i != origins_.end())
      for (const auto& [k, v] : i->second.carry)
        data.set(k, v);
    data.set("task_id", a.task_id);
    data.set("task_type", a.task_type);
    data.set("status", status);
    emit(ctx, derived(a.task_id, type, data, ctx));
  }

  agent_pool pool_;
  std::pair<double, double> service_;
  double failure_;
  std::mt19937_64 rng_;
  std::map<std::string, std::string, std::less<>> agent_types_;
  std::unordered_map<std::string, task_origin, text_hasher> origins_;
  std::multimap<double, run> runs_;
  std::map<std::string, reported, std::less<>> reported_;
  ordered_table<uint64_t> unknown_;
  double next_health_ = 0;
  uint64_t unassignable_ = 0;
  uint64_t unknown_events_ = 0;
  uint64_t own_echoes_ = 0;
  uint64_t ignored_ = 0;
};

} // namespace

std::unique_ptr<processor_logic> make_agent_processor(const processors_config& cfg) {
  return std::make_unique<agent_processor>(cfg);
}

} // namespace switchboard
