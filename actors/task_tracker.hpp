#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "actors/error.hpp"
#include "actors/ordered_table.hpp"
#include "actors/stats.hpp"

namespace switchboard {

/// Where a task is in its lifecycle.
enum class task_state : uint8_t { created, started, completed, failed, refused };

/// The stable name of a task state, e.g. `started`.
const char* to_string(task_state s) noexcept;

/// What one accepted lifecycle event did to a task.
struct task_transition {
  /// The task: a view of the id the caller passed in.
  std::string_view task_id;
  /// Its type, as given when it was created; valid until the tracker's next call.
  std::string_view task_type;
  /// State before the event.
  task_state from = task_state::created;
  /// State after the event.
  task_state to = task_state::created;
  /// Seconds from created to now; set when the task finished.
  double total_seconds = 0;
  /// Seconds from started to now; set when a started task finished.
  double run_seconds = 0;
};

/// Statistics of one task type (or of all tasks).
struct task_type_stats {
  /// Tasks created.
  uint64_t created = 0;
  /// Tasks started.
  uint64_t started = 0;
  /// Tasks completed.
  uint64_t completed = 0;
  /// Tasks failed.
  uint64_t failed = 0;
  /// Tasks refused before they started (no agent could take them).
  uint64_t refused = 0;
  /// Seconds from created to completed of completed tasks.
  summary_stats total_seconds;
  /// Seconds from started to completed of completed tasks.
  summary_stats run_seconds;
};

/// The task lifecycle state machine: created -> started -> completed | failed
/// (a task may also fail before it started, or be refused: turned away by whoever
/// was to run it).
///
/// Memory is bounded: a finished task is forgotten once its statistics are recorded
/// (only its id and final state stay in a bounded list, to name repeats precisely),
/// and at most `max_tracked` unfinished tasks are held; creating one more abandons the
/// oldest.
class task_tracker {
public:
  /// A tracker holding at most `max_tracked` unfinished and `max_recent` finished ids.
  explicit task_tracker(std::size_t max_tracked = 100000, std::size_t max_recent = 10000);

  /// Records task_created; fails with `duplicate_id` when the id is tracked.
  caf::expected<task_transition> create(std::string_view task_id, std::string_view task_type,
                                        double now);

  /// Starts loading what a lifecycle event of `task_id` will look up.
  void prefetch(std::string_view task_id) const noexcept {
    tasks_.prefetch(task_id);
    recent_.prefetch(task_id);
  }

  /// Records task_started; only a created task may start.
  caf::expected<task_transition> start(std::string_view task_id, double now);

  /// Records task_completed; only a started task may complete.
  caf::expected<task_transition> complete(std::string_view task_id, double now);

  /// Records task_failed; a created or started task may fail.
  caf::expected<task_transition> fail(std::string_view task_id, double now);

  /// Records that a task will not run because a processor refused its task_created:
  /// a created task ends as refused, and its id is free again (a retry may create it).
  /// A task not created yet is remembered, so that its task_created, when it comes, ends
  /// it at once. False when nothing was open.
  bool refuse_created(std::string_view task_id);

  /// Tasks created or started and not yet finished.
  std::size_t active() const noexcept {
    return tasks_.size();
  }

  /// Unfinished tasks in state `s` (created or started).
  std::size_t count_in(task_state s) const noexcept;

  /// Statistics per task type.
  const std::map<std::string, task_type_stats, std::less<>>& per_type() const noexcept {
    return per_type_;
  }

  /// Statistics of all tasks.
  const task_type_stats& totals() const noexcept {
    return totals_;
  }

  /// Lifecycle events refused as invalid transitions or unknown ids.
  uint64_t rejected() const noexcept {
    return rejected_;
  }

  /// Unfinished tasks dropped because the tracker was full.
  uint64_t abandoned() const noexcept {
    return abandoned_;
  }

private:
  using type_bucket = std::pair<const std::string, task_type_stats>;

  // Kept small: the table holds up to 100,000 of them and every lifecycle event looks
  // one up, mostly far from the cache. The type is a pointer to its statistics, whose
  // key is the type's name (map nodes stay put).
  struct task_entry {
    type_bucket* bucket = nullptr;
    // The type's own name when it shares the overflow bucket.
    std::unique_ptr<std::string> overflow_type;
    task_state state = task_state::created;
    double created_at = 0;
    double started_at = 0;

    std::string_view type() const noexcept {
      return overflow_type ? std::string_view{*overflow_type} : bucket->first;
    }
  };

  caf::expected<task_transition> finish(std::string_view task_id, task_state to, double now);

  caf::error refuse(std::string_view task_id, const char* event);

  type_bucket& bucket_of(std::string_view type);

  ordered_table<task_entry> tasks_;
  ordered_table<task_state> recent_;
  // Tasks refused before their task_created arrived here.
  ordered_table<bool> refused_early_;
  std::map<std::string, task_type_stats, std::less<>> per_type_;
  // The type of the last finished task when it was an overflow type.
  std::string finished_type_;
  task_type_stats totals_;
  std::size_t started_count_ = 0;
  uint64_t rejected_ = 0;
  uint64_t abandoned_ = 0;
};

} // namespace switchboard
