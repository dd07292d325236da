#include "events/codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <caf/make_message.hpp>

#include "events/tape_writer.hpp"

namespace switchboard {

namespace {

const char* type_name(simdjson::dom::element_type t) noexcept {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

caf::error fail(event_errc code, std::string msg) {
  return caf::make_error(code, std::move(msg));
}

caf::error from_simdjson(simdjson::error_code code, const codec_options& opts) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return fail(event_errc::invalid_utf8, "event is not valid UTF-8");
    case simdjson::DEPTH_ERROR:
      return fail(event_errc::too_deep,
                  "event nests objects and arrays deeper than "
                    + std::to_string(opts.max_depth) + " levels");
    case simdjson::CAPACITY:
      return fail(event_errc::too_large, "event is too large to parse");
    case simdjson::EMPTY:
      return fail(event_errc::malformed_json, "malformed JSON: empty input");
    default:
      return fail(event_errc::malformed_json,
                  std::string{"malformed JSON: "} + simdjson::error_message(code));
  }
}

caf::error missing(const char* key) {
  return fail(event_errc::missing_field, std::string{"missing required field '"} + key + "'");
}

caf::error not_string(const char* key, simdjson::dom::element v) {
  return fail(event_errc::wrong_type, std::string{"field '"} + key + "' must be a string, not "
                                        + type_name(v.type()));
}

// simdjson reads up to SIMDJSON_PADDING bytes past the end; make them defined zeros.
void pad(std::string& buf) {
  auto size = buf.size();
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  buf.resize(size);
}

simdjson::dom::object empty_object() {
  // One parsed `{}` shared by every event without metadata.
  static simdjson::dom::parser parser;
  static simdjson::dom::object obj = parser.parse(std::string_view{"{}"}).get_object().value();
  return obj;
}

struct envelope {
  simdjson::dom::object root;
  simdjson::dom::object data;
  simdjson::dom::object metadata;
  std::string_view event_id, event_type, source, timestamp, correlation_id;
  int64_t hops = 0;
  bool has_metadata = false;
};

caf::error read_envelope(simdjson::dom::element root, const codec_options& opts,
                         envelope& env) {
  auto obj = root.get_object();
  if (obj.error())
    return fail(event_errc::not_object,
                std::string{"event must be a JSON object, not "} + type_name(root.type()));
  env.root = obj.value_unsafe();
  // One pass over the envelope's fields; repeated at_key lookups would rescan it each time.
  simdjson::dom::element event_id, event_type, timestamp, source, data, correlation_id,
    version, metadata;
  bool seen[8] = {};
  for (auto field : env.root) {
    auto k = field.key;
    int slot = -1;
    switch (k.size()) {
      case 4: slot = k == "data" ? 4 : -1; break;
      case 6: slot = k == "source" ? 3 : -1; break;
      case 7: slot = k == "version" ? 6 : -1; break;
      case 8: slot = k == "event_id" ? 0 : (k == "metadata" ? 7 : -1); break;
      case 9: slot = k == "timestamp" ? 2 : -1; break;
      case 10: slot = k == "event_type" ? 1 : -1; break;
      case 14: slot = k == "correlation_id" ? 5 : -1; break;
      default: break;
    }
    if (slot < 0 || seen[slot])
      continue; // unknown fields are kept, not interpreted; the first duplicate wins
    seen[slot] = true;
    simdjson::dom::element* targets[] = {&event_id, &event_type, &timestamp, &source,
                                         &data, &correlation_id, &version, &metadata};
    *targets[slot] = field.value;
  }
  if (!seen[0])
    return missing("event_id");
  if (event_id.get_string().get(env.event_id) != simdjson::SUCCESS)
    return not_string("event_id", event_id);
  if (env.event_id.empty())
    return fail(event_errc::invalid_value, "field 'event_id' must not be empty");
  if (!seen[1])
    return missing("event_type");
  if (event_type.get_string().get(env.event_type) != simdjson::SUCCESS)
    return not_string("event_type", event_type);
  if (env.event_type.empty())
    return fail(event_errc::invalid_value, "field 'event_type' must not be empty");
  if (opts.require_known_type && family_of(env.event_type) == event_family::unknown)
    return fail(event_errc::unknown_event_type,
                "event_type '" + std::string{env.event_type}
                  + "' belongs to no known event family");
  if (!seen[2])
    return missing("timestamp");
  if (timestamp.get_string().get(env.timestamp) != simdjson::SUCCESS)
    return not_string("timestamp", timestamp);
  if (!seen[3])
    return missing("source");
  if (source.get_string().get(env.source) != simdjson::SUCCESS)
    return not_string("source", source);
  if (!seen[4])
    return missing("data");
  if (data.get_object().get(env.data) != simdjson::SUCCESS)
    return fail(event_errc::wrong_type,
                std::string{"field 'data' must be an object, not "} + type_name(data.type()));
  if (seen[5] && !correlation_id.is_null()
      && correlation_id.get_string().get(env.correlation_id) != simdjson::SUCCESS)
    return fail(event_errc::wrong_type,
                std::string{"field 'correlation_id' must be a string or null, not "}
                  + type_name(correlation_id.type()));
  if (seen[6] && !version.is_string())
    return not_string("version", version);
  env.metadata = empty_object();
  if (seen[7] && !metadata.is_null()) {
    if (metadata.get_object().get(env.metadata) != simdjson::SUCCESS)
      return fail(event_errc::wrong_type, std::string{"field 'metadata' must be an object, not "}
                                            + type_name(metadata.type()));
    env.has_metadata = true;
    if (auto hops = env.metadata.at_key("hops"); !hops.error()) {
      int64_t n = 0;
      if (hops.value_unsafe().get_int64().get(n) != simdjson::SUCCESS || n < 0)
        return fail(event_errc::invalid_value,
                    "field 'metadata.hops' must be a non-negative integer");
      env.hops = n;
    }
  }
  return {};
}

// Room for the parse of an event whose stage 1 found `structurals` structural
// characters; stage 2 writes straight into it, so no copy of the parse is made.
struct parse_extent {
  std::size_t tape_words = 0;
  std::size_t string_bytes = 0;
};

parse_extent parse_room(std::size_t text_bytes, std::size_t structurals) {
  // Every structural character becomes at most two tape words (a number: its tag and
  // its bits; braces, keys, strings and literals one; commas and colons none), plus
  // the two root words and two to spare.
  // Every string takes its length (4 bytes), its unescaped bytes (no more than its
  // text) and a NUL, while its text has at least its two quotes: the text plus three
  // bytes per structural covers them. Stage 2 copies strings in 32-byte blocks and may
  // write that far past the last one; the padding covers it.
  return {2 * structurals + 4, text_bytes + 3 * structurals + simdjson::SIMDJSON_PADDING};
}

constexpr std::size_t round_up8(std::size_t n) noexcept {
  return (n + 7) & ~std::size_t{7};
}

// Lets std::allocate_shared put the reference count, the event and a trailing area of
// `extra` bytes (tape, strings, bytes) in one heap block. Events are made on one thread
// and freed on another; every allocation they save is a cross-core cache miss saved.
template <class T>
struct trailing_allocator {
  using value_type = T;

