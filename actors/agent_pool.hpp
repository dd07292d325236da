#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "actors/error.hpp"
#include "actors/ordered_table.hpp"
#include "actors/stats.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// How well an agent is doing.
enum class agent_health : uint8_t { healthy, degraded, unhealthy };

/// The stable name of a health level, e.g. `degraded`.
const char* to_string(agent_health h) noexcept;

/// Tuning of the agent pool beyond the agent specs.
struct agent_pool_options {
  /// Tasks that may wait for a free agent.
  std::size_t queue_capacity = 1024;
  /// Recent outcomes and latencies kept per agent.
  std::size_t recent_samples = 256;
  /// Outcomes needed before the error rate counts towards health.
  std::size_t min_outcomes = 5;
  /// Recent error rate at which an agent is degraded.
  double degraded_error_rate = 0.1;
  /// Recent error rate at which an agent is unhealthy.
  double unhealthy_error_rate = 0.5;
};

/// A task given to an agent.
struct assignment {
  /// The task.
  std::string task_id;
  /// Its type.
  std::string task_type;
  /// The agent running it.
  std::string agent_id;
  /// Seconds the task waited in the queue before it was assigned.
  double waited_seconds = 0;
};

/// What the pool knows about one agent.
struct agent_status {
  /// The agent.
  std::string id;
  /// Tasks it runs now.
  int running = 0;
  /// Tasks it may run at once.
  int max_concurrency = 0;
  /// Tasks it completed.
  uint64_t completed = 0;
  /// Tasks it failed.
  uint64_t failed = 0;
  /// Mean run time of its recent tasks in seconds.
  double recent_mean_seconds = 0;
  /// p99 run time of its recent tasks in seconds.
  double recent_p99_seconds = 0;
  /// Share of its recent tasks that failed.
  double recent_error_rate = 0;
  /// Its health by recent error rate and saturation.
  agent_health health = agent_health::healthy;
};

/// Assigns tasks to agents by capability and load and tracks how each agent does.
///
/// A task goes to the capable agent with the lowest load (running / max_concurrency);
/// unhealthy agents come after the others, and ties go to the agent listed first.
/// When every capable agent is saturated the task waits in a bounded FIFO queue and
/// is assigned when an agent that can run it frees up. The capability `*` means any type.
class agent_pool {
public:
  /// A pool of the agents in `agents`.
  explicit agent_pool(const std::vector<agent_spec>& agents, agent_pool_options opts = {});

  /// Assigns a task now, or queues it (returns none). Fails with `no_capable_agent`
  /// when no agent has the capability, `queue_full` when it cannot wait, and
  /// `duplicate_id` when the task is already running or waiting.
  caf::expected<std::optional<assignment>>
  assign(std::string_view task_id, std::string_view task_type, double now);

  /// Ends a task with success or failure; returns the queued tasks assigned to the
  /// freed agent. A waiting task is simply removed. Fails with `unknown_id`.
  caf::expected<std::vector<assignment>> release(const std::string& task_id, bool success,
                                                 double now);

  /// The state of one agent, or none when the id is unknown.
  std::optional<agent_status> status(const std::string& agent_id) const;

  /// The state of every agent in configuration order.
  std::vector<agent_status> snapshot() const;

  /// Tasks waiting for an agent.
  std::size_t queued() const noexcept {
    return queued_;
  }

  /// Tasks running on agents.
  std::size_t running() const noexcept {
    return running_count_;
  }

private:
  struct agent {
    agent_spec spec;
    int running = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;
    sample_ring latencies;
    sample_ring outcomes; // 1 for a failure, 0 for a success
    bool any_type = false; // the capability `*`
  };

  // A task the pool holds: running on agent `agent` since `started_at`, or waiting in
  // the queue of its type (`agent` is `waiting`).
  struct pool_task {
    std::string type;
    std::size_t agent;
    double started_at;
  };

  static constexpr std::size_t waiting = SIZE_MAX;

  struct waiting_task {
    std::string id;
    double enqueued_at;
    // Arrival order across the per-type queues.
    uint64_t seq;
  };

  agent_health health_of(const agent& a) const noexcept;

  agent_status status_of(const agent& a) const;

  static bool can_run(const agent& a, std::string_view type);

  assignment start(std::size_t agent_index, std::string_view task_id,
                   std::string_view task_type, double now, double enqueued_at);

  agent_pool_options opts_;
  std::vector<agent> agents_;
  // Every task running or waiting, in one index: a new task is checked against both
  // with one lookup. Sized for all agents' slots and the queue, so it never evicts.
  ordered_table<pool_task> tasks_;
  std::size_t running_count_ = 0;
  // One queue per task type, so a freed agent looks only at the heads of queues it can
  // serve instead of scanning past every waiting task it cannot run.
  std::map<std::string, std::deque<waiting_task>, std::less<>> waiting_;
  std::size_t queued_ = 0;
  uint64_t next_seq_ = 0;
  // The queue's capacity as text, for refusals (most tasks under overload).
  std::string capacity_text_;
};

} // namespace switchboard
