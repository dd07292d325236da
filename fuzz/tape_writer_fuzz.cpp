#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <simdjson.h>

#include "events/json_fields.hpp"
#include "events/json_writer.hpp"
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

// True when `tape` holds the parse `parser` made, word for word and byte for byte.
bool same_parse(const switchboard::tape_writer& tape, const simdjson::dom::parser& parser) {
  const auto& doc = parser.doc;
  auto words = static_cast<size_t>(doc.tape[0] & simdjson::internal::JSON_VALUE_MASK);
  return tape.tape_words() == words
         && std::memcmp(tape.tape(), doc.tape.get(), words * sizeof(uint64_t)) == 0
         && std::memcmp(tape.strings(), doc.string_buf.get(), tape.string_bytes()) == 0;
}

// The input read as a program of json_fields operations: whatever parse json_fields
// keeps is simdjson's parse of its text. The only text simdjson may refuse is text with
// bytes that are not UTF-8, which the codec checks before it trusts a kept parse.
void check_fields(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  static switchboard::tape_writer tape;
  program p{data, size};
  auto fields = build(p, 0);
  auto text = fields.str();
  tape.begin_document();
  auto at = tape.begin_object();
  if (!fields.write_tape(tape))
    return;
  tape.end_object(at, fields.size());
  tape.end_document();
  if (parser.parse(text).error() != simdjson::SUCCESS) {
    if (simdjson::validate_utf8(text.data(), text.size()))
      std::abort();
    return;
  }
  if (!same_parse(tape, parser))
    std::abort();
}

// The input read as JSON: a copy of the parse's root value is the parse again, and a
// mutable tree's parse is simdjson's parse of the text `write_json` makes of it.
void check_copies(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  static simdjson::dom::parser written_parser;
  static switchboard::tape_writer tape;
  if (parser.parse(data, size, true).error() != simdjson::SUCCESS)
    return;
  tape.begin_document();
  tape.copy_value(parser.doc.tape.get(), parser.doc.string_buf.get(), 1);
  tape.end_document();
  if (!same_parse(tape, parser))
    std::abort();
  boost::system::error_code ec;
  auto tree = boost::json::parse(std::string_view{reinterpret_cast<const char*>(data), size}, ec);
  if (ec)
    return; // the two parsers differ at the edges (e.g. numbers out of range)
  std::string text;
  switchboard::write_json(text, tree);
  if (written_parser.parse(text).error() != simdjson::SUCCESS)
    return;
  tape.begin_document();
  tape.add_tree(tree);
  tape.end_document();
  if (!same_parse(tape, written_parser))
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_fields(data, size);
  check_copies(data, size);
  return 0;
}
