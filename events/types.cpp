#include "events/types.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace switchboard {

namespace {

struct family_entry {
  event_family family;
  std::string_view name;
  std::vector<std::string_view> types;
};

const std::array<family_entry, 8>& table() {
  static const std::array<family_entry, 8> entries{{
    {event_family::document, "document",
     {"document_uploaded", "document_processed", "document_analyzed"}},
    {event_family::task, "task",
     {"task_created", "task_started", "task_completed", "task_failed"}},
    {event_family::agent, "agent",
     {"agent_task_started", "agent_task_completed", "agent_error",
      "agent_health"}},
    {event_family::analytics, "analytics",
     {"metrics", "performance_data", "system_stats"}},
    {event_family::notification, "notification",
     {"user_notification", "alert", "system_update"}},
    {event_family::quality, "quality",
     {"quality_check_started", "quality_check_passed",
      "quality_check_failed"}},
    {event_family::business_insight, "business_insight",
     {"insight_generated"}},
    {event_family::system_health, "system_health",
     {"component_health", "performance_metrics", "alert_event"}},
  }};
  return entries;
}

} // namespace

std::string_view to_string(event_family family) noexcept {
  for (const auto& e : table())
    if (e.family == family)
      return e.name;
  return "unknown";
}

event_kind kind_of(std::string_view event_type) noexcept {
  // Every event is classified, so the names are grouped by length: a type is compared
  // with the one to four names of its own length only.
  struct named {
    std::string_view name;
    event_kind kind;
  };
  constexpr std::size_t longest = 32;
  static const auto by_size = [] {
    std::array<std::vector<named>, longest + 1> groups;
    const auto& all = all_event_types();
    for (std::size_t k = 0; k < all.size(); ++k)
      groups[all[k].size()].push_back({all[k], static_cast<event_kind>(k)});
    return groups;
  }();
  if (event_type.size() > longest)
    return event_kind::other;
  // Compared eight bytes at a time in line: a call to memcmp costs more than the
  // compare for names this short, and every decoded event is classified.
  auto same = [](const char* a, const char* b, std::size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
      uint64_t x;
      uint64_t y;
      std::memcpy(&x, a, 8);
      std::memcpy(&y, b, 8);
      if (x != y)
        return false;
    }
    for (; n > 0; --n)
      if (*a++ != *b++)
        return false;
    return true;
  };
  for (const auto& n : by_size[event_type.size()])
    if (same(n.name.data(), event_type.data(), event_type.size()))
      return n.kind;
  return event_kind::other;
}

event_family family_of(event_kind kind) noexcept {
  static const auto families = [] {
    std::array<event_family, known_event_kinds + 1> out{};
    std::size_t k = 0;
    for (const auto& e : table())
      for (std::size_t i = 0; i < e.types.size(); ++i)
        out[k++] = e.family;
    out[known_event_kinds] = event_family::unknown;
    return out;
  }();
  return families[static_cast<std::size_t>(kind)];
}

std::string_view to_string(event_kind kind) noexcept {
  auto k = static_cast<std::size_t>(kind);
  return k < known_event_kinds ? all_event_types()[k] : std::string_view{};
}

event_family family_of(std::string_view event_type) noexcept {
  return family_of(kind_of(event_type));
}

event_family family_from_name(std::string_view name) noexcept {
  for (const auto& e : table())
    if (e.name == name)
      return e.family;
  return event_family::unknown;
}

const std::vector<std::string_view>& event_types_of(event_family family) {
  static const std::vector<std::string_view> none;
  for (const auto& e : table())
    if (e.family == family)
      return e.types;
  return none;
}

const std::vector<std::string_view>& all_event_types() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> result;
    for (const auto& e : table())
      result.insert(result.end(), e.types.begin(), e.types.end());
    return result;
  }();
  return all;
}

const std::vector<event_family>& all_families() {
  static const std::vector<event_family> all = [] {
    std::vector<event_family> result;
    for (const auto& e : table())
      result.push_back(e.family);
    return result;
  }();
  return all;
}

} // namespace switchboard
