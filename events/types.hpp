#pragma once

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
