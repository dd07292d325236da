#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace switchboard {

/// Why a processor refused an event or a request; the message says which and why.
enum class proc_errc : uint8_t {
  /// A task or document event arrived in a state that does not allow it.
  invalid_transition = 1,
  /// The task, document or delivery is not (or no longer) tracked.
  unknown_id,
  /// A task or document with this id is already tracked.
  duplicate_id,
  /// No agent of the pool has the capability a task needs.
  no_capable_agent,
  /// Every capable agent is busy and the wait queue is full.
  queue_full,
  /// A window, webhook or pool setting cannot be used.
  bad_setting,
  /// A webhook request could not be sent or got no success status.
  delivery_failed,
};

/// The stable name of a processor error code, e.g. `invalid_transition`.
const char* to_string(proc_errc code) noexcept;

} // namespace switchboard

CAF_ERROR_CODE_ENUM(switchboard::proc_errc, "proc")
