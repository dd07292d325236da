#include "actors/offset_tracker.hpp"

#include <algorithm>
#include <tuple>

namespace switchboard {

void offset_tracker::delivered(const topic_partition& where, int64_t offset) {
  bool added = false;
  if (last_ == partitions_.end() || !(last_->first == where))
    std::tie(last_, added) = partitions_.try_emplace(where);
  auto& state = last_->second;
  if (!added && offset < state.next) {
    // Rewound (seek, re-assignment): what was tracked no longer describes the stream.
    state.window.clear();
    state.open = 0;
    state.taken = -1;
  }
  state.window.push_back(slot{offset, false});
  state.next = offset + 1;
  ++state.open;
}

bool offset_tracker::handled(const topic_partition& where, int64_t offset) {
  auto i = partitions_.find(where);
  if (i == partitions_.end())
    return false;
  auto& state = i->second;
  auto& window = state.window;
  auto pos = std::lower_bound(window.begin(), window.end(), offset,
                              [](const slot& s, int64_t x) { return s.offset < x; });
  if (pos == window.end() || pos->offset != offset || pos->done)
    return false;
  pos->done = true;
  --state.open;
  while (!window.empty() && window.front().done)
    window.pop_front();
  return true;
}

std::size_t offset_tracker::handled(const topic_partition& where, const int64_t* offsets,
                                    std::size_t count) {
  auto i = partitions_.find(where);
  if (i == partitions_.end())
    return 0;
  auto& state = i->second;
  auto& window = state.window;
  std::size_t done = 0;
  auto pos = window.begin();
  for (std::size_t k = 0; k < count; ++k) {
    // Ascending offsets: each search starts where the previous one ended.
    pos = std::lower_bound(pos, window.end(), offsets[k],
                           [](const slot& s, int64_t x) { return s.offset < x; });
    if (pos == window.end())
      break;
    if (pos->offset != offsets[k] || pos->done)
      continue;
    pos->done = true;
    ++done;
  }
  state.open -= done;
  while (!window.empty() && window.front().done)
    window.pop_front();
  return done;
}

std::optional<int64_t> offset_tracker::committable(const topic_partition& where) const {
  auto i = partitions_.find(where);
  if (i == partitions_.end())
    return std::nullopt;
  return i->second.committable();
}

bool offset_tracker::take(const topic_partition& where, partition_state& state,
                          std::vector<partition_offset>& out) {
  auto offset = state.committable();
  if (offset == state.taken)
    return false;
  state.taken = offset;
  out.push_back(partition_offset{where, offset});
  return true;
}

std::vector<partition_offset> offset_tracker::take_commits() {
  std::vector<partition_offset> out;
  for (auto& [where, state] : partitions_)
    take(where, state, out);
  return out;
}

std::vector<partition_offset>
offset_tracker::take_commits(const std::vector<topic_partition>& partitions) {
  std::vector<partition_offset> out;
  for (const auto& where : partitions)
    if (auto i = partitions_.find(where); i != partitions_.end())
      take(where, i->second, out);
  return out;
}

void offset_tracker::forget(const topic_partition& where) {
  auto i = partitions_.find(where);
  if (i == partitions_.end())
    return;
  if (i == last_)
    last_ = partitions_.end();
  partitions_.erase(i);
}

std::size_t offset_tracker::pending() const noexcept {
  std::size_t result = 0;
  for (const auto& entry : partitions_)
    result += entry.second.open;
  return result;
}

std::size_t offset_tracker::pending(const topic_partition& where) const {
  auto i = partitions_.find(where);
  return i == partitions_.end() ? 0 : i->second.open;
}

} // namespace switchboard
