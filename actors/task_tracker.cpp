#include "actors/task_tracker.hpp"

namespace switchboard {

const char* to_string(task_state s) noexcept {
  switch (s) {
    case task_state::created: return "created";
    case task_state::started: return "started";
    case task_state::completed: return "completed";
    case task_state::failed: return "failed";
    case task_state::refused: return "refused";
  }
  return "unknown";
}

task_tracker::task_tracker(std::size_t max_tracked, std::size_t max_recent)
  : tasks_(max_tracked), recent_(max_recent), refused_early_(max_recent) {
  // nop
}

caf::expected<task_transition>
task_tracker::create(std::string_view task_id, std::string_view task_type, double now) {
  if (tasks_.find(task_id) != nullptr || recent_.find(task_id) != nullptr)
    return refuse(task_id, "task_created");
  auto& bucket = bucket_of(task_type);
  if (!refused_early_.empty() && refused_early_.erase(task_id)) {
    for (auto* stats : {&bucket.second, &totals_}) {
      ++stats->created;
      ++stats->refused;
    }
    return task_transition{task_id, task_type, task_state::created, task_state::refused, 0, 0};
  }
  task_entry entry{&bucket, nullptr, task_state::created, now, 0};
  if (bucket.first != task_type)
    entry.overflow_type = std::make_unique<std::string>(task_type);
  auto type = entry.type();
  if (auto evicted = tasks_.insert(task_id, std::move(entry))) {
    ++abandoned_;
    if (evicted->second.state == task_state::started)
      --started_count_;
  }
  ++bucket.second.created;
  ++totals_.created;
  return task_transition{task_id, type, task_state::created, task_state::created, 0, 0};
}

caf::expected<task_transition> task_tracker::start(std::string_view task_id, double now) {
  auto* task = tasks_.find(task_id);
  if (task == nullptr || task->state != task_state::created)
    return refuse(task_id, "task_started");
  task->state = task_state::started;
  task->started_at = now;
  ++started_count_;
  ++task->bucket->second.started;
  ++totals_.started;
  return task_transition{task_id, task->type(), task_state::created, task_state::started, 0,
                         0};
}

caf::expected<task_transition> task_tracker::complete(std::string_view task_id, double now) {
  auto* task = tasks_.find(task_id);
  if (task == nullptr || task->state != task_state::started)
    return refuse(task_id, "task_completed");
  return finish(task_id, task_state::completed, now);
}

caf::expected<task_transition> task_tracker::fail(std::string_view task_id, double now) {
  if (tasks_.find(task_id) == nullptr)
    return refuse(task_id, "task_failed");
  return finish(task_id, task_state::failed, now);
}

bool task_tracker::refuse_created(std::string_view task_id) {
  auto* task = tasks_.find(task_id);
  if (task == nullptr) {
    if (recent_.find(task_id) == nullptr)
      refused_early_.insert(task_id, true);
    return false;
  }
  if (task->state != task_state::created)
    return false;
  ++task->bucket->second.refused;
  ++totals_.refused;
  // A refused task never ran: its id is free for a retry, so it is not kept as recent.
  tasks_.erase(task_id);
  return true;
}

std::size_t task_tracker::count_in(task_state s) const noexcept {
  switch (s) {
    case task_state::created: return tasks_.size() - started_count_;
    case task_state::started: return started_count_;
    default: return 0;
  }
}

caf::expected<task_transition>
task_tracker::finish(std::string_view task_id, task_state to, double now) {
  auto task = std::move(*tasks_.find(task_id));
  tasks_.erase(task_id);
  // An overflow type's name lived in the entry: keep it where the result can view it.
  if (task.overflow_type)
    finished_type_ = std::move(*task.overflow_type);
  std::string_view type = task.overflow_type ? std::string_view{finished_type_}
                                             : std::string_view{task.bucket->first};
  task_transition result{task_id, type, task.state, to, now - task.created_at, 0};
  if (task.state == task_state::started) {
    --started_count_;
    result.run_seconds = now - task.started_at;
  }
  for (auto* stats : {&task.bucket->second, &totals_}) {
    if (to == task_state::completed) {
      ++stats->completed;
      stats->total_seconds.add(result.total_seconds);
      stats->run_seconds.add(result.run_seconds);
    } else {
      ++stats->failed;
    }
  }
  recent_.insert(task_id, to);
  return result;
}

caf::error task_tracker::refuse(std::string_view task_id, const char* event) {
  ++rejected_;
  std::string why;
  if (auto* task = tasks_.find(task_id))
    why = "it is " + std::string{to_string(task->state)};
  else if (auto* state = recent_.find(task_id))
    why = "it already " + std::string{to_string(*state)};
  else
    why = "it was never created (or is no longer tracked)";
  auto code = tasks_.find(task_id) != nullptr || recent_.find(task_id) != nullptr
                ? proc_errc::invalid_transition
                : proc_errc::unknown_id;
  if (std::string_view{event} == "task_created" && code == proc_errc::invalid_transition)
    code = proc_errc::duplicate_id;
  return caf::make_error(code, std::string{event} + " for task '" + std::string{task_id}
                                 + "' refused: " + why);
}

task_tracker::type_bucket& task_tracker::bucket_of(std::string_view type) {
  if (auto i = per_type_.find(type); i != per_type_.end())
    return *i;
  // Types come from input: beyond the cap, new ones share one bucket.
  constexpr std::size_t max_types = 1024;
  if (per_type_.size() >= max_types)
    return *per_type_.emplace("other", task_type_stats{}).first;
  return *per_type_.emplace(std::string{type}, task_type_stats{}).first;
}

} // namespace switchboard
