#include <cstdint>
#include <cstdlib>
#include <string>

#include "events/codec.hpp"
#include "events/json_writer.hpp"

namespace {

// The envelope read through simdjson's object API (`at_key` finds a key's first
// occurrence), to hold the codec's own walk of the parse against.
struct reference_envelope {
  std::string_view event_id, event_type, timestamp, source, correlation_id;
  int64_t hops = 0;
  std::string data, metadata;
};

bool read_reference(simdjson::dom::element root, reference_envelope& env) {
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return false;
  auto text = [&](const char* key, std::string_view& out) {
    return obj.at_key(key).get_string().get(out) == simdjson::SUCCESS;
  };
  if (!text("event_id", env.event_id) || env.event_id.empty()
      || !text("event_type", env.event_type) || env.event_type.empty()
      || !text("timestamp", env.timestamp) || !text("source", env.source))
    return false;
  simdjson::dom::object data;
  if (obj.at_key("data").get_object().get(data) != simdjson::SUCCESS)
    return false;
  env.data = simdjson::minify(data);
  if (auto c = obj.at_key("correlation_id"); !c.error() && !c.value_unsafe().is_null()
                                              && !text("correlation_id", env.correlation_id))
    return false;
  if (auto v = obj.at_key("version"); !v.error() && !v.value_unsafe().is_string())
    return false;
  env.metadata = "{}";
  if (auto m = obj.at_key("metadata"); !m.error() && !m.value_unsafe().is_null()) {
    simdjson::dom::object md;
    if (m.value_unsafe().get_object().get(md) != simdjson::SUCCESS)
      return false;
    env.metadata = simdjson::minify(md);
    if (auto h = md.at_key("hops"); !h.error()) {
      if (h.value_unsafe().get_int64().get(env.hops) != simdjson::SUCCESS || env.hops < 0)
        return false;
    }
  }
  return true;
}

} // namespace

// Whatever the codec accepts must re-encode into text it accepts again, unchanged; it
// accepts exactly the inputs whose envelope simdjson's own API reads as valid, with the
// same fields.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static switchboard::codec dec;
  static simdjson::dom::parser parser{1 << 20};
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto ev = dec.decode(input);
  if (parser.allocate(size, dec.options().max_depth) != simdjson::SUCCESS)
    std::abort();
  reference_envelope ref;
  auto parsed = parser.parse(simdjson::padded_string{input});
  bool valid = !parsed.error() && read_reference(parsed.value_unsafe(), ref);
  if (valid != static_cast<bool>(ev))
    std::abort();
  if (!ev)
    return 0;
  const auto& e = **ev;
  if (e.event_id() != ref.event_id || e.event_type() != ref.event_type
      || e.timestamp() != ref.timestamp || e.source() != ref.source
      || e.correlation_id() != ref.correlation_id || e.hops() != ref.hops
      || simdjson::minify(e.data()) != ref.data || simdjson::minify(e.metadata()) != ref.metadata)
    std::abort();
  std::string out;
  switchboard::write_json(out, e.root());
  auto again = dec.decode(std::string_view{out});
  if (!again)
    std::abort();
  std::string out2;
  switchboard::write_json(out2, (*again)->root());
  if (out != out2)
    std::abort();
  return 0;
}
