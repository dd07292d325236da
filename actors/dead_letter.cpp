#include "actors/dead_letter.hpp"

#include <simdjson.h>

#include "events/event.hpp"
#include "events/factory.hpp"
#include "events/json_writer.hpp"

namespace switchboard {

namespace {

void string_or_null(std::string& out, std::string_view text) {
  if (text.empty())
    out += "null";
  else
    write_json_string(out, text);
}

// `text` with U+FFFD for each byte that does not start a valid UTF-8 sequence, so the
// record stays valid JSON (overlong forms and surrogates count as invalid too).
std::string replace_invalid_utf8(std::string_view text) {
  std::string safe;
  safe.reserve(text.size() + 16);
  std::size_t run = 0; // start of the valid bytes not yet copied
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    if (len > 0 && i + len <= text.size()
        && (len == 1 || simdjson::validate_utf8(text.data() + i, len))) {
      i += len;
      continue;
    }
    safe.append(text.substr(run, i - run));
    safe += "\xEF\xBF\xBD";
    run = ++i;
  }
  safe.append(text.substr(run));
  return safe;
}

std::string dead_letter_record(std::string_view kind, std::string_view reason,
                               std::string_view route, std::string_view source_topic,
                               std::string_view event_id, std::string_view original,
                               bool known_utf8, std::string_view at) {
  std::string out;
  // Room for the fields and for the original's quotes escaped, so it is written in place.
  out.reserve(original.size() + original.size() / 4 + reason.size() + route.size()
              + source_topic.size() + event_id.size() + at.size() + 160);
  out += "{\"reason\":";
  write_json_string(out, reason);
  out += ",\"kind\":";
  write_json_string(out, kind);
  out += ",\"route\":";
  string_or_null(out, route);
  out += ",\"source_topic\":";
  string_or_null(out, source_topic);
  out += ",\"event_id\":";
  string_or_null(out, event_id);
  out += ",\"original\":";
  // Decoded events are valid UTF-8 and go as they are; other bytes may not be.
  if (known_utf8 || simdjson::validate_utf8(original.data(), original.size()))
    write_json_string(out, original);
  else
    write_json_string(out, replace_invalid_utf8(original));
  out += ",\"at\":\"";
  if (at.empty())
    append_iso_timestamp_now(out);
  else
    out += at;
  out += "\"}";
  return out;
}

} // namespace

std::string make_dead_letter(std::string_view kind, std::string_view reason,
                             std::string_view route, std::string_view source_topic,
                             std::string_view event_id, std::string_view original) {
  return dead_letter_record(kind, reason, route, source_topic, event_id, original, false, {});
}

std::string make_dead_letter(std::string_view kind, std::string_view reason,
                             std::string_view route, std::string_view source_topic,
                             const event& original, std::string_view at) {
  return dead_letter_record(kind, reason, route, source_topic, original.event_id(),
                            original.bytes(), true, at);
}

} // namespace switchboard
