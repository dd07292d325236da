#include "actors/agent_pool.hpp"

#include <algorithm>
#include <tuple>

namespace switchboard {

const char* to_string(agent_health h) noexcept {
  switch (h) {
    case agent_health::healthy: return "healthy";
    case agent_health::degraded: return "degraded";
    case agent_health::unhealthy: return "unhealthy";
  }
  return "unknown";
}

namespace {

std::size_t slots_of(const std::vector<agent_spec>& agents, const agent_pool_options& opts) {
  std::size_t n = opts.queue_capacity + 1;
  for (const auto& a : agents)
    n += static_cast<std::size_t>(std::max(0, a.max_concurrency));
  return n;
}

} // namespace

agent_pool::agent_pool(const std::vector<agent_spec>& agents, agent_pool_options opts)
  : opts_(opts), tasks_(slots_of(agents, opts)),
    capacity_text_(std::to_string(opts.queue_capacity)) {
  agents_.reserve(agents.size());
  for (const auto& spec : agents) {
    auto any = std::find(spec.capabilities.begin(), spec.capabilities.end(), "*")
               != spec.capabilities.end();
    agents_.push_back(agent{spec, 0, 0, 0, sample_ring{opts_.recent_samples},
                            sample_ring{opts_.recent_samples}, any});
  }
}

caf::expected<std::optional<assignment>>
agent_pool::assign(std::string_view task_id, std::string_view task_type, double now) {
  if (tasks_.find(task_id) != nullptr)
    return caf::make_error(proc_errc::duplicate_id,
                           "task '" + std::string{task_id} + "' is already assigned or waiting");
  std::optional<std::size_t> best;
  bool capable = false;
  auto rank = [this](std::size_t i) {
    const auto& a = agents_[i];
    auto load = static_cast<double>(a.running) / std::max(1, a.spec.max_concurrency);
    return std::make_tuple(health_of(a) == agent_health::unhealthy, load, i);
  };
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    if (!can_run(agents_[i], task_type))
      continue;
    capable = true;
    if (agents_[i].running >= agents_[i].spec.max_concurrency)
      continue;
    if (!best || rank(i) < rank(*best))
      best = i;
  }
  if (!capable)
    return caf::make_error(proc_errc::no_capable_agent,
                           "no agent can run tasks of type '" + std::string{task_type}
                             + "' (task '" + std::string{task_id} + "')");
  if (best)
    return std::optional<assignment>{start(*best, task_id, task_type, now, now)};
  if (queued_ >= opts_.queue_capacity) {
    // Under overload this is most tasks: the reason is written in one buffer.
    std::string why;
    why.reserve(task_type.size() + task_id.size() + capacity_text_.size() + 64);
    why.append("every agent for '")
      .append(task_type)
      .append("' is busy and ")
      .append(capacity_text_)
      .append(" tasks already wait; task '")
      .append(task_id)
      .append("' refused");
    return caf::make_error(proc_errc::queue_full, std::move(why));
  }
  auto q = waiting_.find(task_type);
  if (q == waiting_.end())
    q = waiting_.emplace(std::string{task_type}, std::deque<waiting_task>{}).first;
  q->second.push_back(waiting_task{std::string{task_id}, now, next_seq_++});
  tasks_.insert(task_id, pool_task{std::string{task_type}, waiting, now});
  ++queued_;
  return std::optional<assignment>{};
}

caf::expected<std::vector<assignment>>
agent_pool::release(const std::string& task_id, bool success, double now) {
  auto* task = tasks_.find(task_id);
  if (task == nullptr)
    return caf::make_error(proc_errc::unknown_id,
                           "task '" + task_id + "' is neither running nor waiting");
  if (task->agent == waiting) {
    auto q = waiting_.find(task->type);
    q->second.erase(std::find_if(q->second.begin(), q->second.end(),
                                 [&](const waiting_task& t) { return t.id == task_id; }));
    if (q->second.empty())
      waiting_.erase(q);
    tasks_.erase(task_id);
    --queued_;
    return std::vector<assignment>{};
  }
  auto index = task->agent;
  auto& a = agents_[index];
  --a.running;
  a.latencies.add(now - task->started_at);
  a.outcomes.add(success ? 0.0 : 1.0);
  ++(success ? a.completed : a.failed);
  tasks_.erase(task_id);
  --running_count_;
  std::vector<assignment> result;
  // The oldest waiting tasks the agent can run, in arrival order.
  while (a.running < a.spec.max_concurrency) {
    auto from = waiting_.end();
    for (auto q = waiting_.begin(); q != waiting_.end(); ++q)
      if (can_run(a, q->first)
          && (from == waiting_.end() || q->second.front().seq < from->second.front().seq))
        from = q;
    if (from == waiting_.end())
      break;
    auto w = std::move(from->second.front());
    from->second.pop_front();
    result.push_back(start(index, w.id, from->first, now, w.enqueued_at));
    --queued_;
    if (from->second.empty())
      waiting_.erase(from);
  }
  return result;
}

std::optional<agent_status> agent_pool::status(const std::string& agent_id) const {
  for (const auto& a : agents_)
    if (a.spec.id == agent_id)
      return status_of(a);
  return std::nullopt;
}

std::vector<agent_status> agent_pool::snapshot() const {
  std::vector<agent_status> result;
  result.reserve(agents_.size());
  for (const auto& a : agents_)
    result.push_back(status_of(a));
  return result;
}

agent_health agent_pool::health_of(const agent& a) const noexcept {
  auto errors = a.outcomes.size() >= opts_.min_outcomes ? a.outcomes.mean() : 0.0;
  if (errors >= opts_.unhealthy_error_rate)
    return agent_health::unhealthy;
  if (errors >= opts_.degraded_error_rate || a.running >= a.spec.max_concurrency)
    return agent_health::degraded;
  return agent_health::healthy;
}

agent_status agent_pool::status_of(const agent& a) const {
  return agent_status{a.spec.id,           a.running,
                      a.spec.max_concurrency, a.completed,
                      a.failed,            a.latencies.mean(),
                      a.latencies.percentile(99), a.outcomes.mean(),
                      health_of(a)};
}

bool agent_pool::can_run(const agent& a, std::string_view type) {
  const auto& caps = a.spec.capabilities;
  return a.any_type || std::find(caps.begin(), caps.end(), type) != caps.end();
}

assignment agent_pool::start(std::size_t agent_index, std::string_view task_id,
                             std::string_view task_type, double now, double enqueued_at) {
  auto& a = agents_[agent_index];
  ++a.running;
  ++running_count_;
  // A waiting task's entry turns into a running one.
  tasks_.insert(task_id, pool_task{std::string{task_type}, agent_index, now});
  return assignment{std::string{task_id}, std::string{task_type}, a.spec.id,
                    now - enqueued_at};
}

} // namespace switchboard
