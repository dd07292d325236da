#include "events/codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include <caf/make_message.hpp>

#include "events/block_slab.hpp"
#include "events/tape_writer.hpp"

namespace switchboard {

namespace detail {

// The envelope's fields, read off an event's parse.
struct envelope {
  simdjson::dom::object data;
  simdjson::dom::object metadata;
  std::string_view event_id, event_type, source, timestamp, correlation_id;
  int64_t hops = 0;
  event_kind kind = event_kind::other;
  bool has_metadata = false;
};

} // namespace detail

namespace {

using detail::envelope;

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

// The value at `index` on the tape of `doc`. simdjson reaches a value only through its
// object and array API; the envelope is read off the tape instead (a quarter fewer
// instructions than that API took), and the values it hands out are made here from
// their parts: a dom::element is nothing but an internal::tape_ref (document and
// index), as the asserts check.
simdjson::dom::element element_at(const simdjson::dom::document& doc,
                                  std::size_t index) noexcept {
  using simdjson::dom::element;
  using simdjson::internal::tape_ref;
  static_assert(sizeof(element) == sizeof(tape_ref) && alignof(element) == alignof(tape_ref));
  static_assert(std::is_trivially_copyable_v<element>
                && std::is_trivially_copyable_v<tape_ref>);
  tape_ref ref{&doc, index};
  element e;
  std::memcpy(static_cast<void*>(&e), &ref, sizeof ref);
  return e;
}

// Reads the tape of a parsed document word by word (see simdjson's tape.md).
struct tape_view {
  const uint64_t* tape;
  const uint8_t* strings;

  char type(std::size_t i) const noexcept {
    return tape_writer::type_at(tape, i);
  }

  // The string at `i`, which must be one.
  std::string_view string(std::size_t i) const noexcept {
    return tape_writer::string_at(tape, strings, i);
  }

  // Where the value after the one at `i` starts.
  std::size_t after(std::size_t i) const noexcept {
    return tape_writer::value_end(tape, i);
  }

