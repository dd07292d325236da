#include "actors/error.hpp"

namespace switchboard {

const char* to_string(proc_errc code) noexcept {
  switch (code) {
    case proc_errc::invalid_transition: return "invalid_transition";
    case proc_errc::unknown_id: return "unknown_id";
    case proc_errc::duplicate_id: return "duplicate_id";
    case proc_errc::no_capable_agent: return "no_capable_agent";
    case proc_errc::queue_full: return "queue_full";
    case proc_errc::bad_setting: return "bad_setting";
    case proc_errc::delivery_failed: return "delivery_failed";
  }
  return "unknown";
}

} // namespace switchboard
