#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "events/json_fields.hpp"
#include "events/tape_writer.hpp"

namespace {

// Reads the fuzzer's bytes as a program of json_fields operations.
class program {
public:
  program(const uint8_t* data, size_t size) : at_(data), end_(data + size) {
    // nop
  }

  bool done() const noexcept {
    return at_ == end_;
  }

  uint8_t byte() noexcept {
    return at_ == end_ ? 0 : *at_++;
  }

  uint64_t bits() noexcept {
    uint64_t out = 0;
    for (int i = 0; i < 8; ++i)
      out = (out << 8) | byte();
    return out;
  }

  std::string_view text() noexcept {
    auto n = std::min<size_t>(byte() % 24, static_cast<size_t>(end_ - at_));
    std::string_view out{reinterpret_cast<const char*>(at_), n};
    at_ += n;
    return out;
  }

private:
  const uint8_t* at_;
  const uint8_t* end_;
};

switchboard::json_fields build(program& p, int depth) {
  switchboard::json_fields out;
  while (!p.done()) {
    auto op = p.byte();
    if (op == 0xFF)
      break; // ends a nested object
    auto key = p.text();
    switch (op % 9) {
      case 0: out.set(key, p.text()); break;
      case 1: out.set(key, static_cast<int64_t>(p.bits())); break;
      case 2: out.set(key, p.bits()); break;
      case 3: {
        auto b = p.bits();
        double d;
        std::memcpy(&d, &b, 8);
        out.set(key, d);
        break;
      }
      case 4: out.set(key, (p.byte() & 1) != 0); break;
      case 5: out.set(key, static_cast<int32_t>(p.bits())); break;
      case 6:
        if (depth < 3)
          out.set(key, build(p, depth + 1));
        break;
      case 7: out.set_raw(key, "[1,2.5,\"x\"]"); break;
      default: out.set(key, static_cast<uint16_t>(p.bits()));
    }
  }
  return out;
}

} // namespace

// Whatever parse json_fields keeps is simdjson's parse of its text, word for word. The
// only text simdjson may refuse is text with bytes that are not UTF-8, which the codec
// checks before it trusts a kept parse.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  static switchboard::tape_writer tape;
  program p{data, size};
  auto fields = build(p, 0);
  auto text = fields.str();
  tape.begin_document();
  auto at = tape.begin_object();
  if (!fields.write_tape(tape))
    return 0;
  tape.end_object(at, fields.size());
  tape.end_document();
  if (parser.parse(text).error() != simdjson::SUCCESS) {
    // Only bytes that are not UTF-8 may do this; the codec parses those itself.
    if (simdjson::validate_utf8(text.data(), text.size()))
      std::abort();
    return 0;
  }
  const auto& doc = parser.doc;
  auto words = static_cast<size_t>(doc.tape[0] & simdjson::internal::JSON_VALUE_MASK);
  if (tape.tape_words() != words
      || std::memcmp(tape.tape(), doc.tape.get(), words * sizeof(uint64_t)) != 0
      || std::memcmp(tape.strings(), doc.string_buf.get(), tape.string_bytes()) != 0)
    std::abort();
  return 0;
}