  // The string value at `i` into `out`; false when it is no string.
  bool get_string(std::size_t i, std::string_view& out) const noexcept {
    if (type(i) != '"')
      return false;
    out = string(i);
    return true;
  }
};

// The envelope field a key names: its slot in read_envelope, or -1.
int envelope_slot(std::string_view k) noexcept {
  // Constant-size compares compile to a load and a compare, not a library call.
  switch (k.size()) {
    case 4: return std::memcmp(k.data(), "data", 4) == 0 ? 4 : -1;
    case 6: return std::memcmp(k.data(), "source", 6) == 0 ? 3 : -1;
    case 7: return std::memcmp(k.data(), "version", 7) == 0 ? 6 : -1;
    case 8:
      return std::memcmp(k.data(), "event_id", 8) == 0   ? 0
             : std::memcmp(k.data(), "metadata", 8) == 0 ? 7
                                                          : -1;
    case 9: return std::memcmp(k.data(), "timestamp", 9) == 0 ? 2 : -1;
    case 10: return std::memcmp(k.data(), "event_type", 10) == 0 ? 1 : -1;
    case 14: return std::memcmp(k.data(), "correlation_id", 14) == 0 ? 5 : -1;
    default: return -1;
  }
}

caf::error unknown_type(std::string_view type) {
  return fail(event_errc::unknown_event_type,
              "event_type '" + std::string{type} + "' belongs to no known event family");
}

// `metadata.hops` of the metadata object at `m` into `hops`, left alone when absent.
caf::error read_hops(const tape_view& t, std::size_t m, int64_t& hops) {
  auto end = t.after(m) - 1;
  for (auto i = m + 1; i < end; i = t.after(i + 1)) {
    auto k = t.string(i);
    if (k.size() != 4 || std::memcmp(k.data(), "hops", 4) != 0)
      continue;
    // The first "hops" counts, as at_key finds it; a number beyond int64 or with a
    // fraction is no hop count.
    int64_t n = -1;
    if (t.type(i + 1) == 'l') {
      std::memcpy(&n, &t.tape[i + 2], sizeof n);
    } else if (t.type(i + 1) == 'u' && t.tape[i + 2] <= uint64_t{INT64_MAX}) {
      n = static_cast<int64_t>(t.tape[i + 2]);
    }
    if (n < 0)
      return fail(event_errc::invalid_value,
                  "field 'metadata.hops' must be a non-negative integer");
    hops = n;
    break;
  }
  return {};
}

caf::error read_envelope(const simdjson::dom::document& doc, const codec_options& opts,
                         envelope& env) {
  auto root = element_at(doc, 1);
  tape_view t{doc.tape.get(), doc.string_buf.get()};
  if (t.type(1) != '{')
    return fail(event_errc::not_object,
                std::string{"event must be a JSON object, not "} + type_name(root.type()));
  // One pass over the envelope's fields on the tape; the index of each field's value
  // by slot, 0 while not seen.
  enum { event_id, event_type, timestamp, source, data, correlation_id, version, metadata };
  std::size_t at[8] = {};
  auto close = t.after(1) - 1;
  for (std::size_t i = 2; i < close; i = t.after(i + 1)) {
    auto slot = envelope_slot(t.string(i));
    if (slot >= 0 && at[slot] == 0)
      at[slot] = i + 1; // unknown fields are kept, not interpreted; the first duplicate wins
  }
  auto elem = [&](int slot) { return element_at(doc, at[slot]); };
  if (at[event_id] == 0)
    return missing("event_id");
  if (!t.get_string(at[event_id], env.event_id))
    return not_string("event_id", elem(event_id));
  if (env.event_id.empty())
    return fail(event_errc::invalid_value, "field 'event_id' must not be empty");
  if (at[event_type] == 0)
    return missing("event_type");
  if (!t.get_string(at[event_type], env.event_type))
    return not_string("event_type", elem(event_type));
  if (env.event_type.empty())
    return fail(event_errc::invalid_value, "field 'event_type' must not be empty");
  env.kind = kind_of(env.event_type);
  if (opts.require_known_type && env.kind == event_kind::other)
    return unknown_type(env.event_type);
  if (at[timestamp] == 0)
    return missing("timestamp");
  if (!t.get_string(at[timestamp], env.timestamp))
    return not_string("timestamp", elem(timestamp));
  if (at[source] == 0)
    return missing("source");
  if (!t.get_string(at[source], env.source))
    return not_string("source", elem(source));
  if (at[data] == 0)
    return missing("data");
  if (t.type(at[data]) != '{')
    return fail(event_errc::wrong_type, std::string{"field 'data' must be an object, not "}
                                          + type_name(elem(data).type()));
  env.data = elem(data).get_object().value_unsafe();
  if (at[correlation_id] != 0 && t.type(at[correlation_id]) != 'n'
      && !t.get_string(at[correlation_id], env.correlation_id))
    return fail(event_errc::wrong_type,
                std::string{"field 'correlation_id' must be a string or null, not "}
                  + type_name(elem(correlation_id).type()));
  if (at[version] != 0 && t.type(at[version]) != '"')
    return not_string("version", elem(version));
  env.metadata = empty_object();
  if (at[metadata] != 0 && t.type(at[metadata]) != 'n') {
    auto m = at[metadata];
    if (t.type(m) != '{')
      return fail(event_errc::wrong_type, std::string{"field 'metadata' must be an object, not "}
                                            + type_name(elem(metadata).type()));
    env.metadata = elem(metadata).get_object().value_unsafe();
    env.has_metadata = true;
    return read_hops(t, m, env.hops);
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
// `extra` bytes (tape, strings, bytes) in one block, cut from the thread's slab (see
// block_slab). Events are made on one thread and freed on another; every allocation they
// save is a cross-core cache miss saved.
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
    auto* block = static_cast<char*>(block_slab::take(head + extra));
    *trailing = block + head;
    return reinterpret_cast<T*>(block);
  }

  void deallocate(T* p, std::size_t) noexcept {
    block_slab::release(p);
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

caf::expected<event_ptr> codec::decode_with_tape(std::string& bytes, const tape_writer& tape,
                                                 const envelope_places* places) {
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
  return places == nullptr ? finish(std::move(ev)) : finish(std::move(ev), *places);
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
  envelope env;
  if (auto err = read_envelope(ev->doc_, options_, env))
    return err;
  return install(std::move(ev), env);
}

caf::expected<event_ptr> codec::finish(std::shared_ptr<event> ev,
                                        const envelope_places& places) const {
  // The writer says where it put each field, so they are taken from there, not looked for.
  envelope env;
  const auto& doc = ev->doc_;
  tape_view t{doc.tape.get(), doc.string_buf.get()};
  env.event_id = t.string(places.event_id);
  env.event_type = t.string(places.event_type);
  env.timestamp = t.string(places.timestamp);
  env.source = t.string(places.source);
  if (places.correlation_id != 0 && t.type(places.correlation_id) == '"')
    env.correlation_id = t.string(places.correlation_id);
  env.data = element_at(doc, places.data).get_object().value_unsafe();
  env.metadata = empty_object();
  if (places.metadata != 0) {
    env.metadata = element_at(doc, places.metadata).get_object().value_unsafe();
    env.has_metadata = true;
    if (auto err = read_hops(t, places.metadata, env.hops))
      return err;
  }
  env.kind = kind_of(env.event_type);
  if (options_.require_known_type && env.kind == event_kind::other)
    return unknown_type(env.event_type);
  return install(std::move(ev), env);
}

event_ptr codec::install(std::shared_ptr<event> ev, const envelope& env) {
  ev->root_ = ev->doc_.root();
  ev->data_ = env.data;
  ev->metadata_ = env.metadata;
  ev->has_metadata_ = env.has_metadata;
  ev->event_id_ = env.event_id;
  ev->event_type_ = env.event_type;
  ev->source_ = env.source;
  ev->timestamp_ = env.timestamp;
  ev->correlation_id_ = env.correlation_id;
  ev->hops_ = env.hops;
  ev->kind_ = env.kind;
  ev->family_ = family_of(env.kind);
  return event_ptr{std::move(ev)};
}

caf::error codec::check_size(std::size_t size) const {
  if (size > options_.max_bytes)
    return fail(event_errc::too_large, "event of " + std::to_string(size)
                                         + " bytes exceeds the limit of "
                                         + std::to_string(options_.max_bytes) + " bytes");
  return {};
}

} // namespace switchboard
