#include "events/error.hpp"

#include <caf/message.hpp>

namespace switchboard {

const char* to_string(event_errc code) noexcept {
  switch (code) {
    case event_errc::malformed_json: return "malformed_json";
    case event_errc::not_object: return "not_object";
    case event_errc::missing_field: return "missing_field";
    case event_errc::wrong_type: return "wrong_type";
    case event_errc::invalid_value: return "invalid_value";
    case event_errc::unknown_event_type: return "unknown_event_type";
    case event_errc::too_large: return "too_large";
    case event_errc::too_deep: return "too_deep";
    case event_errc::invalid_utf8: return "invalid_utf8";
  }
  return "unknown";
}

std::string error_text(const caf::error& err) {
  // The copy shares the sentence, so taking it copies the text and leaves `err` whole.
  return take_error_text(caf::error{err});
}

std::string take_error_text(caf::error&& err) {
  if (!err)
    return "no error";
  auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.move_if_unshared<std::string>(0);
  return caf::to_string(err);
}

} // namespace switchboard