  trailing_allocator(std::size_t extra_bytes, char** trailing_out) noexcept
    : extra(extra_bytes), trailing(trailing_out) {
    // nop
  }

  template <class U>
  trailing_allocator(const trailing_allocator<U>& other) noexcept
    : extra(other.extra), trailing(other.trailing) {
    // nop
  }

  T* allocate(std::size_t n) {
    auto head = round_up8(n * sizeof(T));
    auto* block = static_cast<char*>(::operator new(head + extra));
    *trailing = block + head;
    return reinterpret_cast<T*>(block);
  }

  void deallocate(T* p, std::size_t n) noexcept {
#if defined(__cpp_sized_deallocation)
    // The size spares the allocator a lookup; clang offers it only when asked to.
    ::operator delete(static_cast<void*>(p), round_up8(n * sizeof(T)) + extra);
#else
    (void)n;
    ::operator delete(static_cast<void*>(p));
#endif
  }

  template <class U>
  bool operator==(const trailing_allocator<U>& other) const noexcept {
    return extra == other.extra;
  }

  template <class U>
  bool operator!=(const trailing_allocator<U>& other) const noexcept {
    return extra != other.extra;
  }

  std::size_t extra;
  // Only allocate() writes it, while the caller's pointer is alive.
  char** trailing;
};

} // namespace

event::~event() {
  // Tape and strings live in the event's own block (see codec::decode_or_keep).
  doc_.tape.release();
  doc_.string_buf.release();
}

simdjson::dom::object event::metadata() const noexcept {
  return metadata_;
}

std::string_view event::data_string(std::string_view key,
                                     std::string_view fallback) const noexcept {
  std::string_view out;
  if (data_.at_key(key).get_string().get(out) == simdjson::SUCCESS)
    return out;
  return fallback;
}

double event::data_number(std::string_view key, double fallback) const noexcept {
  double out = 0;
  if (data_.at_key(key).get_double().get(out) == simdjson::SUCCESS)
    return out;
  int64_t i = 0;
  if (data_.at_key(key).get_int64().get(i) == simdjson::SUCCESS)
    return static_cast<double>(i);
  return fallback;
}

codec::codec(codec_options options) : options_(options) {
  // Depth is enforced by simdjson's stage 2; one level is the envelope itself.
  if (parser_.allocate(64 * 1024, options_.max_depth) != simdjson::SUCCESS)
    throw std::bad_alloc{};
}

