#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>
#include <boost/json/storage_ptr.hpp>
#include <simdjson.h>

namespace switchboard {

/// Appends `text` as a quoted JSON string, escaping quotes, backslashes and controls.
void write_json_string(std::string& out, std::string_view text);

/// Writes `text` quoted and escaped at `d`, which has room for `6 * text.size() + 2`
/// bytes; returns the end of what it wrote.
char* write_json_string_to(char* d, std::string_view text) noexcept;

/// Writes `text`, which needs no escapes, quoted at `d`; returns the end.
inline char* write_plain_json_string_to(char* d, std::string_view text) noexcept {
  *d++ = '"';
  std::memcpy(d, text.data(), text.size());
  d += text.size();
  *d++ = '"';
  return d;
}

/// True when `text` has a byte JSON needs escaped (a quote, a backslash, a control).
bool json_needs_escape(std::string_view text) noexcept;

/// Appends a signed integer.
void write_json_integer(std::string& out, int64_t value);

/// Appends an unsigned integer.
void write_json_integer(std::string& out, uint64_t value);

/// Appends a double so that it reads back as a double: `5.0`, not `5`.
void write_json_double(std::string& out, double value);

/// Appends the compact JSON text of a parsed value, keeping key order and number types.
void write_json(std::string& out, simdjson::dom::element value);

/// Appends the compact JSON text of a mutable tree, with the same number formatting.
void write_json(std::string& out, const boost::json::value& value);

/// Returns the compact JSON text of a mutable tree.
std::string to_json(const boost::json::value& value);

/// The value of a JSON number of any kind, or `fallback` when `v` is null or no number.
double json_number(const boost::json::value* v, double fallback = 0) noexcept;

/// Copies a parsed value into a mutable tree (numbers keep int64/uint64/double),
/// allocating from `sp` (the default resource when null).
boost::json::value to_tree(simdjson::dom::element value, boost::json::storage_ptr sp = {});

} // namespace switchboard
