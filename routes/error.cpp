#include "routes/error.hpp"

namespace switchboard {

const char* to_string(route_errc code) noexcept {
  switch (code) {
    case route_errc::bad_pattern: return "bad_pattern";
    case route_errc::bad_transform: return "bad_transform";
    case route_errc::bad_config: return "bad_config";
    case route_errc::unreadable_config: return "unreadable_config";
    case route_errc::transform_failed: return "transform_failed";
  }
  return "unknown";
}

} // namespace switchboard
