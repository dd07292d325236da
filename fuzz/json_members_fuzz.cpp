#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <simdjson.h>

#include "events/json_members.hpp"
#include "events/json_writer.hpp"

// Whatever object simdjson accepts splits into the members its DOM holds: same count,
// same keys, and each raw value parses to the value the DOM holds. Read backwards from
// the end, the last member is found where the split puts it whenever its value is an
// object and another member comes before it.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  static simdjson::dom::parser value_parser;
  std::string_view text{reinterpret_cast<const char*>(data), size};
  std::vector<switchboard::json_member> members;
  bool split = switchboard::split_json_members(text, members);
  simdjson::dom::object root;
  if (parser.parse(text.data(), text.size(), true).get_object().get(root))
    return 0;
  if (!split || members.size() != root.size())
    std::abort();
  std::size_t i = 0;
  for (auto field : root) {
    const auto& m = members[i++];
    if (!switchboard::json_key_equals(m.key, field.key))
      std::abort();
    if (m.key_escaped != (m.key.find('\\') != std::string_view::npos))
      std::abort();
    simdjson::dom::element el;
    if (value_parser.parse(m.value.data(), m.value.size(), true).get(el))
      std::abort();
    std::string a;
    std::string b;
    switchboard::write_json(a, el);
    switchboard::write_json(b, field.value);
    if (a != b)
      std::abort();
  }
  switchboard::json_last_member last;
  bool found = switchboard::find_last_object_member(text, last);
  bool expected = members.size() >= 2 && members.back().value.front() == '{';
  if (found != expected)
    std::abort();
  if (found
      && (last.key != members.back().key
          || text.substr(last.value_begin, last.value_end - last.value_begin)
               != members.back().value))
    std::abort();
  return 0;
}