caf::expected<event_ptr> codec::decode(std::string_view bytes) {
  if (auto err = check_size(bytes.size()))
    return err;
  // One padded copy in a buffer the codec keeps: the event copies the bytes anyway,
  // so a fresh allocation per call would only be freed again.
  scratch_.reserve(bytes.size() + simdjson::SIMDJSON_PADDING);
  scratch_.assign(bytes.data(), bytes.size());
  return decode_or_keep(scratch_);
}

caf::expected<event_ptr> codec::decode(std::string&& bytes) {
  return decode_or_keep(bytes);
}

caf::expected<event_ptr> codec::decode_or_keep(std::string& bytes) {
  auto size = bytes.size();
  if (auto err = check_size(size))
    return err;
  pad(bytes);
  if (size > parser_.capacity()
      && parser_.allocate(size, options_.max_depth) != simdjson::SUCCESS)
    return fail(event_errc::too_large, "event is too large to parse");
  // Stage 1 (structure and UTF-8) runs in the parser; its count of structural
  // characters bounds the parse, so the event's block is allocated before stage 2 and
  // stage 2 writes the tape and strings straight into it.
  auto& impl = *parser_.implementation;
  auto* text_in = reinterpret_cast<const uint8_t*>(bytes.data());
  if (auto rc = impl.stage1(text_in, size, simdjson::stage1_mode::regular);
      rc != simdjson::SUCCESS)
    return from_simdjson(rc, options_);
  auto room = parse_room(size, impl.n_structural_indexes);
  auto ev = make_block(room.tape_words * sizeof(uint64_t), round_up8(room.string_bytes),
                       std::string_view{bytes.data(), size});
  if (auto rc = impl.stage2(ev->doc_); rc != simdjson::SUCCESS)
    return from_simdjson(rc, options_);
  // The root's first word holds the tape's length: a tape past its room would have
  // overwritten the strings, so stop rather than hand out a corrupt event.
  if ((ev->doc_.tape[0] & simdjson::internal::JSON_VALUE_MASK) > room.tape_words)
    std::abort();
  return finish(std::move(ev));
}

caf::expected<event_ptr> codec::decode_with_tape(std::string& bytes, const tape_writer& tape) {
  auto size = bytes.size();
  if (auto err = check_size(size))
    return err;
  // Near the depth limit and for bytes that are not UTF-8, simdjson decides and gives
  // the error.
  if (tape.max_depth() + 1 >= options_.max_depth
      || !simdjson::validate_utf8(bytes.data(), size))
    return decode_or_keep(bytes);
  auto tape_bytes = tape.tape_words() * sizeof(uint64_t);
  auto ev = make_block(tape_bytes, round_up8(tape.string_bytes()),
                       std::string_view{bytes.data(), size});
  std::memcpy(ev->doc_.tape.get(), tape.tape(), tape_bytes);
  std::memcpy(ev->doc_.string_buf.get(), tape.strings(), tape.string_bytes());
  return finish(std::move(ev));
}

std::shared_ptr<event> codec::make_block(std::size_t tape_bytes, std::size_t strings_bytes,
                                         std::string_view text) {
  // One block: [reference count + event][tape][strings][bytes].
  char* trailing = nullptr;
  auto ev = std::allocate_shared<event>(
    trailing_allocator<event>{tape_bytes + strings_bytes + text.size(), &trailing},
    event_key{});
  ev->doc_.tape.reset(reinterpret_cast<uint64_t*>(trailing));
  ev->doc_.string_buf.reset(reinterpret_cast<uint8_t*>(trailing + tape_bytes));
  auto* copy = trailing + tape_bytes + strings_bytes;
  std::memcpy(copy, text.data(), text.size());
  ev->bytes_ = std::string_view{copy, text.size()};
  return ev;
}

caf::expected<event_ptr> codec::finish(std::shared_ptr<event> ev) const {
  // An invalid envelope (rare: broken JSON fails before this) costs one wasted
  // allocation.
  auto root = ev->doc_.root();
  envelope env;
  if (auto err = read_envelope(root, options_, env))
    return err;
  ev->root_ = root;
  ev->data_ = env.data;
  ev->metadata_ = env.metadata;
  ev->has_metadata_ = env.has_metadata;
  ev->event_id_ = env.event_id;
  ev->event_type_ = env.event_type;
  ev->source_ = env.source;
  ev->timestamp_ = env.timestamp;
  ev->correlation_id_ = env.correlation_id;
  ev->hops_ = env.hops;
  ev->family_ = family_of(env.event_type);
  return event_ptr{std::move(ev)};
}

caf::error codec::check_size(std::size_t size) const {
  if (size > options_.max_bytes)
    return fail(event_errc::too_large, "event of " + std::to_string(size)
                                         + " bytes exceeds the limit of "
                                         + std::to_string(options_.max_bytes) + " bytes");
  return {};
}

caf::error validate_envelope(simdjson::dom::element root, const codec_options& options) {
  envelope env;
  return read_envelope(root, options, env);
}

} // namespace switchboard
