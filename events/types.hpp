#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace switchboard {

/// The families events belong to; `unknown` marks a type outside all of them.
enum class event_family : uint8_t {
  document,
  task,
  agent,
  analytics,
  notification,
  quality,
  business_insight,
  system_health,
  unknown,
};

/// Every known event type, in the order `all_event_types()` lists them; `other` stands for
/// any type outside the families. Hot paths switch on it instead of comparing names.
enum class event_kind : uint8_t {
  document_uploaded,
  document_processed,
  document_analyzed,
  task_created,
  task_started,
  task_completed,
  task_failed,
  agent_task_started,
  agent_task_completed,
  agent_error,
  agent_health,
  metrics,
  performance_data,
  system_stats,
  user_notification,
  alert,
  system_update,
  quality_check_started,
  quality_check_passed,
  quality_check_failed,
  insight_generated,
  component_health,
  performance_metrics,
  alert_event,
  other,
};

/// How many kinds are known types (every kind but `other`).
constexpr std::size_t known_event_kinds = static_cast<std::size_t>(event_kind::other);

/// The kind of an event type, or `other`.
event_kind kind_of(std::string_view event_type) noexcept;

/// The family of a kind; `unknown` for `other`.
event_family family_of(event_kind kind) noexcept;

/// The type name of a known kind; empty for `other`.
std::string_view to_string(event_kind kind) noexcept;

/// The stable lower-case name of a family, e.g. `business_insight`.
std::string_view to_string(event_family family) noexcept;

/// The family an event type belongs to, or `unknown`.
event_family family_of(std::string_view event_type) noexcept;

/// Parses a family name; `unknown` when the name is not a family.
event_family family_from_name(std::string_view name) noexcept;

/// The event types of one family, in declaration order.
const std::vector<std::string_view>& event_types_of(event_family family);

/// Every known event type across all families.
const std::vector<std::string_view>& all_event_types();

/// The real families (everything but `unknown`).
const std::vector<event_family>& all_families();

} // namespace switchboard
