#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <simdjson.h>

#include "events/error.hpp"
#include "events/event.hpp"

namespace switchboard {

class tape_writer;

namespace detail {
struct envelope;
} // namespace detail

/// Where a writer put the envelope's values on the parse it wrote with an event's
/// text: tape indices, 0 for an optional field it left out.
struct envelope_places {
  /// `event_id`, a string.
  std::size_t event_id = 0;
  /// `event_type`, a string that is not empty.
  std::size_t event_type = 0;
  /// `timestamp`, a string.
  std::size_t timestamp = 0;
  /// `source`, a string.
  std::size_t source = 0;
  /// `correlation_id`, a string or null.
  std::size_t correlation_id = 0;
  /// `data`, an object.
  std::size_t data = 0;
  /// `metadata`, an object.
  std::size_t metadata = 0;
};

/// Limits and strictness of event decoding.
struct codec_options {
  /// Largest accepted event in bytes.
  std::size_t max_bytes = 1 << 20;
  /// Deepest accepted nesting of objects and arrays, the envelope counting as 1.
  std::size_t max_depth = 64;
  /// Rejects event types outside the known families.
  bool require_known_type = false;
};

/// Decodes JSON bytes into validated events and encodes them back.
///
/// One codec per thread: it owns a reusable simdjson parser.
class codec {
public:
  /// A codec with the given limits.
  explicit codec(codec_options options = {});

  /// Parses and validates one event; the bytes are copied into the event.
  caf::expected<event_ptr> decode(std::string_view bytes);

  /// Parses and validates one event, taking ownership of the bytes.
  caf::expected<event_ptr> decode(std::string&& bytes);

  /// Parses and validates one event, copying the bytes into it; the caller keeps
  /// `bytes` (to report an error, or to reuse the buffer). Reserving
  /// `SIMDJSON_PADDING` bytes beyond the text spares a reallocation.
  caf::expected<event_ptr> decode_or_keep(std::string& bytes);

  /// Makes an event of text this library wrote together with its parse (`tape`, a
  /// finished document), so the text is not parsed again. Same results and errors as
  /// `decode_or_keep`, which runs instead when the text is not valid UTF-8 or nests
  /// near the depth limit. A writer that knows where it put the envelope's fields, with
  /// the types an envelope needs, passes `places`: they are then taken from there
  /// rather than looked for and checked.
  caf::expected<event_ptr> decode_with_tape(std::string& bytes, const tape_writer& tape,
                                            const envelope_places* places = nullptr);

  /// The limits this codec enforces.
  const codec_options& options() const noexcept {
    return options_;
  }

private:
  caf::error check_size(std::size_t size) const;

  // Allocates an event in one block with room for a tape and strings of the given
  // sizes (which the caller fills) and a copy of `text`, which it makes.
  static std::shared_ptr<event> make_block(std::size_t tape_bytes, std::size_t strings_bytes,
                                           std::string_view text);

  // Checks the envelope of `ev`, whose tape and bytes are in place, and fills in its
  // fields.
  caf::expected<event_ptr> finish(std::shared_ptr<event> ev) const;

  // Fills in the fields of `ev` from where its writer says the envelope is.
  caf::expected<event_ptr> finish(std::shared_ptr<event> ev,
                                  const envelope_places& places) const;

  // Fills in the fields of `ev` from its checked envelope.
  static event_ptr install(std::shared_ptr<event> ev, const detail::envelope& env);

  codec_options options_;
  simdjson::dom::parser parser_;
  std::string scratch_;
};

} // namespace switchboard
