#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

namespace switchboard {

/// Writes simdjson's DOM tape (and its string buffer) for a document whose values the
/// caller knows, so an event written by this library needs no parse of its own text.
///
/// The layout is simdjson's: one 64-bit word per value (type in the top byte), a second
/// word for a number's bits, objects holding their member count and the index past
/// their end, strings as a 32-bit length, the bytes and a NUL. Tests compare what the
/// factory builds with simdjson's parse of the same text.
class tape_writer {
public:
  /// Starts a document; the buffers keep their capacity from earlier documents.
  void begin_document();

  /// Ends the document started by `begin_document`.
  void end_document();

  /// Appends a string (or an object key); its bytes must not need JSON escapes.
  void add_string(std::string_view text) {
    // Inline: an event's envelope and fields add a dozen or more short strings.
    auto need = string_count_ + 4 + text.size() + 1;
    if (need > strings_.size())
      grow_strings(need);
    push(word('"', string_count_));
    auto* d = strings_.data() + string_count_;
    auto len = static_cast<uint32_t>(text.size());
    std::memcpy(d, &len, 4);
    std::memcpy(d + 4, text.data(), text.size());
    d[4 + text.size()] = '\0';
    string_count_ = need;
  }

  /// Appends a signed integer.
  void add_integer(int64_t value) {
    uint64_t bits;
    std::memcpy(&bits, &value, 8);
    push(word('l'));
    push(bits);
  }

  /// Appends an unsigned integer above INT64_MAX (smaller ones are signed on the tape).
  void add_unsigned(uint64_t value);

  /// Appends a double.
  void add_double(double value);

  /// Appends true, false or null: the type letter `t`, `f` or `n`.
  void add_literal(char type) {
    push(word(type));
  }

  /// Starts an object; returns what `end_object` needs.
  std::size_t begin_object();

  /// Ends the object `begin_object` started, which got `member_count` members.
  void end_object(std::size_t begun, std::size_t member_count);

  /// Starts an array; returns what `end_array` needs.
  std::size_t begin_array();

  /// Ends the array `begin_array` started, which got `element_count` elements.
  void end_array(std::size_t begun, std::size_t element_count);

  /// Appends the value at index `at` of another parse (`tape`, `strings`: simdjson's
  /// layout), with everything inside it.
  void copy_value(const uint64_t* tape, const uint8_t* strings, std::size_t at);

  /// Appends the words `[at, end)` of another parse: whole values, or whole members of
  /// an object (keys and values), with everything inside them.
  void copy_words(const uint64_t* tape, const uint8_t* strings, std::size_t at,
                  std::size_t end);

  /// Appends a mutable tree's value as simdjson would parse its text from `write_json`
  /// (an unsigned number that fits an int64 is one, NaN and infinities are null).
  void add_tree(const boost::json::value& value);

  /// The type letter of the word at `at` of a parse (`"`, `{`, `l`, ...).
  static char type_at(const uint64_t* tape, std::size_t at) noexcept {
    return static_cast<char>(tape[at] >> 56);
  }

  /// The string at `at` of a parse, which must be one, read from its string buffer.
  static std::string_view string_at(const uint64_t* tape, const uint8_t* strings,
                                    std::size_t at) noexcept {
    const auto* s = strings + (tape[at] & 0x00FFFFFFFFFFFFFFULL);
    uint32_t size;
    std::memcpy(&size, s, sizeof size);
    return {reinterpret_cast<const char*>(s + sizeof size), size};
  }

  /// The index just past the value at `at` of a parse, with everything inside it.
  static std::size_t value_end(const uint64_t* tape, std::size_t at) noexcept {
    // Inline: readers of a parse step from value to value with it.
    switch (type_at(tape, at)) {
      case '{':
      case '[': return static_cast<uint32_t>(tape[at]); // past the matching brace
      case 'l':
      case 'u':
      case 'd': return at + 2; // the number is the next word
      default: return at + 1;
    }
  }

  /// Deepest nesting of objects and arrays written since `begin_document`.
  std::size_t max_depth() const noexcept {
    return max_depth_;
  }

  /// The tape of the last document.
  const uint64_t* tape() const noexcept {
    return words_.data();
  }

  /// Number of words in `tape()`.
  std::size_t tape_words() const noexcept {
    return word_count_;
  }

  /// The string buffer of the last document.
  const char* strings() const noexcept {
    return strings_.data();
  }

  /// Number of bytes used in `strings()`.
  std::size_t string_bytes() const noexcept {
    return string_count_;
  }

private:
  static constexpr uint64_t word(char type, uint64_t payload = 0) noexcept {
    return (static_cast<uint64_t>(static_cast<unsigned char>(type)) << 56) | payload;
  }

  void push(uint64_t w) {
    if (word_count_ == words_.size())
      words_.resize(words_.size() * 2 + 64);
    words_[word_count_++] = w;
  }

  void grow_strings(std::size_t need);

  void open() noexcept {
    if (++open_ > max_depth_)
      max_depth_ = open_;
  }

  // Opens an object or array whose first word `end_container` writes; returns its index.
  std::size_t begin_container() {
    open();
    push(0);
    return word_count_ - 1;
  }

  void end_container(char type, std::size_t begun, std::size_t count);

  std::vector<uint64_t> words_;
  std::vector<char> strings_;
  std::size_t word_count_ = 0;
  std::size_t string_count_ = 0;
  std::size_t open_ = 0;
  std::size_t max_depth_ = 0;
};

} // namespace switchboard
