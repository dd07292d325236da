#include "events/tape_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <boost/json/value.hpp>

namespace switchboard {

void tape_writer::begin_document() {
  word_count_ = 0;
  string_count_ = 0;
  open_ = 0;
  max_depth_ = 0;
  push(0); // the root word, which needs the tape's length
}

void tape_writer::end_document() {
  // The first root word holds the index past the last one, the last one nothing.
  words_[0] = word('r', word_count_ + 1);
  push(word('r'));
}

void tape_writer::grow_strings(std::size_t need) {
  strings_.resize(std::max(need, strings_.size() * 2 + 256));
}

void tape_writer::add_unsigned(uint64_t value) {
  push(word('u'));
  push(value);
}

void tape_writer::add_double(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  push(word('d'));
  push(bits);
}

std::size_t tape_writer::begin_object() {
  return begin_container();
}

void tape_writer::end_object(std::size_t begun, std::size_t member_count) {
  end_container('{', begun, member_count);
}

std::size_t tape_writer::begin_array() {
  return begin_container();
}

void tape_writer::end_array(std::size_t begun, std::size_t element_count) {
  end_container('[', begun, element_count);
}

void tape_writer::end_container(char type, std::size_t begun, std::size_t count) {
  // The count sits in bits 32-55, saturated as simdjson saturates it; the low 32 bits
  // hold the index past the closing word, which holds the index of the opening one.
  auto saturated = static_cast<uint64_t>(std::min<std::size_t>(count, 0xFFFFFF)) << 32;
  words_[begun] = word(type, saturated | (word_count_ + 1));
  push(word(type == '{' ? '}' : ']', begun));
  --open_;
}

void tape_writer::copy_value(const uint64_t* tape, const uint8_t* strings, std::size_t at) {
  auto end = value_end(tape, at);
  if (end == at + 1) {
    // Most members hold one string or literal.
    if (type_at(tape, at) != '"') {
      push(tape[at]);
      return;
    }
    add_string(string_at(tape, strings, at));
    return;
  }
  copy_words(tape, strings, at, end);
}

void tape_writer::copy_words(const uint64_t* tape, const uint8_t* strings, std::size_t at,
                             std::size_t end) {
  constexpr uint64_t payload = 0x00FFFFFFFFFFFFFFULL;
  // The strings lie one after another in the string buffer (simdjson writes them in
  // document order, and so does this writer): one copy moves them all, and every
  // string word moves by the same distance.
  std::size_t first = end;
  std::size_t last = end;
  for (auto i = at; i < end; ++i) {
    auto type = type_at(tape, i);
    if (type == '"') {
      if (first == end)
        first = i;
      last = i;
    } else if (type == 'l' || type == 'u' || type == 'd') {
      ++i; // the number's bits
    }
  }
  int64_t string_shift = 0;
  if (first != end) {
    auto from = tape[first] & payload;
    auto last_at = tape[last] & payload;
    uint32_t last_len;
    std::memcpy(&last_len, strings + last_at, 4);
    auto bytes = last_at + 4 + last_len + 1 - from;
    if (string_count_ + bytes > strings_.size())
      grow_strings(string_count_ + bytes);
    std::memcpy(strings_.data() + string_count_, strings + from, bytes);
    string_shift = static_cast<int64_t>(string_count_) - static_cast<int64_t>(from);
    string_count_ += bytes;
  }
  // Container words hold tape indices: they move by where the copy lands.
  auto shift = static_cast<int64_t>(word_count_) - static_cast<int64_t>(at);
  if (shift == 0 && string_shift == 0) {
    // Landing where it was (the members before another one of the same object): the
    // words stay as they are; only the nesting needs counting.
    auto count = end - at;
    if (word_count_ + count > words_.size())
      words_.resize(std::max(word_count_ + count, words_.size() * 2 + 64));
    std::memcpy(words_.data() + word_count_, tape + at, count * sizeof(uint64_t));
    word_count_ += count;
    for (auto i = at; i < end; ++i) {
      switch (type_at(tape, i)) {
        case '{':
        case '[': open(); break;
        case '}':
        case ']': --open_; break;
        case 'l':
        case 'u':
        case 'd': ++i; break; // the number's bits
        default: break;
      }
    }
    return;
  }
  auto moved = [shift](uint64_t w) {
    auto index = static_cast<uint32_t>(static_cast<int64_t>(static_cast<uint32_t>(w)) + shift);
    return (w & ~uint64_t{0xFFFFFFFF}) | index;
  };
  for (auto i = at; i < end; ++i) {
    auto w = tape[i];
    switch (static_cast<char>(w >> 56)) {
      case '"':
        push(static_cast<uint64_t>(static_cast<int64_t>(w) + string_shift));
        break;
      case '{':
      case '[':
        open();
        push(moved(w));
        break;
      case '}':
      case ']':
        push(moved(w));
        --open_;
        break;
      case 'l':
      case 'u':
      case 'd':
        push(w);
        push(tape[++i]); // the number's bits
        break;
      default:
        push(w);
    }
  }
}

void tape_writer::add_tree(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::object: {
      const auto& obj = value.get_object();
      auto begun = begin_object();
      for (const auto& field : obj) {
        add_string(std::string_view{field.key().data(), field.key().size()});
        add_tree(field.value());
      }
      end_object(begun, obj.size());
      break;
    }
    case boost::json::kind::array: {
      const auto& arr = value.get_array();
      auto begun = begin_array();
      for (const auto& item : arr)
        add_tree(item);
      end_array(begun, arr.size());
      break;
    }
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      add_string(std::string_view{s.data(), s.size()});
      break;
    }
    case boost::json::kind::int64:
      add_integer(value.get_int64());
      break;
    case boost::json::kind::uint64: {
      auto n = value.get_uint64();
      if (n <= static_cast<uint64_t>(INT64_MAX))
        add_integer(static_cast<int64_t>(n));
      else
        add_unsigned(n);
      break;
    }
    case boost::json::kind::double_:
      if (std::isfinite(value.get_double()))
        add_double(value.get_double());
      else
        add_literal('n');
      break;
    case boost::json::kind::bool_:
      add_literal(value.get_bool() ? 't' : 'f');
      break;
    case boost::json::kind::null:
      add_literal('n');
      break;
  }
}

} // namespace switchboard
