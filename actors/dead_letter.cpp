#include "actors/dead_letter.hpp"

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

} // namespace

std::string make_dead_letter(std::string_view kind, std::string_view reason,
                             std::string_view route, std::string_view source_topic,
                             std::string_view event_id, std::string_view original) {
  std::string out;
  out.reserve(original.size() + reason.size() + 160);
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
  // Arbitrary bytes may not be valid UTF-8; escape what JSON cannot carry as text.
  std::string safe;
  safe.reserve(original.size());
  for (std::size_t i = 0; i < original.size();) {
    auto c = static_cast<unsigned char>(original[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= original.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(original[i + k]) & 0xC0) == 0x80;
    if (ok) {
      safe.append(original.substr(i, len));
      i += len;
    } else {
      safe += "\xEF\xBF\xBD"; // U+FFFD for each byte that is not UTF-8
      ++i;
    }
  }
  write_json_string(out, safe);
  out += ",\"at\":";
  write_json_string(out, iso_timestamp_now());
  out += "}";
  return out;
}

} // namespace switchboard
