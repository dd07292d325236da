#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace switchboard {

/// Why a pattern, transform, route table or config was refused, or a transform failed.
enum class route_errc : uint8_t {
  /// A filter pattern is not valid; the message names the JSON path.
  bad_pattern = 1,
  /// A transformation spec is not valid; the message names the JSON path.
  bad_transform,
  /// A config value is missing, mistyped, unknown or out of range; names the path.
  bad_config,
  /// The config file could not be read or is not JSON.
  unreadable_config,
  /// A transform failed on an event at run time; names the route and operation.
  transform_failed,
};

/// The stable name of a route error code, e.g. `bad_pattern`.
const char* to_string(route_errc code) noexcept;

} // namespace switchboard

CAF_ERROR_CODE_ENUM(switchboard::route_errc, "route")
