#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "events/json_writer.hpp"
#include "events/small_vector.hpp"
#include "events/tape_writer.hpp"

namespace switchboard {

/// The fields of one JSON object, kept as compact JSON text while they are set.
///
/// Fields keep their insertion order; setting a key again replaces its value in place.
/// Building an event's `data` this way costs one growing buffer instead of a tree of
/// nodes that would be written out as text again; a handful of short fields fit in the
/// object itself, without an allocation.
class json_fields {
public:
  /// Integer types other than bool, which `set` writes as JSON numbers.
  template <class T>
  static constexpr bool is_integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;

  /// One value of a field list, held as its JSON text.
  class value {
  public:
    /// A JSON string.
    value(std::string_view text);

    /// A JSON string (a string literal must not turn into a boolean).
    value(const char* text) : value(std::string_view{text}) {
      // nop
    }

    /// A JSON string.
    value(const std::string& text) : value(std::string_view{text}) {
      // nop
    }

    /// An integer, keeping its signedness.
    template <class Int, class = std::enable_if_t<is_integer<Int>>>
    value(Int number) {
      write_integer(text_, number);
    }

    /// A double; NaN and infinities become null.
    value(double number);

    /// A boolean.
    value(bool flag);

    /// The JSON text.
    std::string_view text() const noexcept {
      return text_;
    }

  private:
    std::string text_;
  };

  /// An empty object.
  json_fields() = default;

  /// The fields in the given order, e.g. `{{"task_id", "t-1"}, {"priority", 3}}`.
  json_fields(std::initializer_list<std::pair<std::string_view, value>> fields);

  /// Sets `key` to a JSON string.
  json_fields& set(std::string_view key, std::string_view text);

  /// Sets `key` to a JSON string (a string literal must not turn into a boolean).
  json_fields& set(std::string_view key, const char* text) {
    return set(key, std::string_view{text});
  }

  /// Sets `key` to an integer, keeping its signedness.
  template <class Int, class = std::enable_if_t<is_integer<Int>>>
  json_fields& set(std::string_view key, Int number) {
    auto added = begin_field(key);
    auto* d = body_.extend(24);
    body_.truncate(static_cast<std::size_t>(std::to_chars(d, d + 24, number).ptr - body_.data()));
    if constexpr (std::is_signed_v<Int>) {
      added.kind = value_kind::int64;
      added.bits = static_cast<uint64_t>(static_cast<int64_t>(number));
    } else {
      // simdjson keeps unsigned numbers that fit an int64 as int64.
      auto n = static_cast<uint64_t>(number);
      added.kind = n > static_cast<uint64_t>(INT64_MAX) ? value_kind::uint64 : value_kind::int64;
      added.bits = n;
    }
    return end_field(added);
  }

  /// Sets `key` to a double written so that it reads back as one (`5.0`); NaN and
  /// infinities become null.
  json_fields& set(std::string_view key, double number);

  /// Sets `key` to a boolean.
  json_fields& set(std::string_view key, bool flag);

  /// Sets `key` to the nested object `object`.
  json_fields& set(std::string_view key, const json_fields& object);

  /// Sets `key` to `json_text` as it is; the caller vouches that it is one JSON value.
  json_fields& set_raw(std::string_view key, std::string_view json_text);

  /// True when `key` was set.
  bool contains(std::string_view key) const;

  /// The number of fields.
  std::size_t size() const noexcept {
    return fields_.size();
  }

  /// True when no field was set.
  bool empty() const noexcept {
    return fields_.empty();
  }

  /// The length of the object's JSON text, braces included.
  std::size_t text_size() const noexcept {
    return body_.size() + 2;
  }

  /// Appends the object as compact JSON text, `{}` when empty.
  void write(std::string& out) const;

  /// Writes the object as compact JSON text at `d`, which has room for `text_size()`
  /// bytes; returns the end.
  char* write_to(char* d) const noexcept {
    *d++ = '{';
    std::memcpy(d, body_.data(), body_.size());
    d += body_.size();
    *d++ = '}';
    return d;
  }

  /// The object as compact JSON text.
  std::string str() const;

  /// Writes the members' parse (keys and values, not the braces) onto `tape`, as
  /// simdjson would parse `str()`; false when some value's parse is not kept (a raw
  /// value, a nested object, a key or string that needed escapes): the text must then
  /// be parsed.
  bool write_tape(tape_writer& tape) const;

private:
  // What a field's value is on simdjson's tape; `unknown` when only its text is kept.
  enum class value_kind : uint8_t { unknown, string, int64, uint64, real, yes, no, null };

  // Where a field's quoted (escaped) key starts in `body_` and how long it is (the
  // value follows the key's colon and ends at the next field's comma), and the
  // value's parse: its kind and, for numbers, its bits.
  struct field {
    uint32_t key_begin;
    uint32_t key_size;
    bool key_plain = false;
    value_kind kind = value_kind::unknown;
    uint64_t bits = 0;
  };

  template <class Int>
  static void write_integer(std::string& out, Int number) {
    using wide = std::conditional_t<std::is_signed_v<Int>, int64_t, uint64_t>;
    write_json_integer(out, static_cast<wide>(number));
  }

  // Writes `"key":` of a new field at the end; its value is written next.
  field begin_field(std::string_view key);

  // Writes `"key":` and, when given, the string `"text"` at the end; neither may need
  // escapes.
  field begin_plain_field(std::string_view key, const std::string_view* text);

  // Registers the field that `begin_field` started, or moves its value onto an earlier
  // field with the same key.
  json_fields& end_field(field added);

  // Where the value of the field at `index` ends in `body_`.
  std::size_t value_end(std::size_t index) const noexcept;

  // Room for the usual handful of short fields (an event's data or metadata) in the
  // object itself.
  small_vector<char, 192> body_;
  small_vector<field, 8> fields_;
};

} // namespace switchboard
