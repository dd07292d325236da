#include "events/tape_writer.hpp"

#include <algorithm>
#include <cstring>

namespace switchboard {

void tape_writer::begin_document() {
  word_count_ = 0;
  string_count_ = 0;
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
  push(0);
  return word_count_ - 1;
}

void tape_writer::end_object(std::size_t begun, std::size_t member_count) {
  // The count sits in bits 32-55, saturated as simdjson saturates it.
  auto count = static_cast<uint64_t>(std::min<std::size_t>(member_count, 0xFFFFFF)) << 32;
  words_[begun] = word('{', count | (word_count_ + 1));
  push(word('}', begun));
}

} // namespace switchboard
