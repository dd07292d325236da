#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "events/types.hpp"

namespace switchboard {

class codec;

/// The codec's key to the constructor of `event`: only the codec can make one, and it
/// places the event, its reference count, its tree and its bytes in one allocation.
class event_key {
  friend class codec;

  event_key() {
    // nop
  }
};

/// An immutable event: its wire bytes plus a read-only JSON tree parsed from them.
///
/// Built only by `codec`, so every live event has passed envelope validation.
/// Shared between actors as `event_ptr`; a transform makes a new event.
class event {
public:
  /// An empty event, for the codec to fill.
  explicit event(event_key) {
    // nop
  }

  event(const event&) = delete;
  event& operator=(const event&) = delete;

  /// Lets go of the tree, which lives in the event's own allocation.
  ~event();

  /// The JSON text of the event exactly as received (or as written after a transform).
  std::string_view bytes() const noexcept {
    return bytes_;
  }

  /// The whole envelope as a JSON tree.
  simdjson::dom::element root() const noexcept {
    return root_;
  }

  /// The parse as simdjson's tape (the root object's word is at index 1), for copying
  /// parts of it into another event's parse (see tape_writer::copy_value).
  const uint64_t* tape() const noexcept {
    return doc_.tape.get();
  }

  /// The string buffer the tape's strings point into.
  const uint8_t* tape_strings() const noexcept {
    return doc_.string_buf.get();
  }

  /// The `event_id` envelope field.
  std::string_view event_id() const noexcept {
    return event_id_;
  }

  /// The `event_type` envelope field.
  std::string_view event_type() const noexcept {
    return event_type_;
  }

  /// The `source` envelope field.
  std::string_view source() const noexcept {
    return source_;
  }

  /// The `timestamp` envelope field (ISO 8601 text).
  std::string_view timestamp() const noexcept {
    return timestamp_;
  }

  /// The `correlation_id` envelope field, empty when absent or null.
  std::string_view correlation_id() const noexcept {
    return correlation_id_;
  }

  /// The kind of `event_type`: the known type it names, or `other`.
  event_kind kind() const noexcept {
    return kind_;
  }

  /// The family of `event_type`.
  event_family family() const noexcept {
    return family_;
  }

  /// The `data` object.
  simdjson::dom::object data() const noexcept {
    return data_;
  }

  /// The `metadata` object; an empty tree when the event has none.
  simdjson::dom::object metadata() const noexcept;

  /// True when the event carries a `metadata` object.
  bool has_metadata() const noexcept {
    return has_metadata_;
  }

  /// How many times the event went through the dispatcher (`metadata.hops`, 0 if absent).
  int64_t hops() const noexcept {
    return hops_;
  }

  /// Reads a string field of `data`, or `fallback` when absent or not a string.
  std::string_view data_string(std::string_view key,
                               std::string_view fallback = {}) const noexcept;

  /// Reads a numeric field of `data` as double, or `fallback`.
  double data_number(std::string_view key, double fallback = 0) const noexcept;

private:
  friend class codec;

  // Points into the allocation that holds the event (see codec::decode_or_keep).
  std::string_view bytes_;
  simdjson::dom::document doc_;
  simdjson::dom::element root_;
  simdjson::dom::object data_;
  simdjson::dom::object metadata_;
  std::string_view event_id_;
  std::string_view event_type_;
  std::string_view source_;
  std::string_view timestamp_;
  std::string_view correlation_id_;
  int64_t hops_ = 0;
  event_kind kind_ = event_kind::other;
  event_family family_ = event_family::unknown;
  bool has_metadata_ = false;
};

/// Events are immutable and shared by pointer between actors.
using event_ptr = std::shared_ptr<const event>;

/// Starts loading an event's fields and the start of its parse tape into this core's
/// cache.
///
/// Events are made on one core and read on another, so the first touch of each line is
/// a miss; a batch loop that prefetches the next event while it handles this one waits
/// for fewer of them.
inline void prefetch(const event& ev) noexcept {
  // The codec lays out [event][tape][strings][bytes] in one block; the first four
  // lines hold the reference count, the event's fields and the tape's start. Four,
  // written out: GCC 12 deletes a run of five or more prefetches (and a loop of them).
  const auto* at = reinterpret_cast<const char*>(&ev);
  __builtin_prefetch(at);
  __builtin_prefetch(at + 64);
  __builtin_prefetch(at + 128);
  __builtin_prefetch(at + 192);
}

} // namespace switchboard
