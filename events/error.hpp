#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace switchboard {

/// Why an event could not be decoded, validated or built.
enum class event_errc : uint8_t {
  /// The bytes are not well-formed JSON.
  malformed_json = 1,
  /// The JSON document is not an object.
  not_object,
  /// A required envelope field is absent.
  missing_field,
  /// An envelope field has the wrong JSON type.
  wrong_type,
  /// A field has the right type but an unacceptable value.
  invalid_value,
  /// The event type belongs to no known family while a known one is required.
  unknown_event_type,
  /// The event is larger than the configured limit.
  too_large,
  /// Objects and arrays nest deeper than the configured limit.
  too_deep,
  /// A string is not valid UTF-8.
  invalid_utf8,
};

/// The stable name of an event error code, e.g. `missing_field`.
const char* to_string(event_errc code) noexcept;

/// The sentence carried by an error made in this project, or CAF's rendering.
std::string error_text(const caf::error& err);

/// `error_text` of an error no longer needed: a sentence it alone holds is moved out
/// rather than copied.
std::string take_error_text(caf::error&& err);

} // namespace switchboard

CAF_ERROR_CODE_ENUM(switchboard::event_errc, "event")
