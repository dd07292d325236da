#pragma once

#include <string_view>
#include <vector>

namespace switchboard {

/// One top-level member of a JSON object's text, exactly as written.
struct json_member {
  /// The key between its quotes, escapes as written: `a\"b` for the key `a"b`.
  std::string_view key;
  /// The value from its first byte to its last, whitespace inside it included.
  std::string_view value;
  /// True when the key holds an escape, so it differs from its unescaped text.
  bool key_escaped = false;
};

/// Reads the top-level members of a JSON object's text one at a time, in the order
/// they are written, duplicates included: the order of simdjson's DOM iteration.
///
/// Made for text a JSON parser has already accepted: it finds where members begin and
/// end (strings with escapes, nested objects and arrays, whitespace between tokens)
/// without validating numbers, literals or UTF-8. It never reads outside the text and
/// stops with `failed()` at any structure it cannot follow.
class json_member_reader {
public:
  /// A reader over `text`: one JSON object, optionally preceded by a UTF-8 byte order
  /// mark and surrounded by whitespace.
  explicit json_member_reader(std::string_view text) noexcept;

  /// Reads the next member into `out`; false at the end of the object or when the
  /// text cannot be split (then `failed()` is true).
  bool next(json_member& out) noexcept;

  /// True when the text turned out not to be an object the reader can split.
  bool failed() const noexcept {
    return failed_;
  }

  /// True when the closing brace was read and only whitespace follows it.
  bool done() const noexcept {
    return done_;
  }

private:
  bool fail() noexcept;

  const char* pos_;
  const char* end_;
  bool first_ = true;
  bool done_ = false;
  bool failed_ = false;
};

/// Where the last top-level member of a JSON object's text is, found from the end.
struct json_last_member {
  /// Offset of the opening quote of its key.
  std::size_t key_begin = 0;
  /// The key between its quotes, escapes as written.
  std::string_view key;
  /// Offset of the value's first byte.
  std::size_t value_begin = 0;
  /// Offset one past the value's last byte.
  std::size_t value_end = 0;
};

/// Finds the last member of `text`, one JSON object a parser has accepted, whose value
/// is an object, by reading backwards from the end: the cost grows with that member's
/// size, not the whole text's. False when the text does not end that way (the last
/// value is not an object, or the object has a single member), or holds what a
/// parser would not have accepted.
bool find_last_object_member(std::string_view text, json_last_member& out) noexcept;

/// Splits the text of one JSON object into its top-level members, appending them to
/// `out`; false when the text cannot be split.
bool split_json_members(std::string_view text, std::vector<json_member>& out);

/// True when `raw`, a key as `json_member::key` gives it (escapes as written), reads
/// as `key` once unescaped. False for escapes it cannot decode, such as lone surrogates.
bool json_key_equals(std::string_view raw, std::string_view key) noexcept;

/// The value of one hexadecimal digit (either case), or -1 for any other character.
int hex_digit(char c) noexcept;

} // namespace switchboard
