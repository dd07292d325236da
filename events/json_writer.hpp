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

namespace detail {

/// Ways to escape a string: byte by byte, 16-byte blocks (SSSE3), 32 (AVX-512 VBMI2).
enum class escape_path { plain, blocks, wide };

/// True when this build and CPU can escape the way `path` says.
bool escape_path_available(escape_path path) noexcept;

/// `write_json_string` escaping the way `path` says, when available (for tests).
void write_json_string_by(std::string& out, std::string_view text, escape_path path);

/// `json_needs_escape` for the lengths the inline part leaves out.
bool json_needs_escape_scan(std::string_view text) noexcept;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/// The high bit of each byte of `w` that JSON needs escaped (quote, backslash,
/// control); a borrow can mark a byte above a marked one, so only "any" and the lowest
/// mark are exact.
[[gnu::always_inline]] inline uint64_t json_escape_marks(uint64_t w) noexcept {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t highs = 0x8080808080808080ULL;
  auto below = [](uint64_t x, uint64_t n) { return (x - n * ones) & ~x & highs; };
  return below(w, 0x20) | below(w ^ ('"' * ones), 1) | below(w ^ ('\\' * ones), 1);
}
#endif

} // namespace detail

/// True when `text` has a byte JSON needs escaped (a quote, a backslash, a control).
inline bool json_needs_escape(std::string_view text) noexcept {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Keys, names and ids are mostly 4 to 16 bytes, asked about for every field written:
  // two overlapping loads here cover them without a call.
  const char* s = text.data();
  auto n = text.size();
  auto load = [](const char* p, std::size_t size) {
    uint64_t w = 0;
    std::memcpy(&w, p, size);
    return w;
  };
  if (n >= 8 && n <= 16)
    return (detail::json_escape_marks(load(s, 8)) | detail::json_escape_marks(load(s + n - 8, 8)))
           != 0;
  if (n >= 4 && n < 8) // both halves of the word filled, so no zero byte reads as a control
    return detail::json_escape_marks(load(s, 4) | (load(s + n - 4, 4) << 32)) != 0;
#endif
  return detail::json_needs_escape_scan(text);
}

/// Appends a signed integer.
void write_json_integer(std::string& out, int64_t value);

/// Appends an unsigned integer.
void write_json_integer(std::string& out, uint64_t value);

/// Appends a double so that it reads back as a double: `5.0`, not `5`.
void write_json_double(std::string& out, double value);

/// The most bytes `write_json_double_to` writes.
constexpr std::size_t json_double_room = 32;

/// Writes a double as `write_json_double` does at `d`, which has room for
/// `json_double_room` bytes; returns the end.
char* write_json_double_to(char* d, double value) noexcept;

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
