#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <simdjson.h>

#include "events/event.hpp"
#include "routes/error.hpp"

namespace switchboard {

class codec;
class tape_writer;

/// Where built-in transforms read the time from; tests inject a manual clock.
using clock_fn = std::function<std::chrono::system_clock::time_point()>;

/// What a built-in transform may read besides the event it changes.
struct transform_context {
  /// Name of the route whose transformation runs.
  std::string_view route;
  /// Id of the dispatcher routing the event.
  std::string_view dispatcher_id;
  /// The clock; null means the system clock.
  const clock_fn* clock = nullptr;
  /// The parsed event, where steps read the members named in `read_only` instead of
  /// the tree (which then does not hold them); null when the tree holds everything.
  const simdjson::dom::element* original = nullptr;
  /// Top-level members no step of the chain writes; set together with `original`.
  const std::vector<std::string>* read_only = nullptr;

  /// The current time from the injected clock or the system clock.
  std::chrono::system_clock::time_point now() const;
};

/// A built-in transformation: changes the whole envelope in place or returns the
/// reason it could not.
using builtin_transform
  = std::function<caf::error(boost::json::object& event, const transform_context& ctx)>;

/// A value of the context that a stamping built-in writes into `metadata`.
enum class stamp_value { route, now, dispatcher_id };

/// One member of `metadata` that a stamping built-in sets.
struct metadata_stamp {
  /// The member's key.
  std::string key;
  /// What it is set to.
  stamp_value value;
};

/// A registered built-in and the top-level envelope members it reads or writes.
struct builtin_entry {
  /// The transformation.
  builtin_transform fn;
  /// Top-level members touched, e.g. `metadata`; empty means the whole event.
  std::vector<std::string> members;
  /// For a built-in that only sets members of `metadata` to values of the context: those
  /// members. A chain of such steps and of patches into `metadata` runs without a tree.
  std::vector<metadata_stamp> stamps;
};

/// The built-in transformations by name; adding one is one call to `add`.
class builtin_registry {
public:
  /// An empty registry.
  builtin_registry() = default;

  /// The process-wide registry holding the standard built-ins
  /// (`add_routing_metadata`, `add_timestamp`, `redact_pii`, `increment_hops`).
  static builtin_registry& global();

  /// Registers (or replaces) a built-in under `name`. Naming the top-level members it
  /// touches (`{"metadata"}`) lets a transform copy only those into a mutable tree;
  /// without them the built-in sees the whole event.
  void add(std::string name, builtin_transform fn, std::vector<std::string> members = {});

  /// Registers (or replaces) a built-in that sets members of `metadata` (made when
  /// absent) to values of the context.
  void add_stamps(std::string name, std::vector<metadata_stamp> stamps);

  /// The built-in called `name`, or null.
  const builtin_entry* find(std::string_view name) const;

  /// The registered names in alphabetical order.
  std::vector<std::string> names() const;

private:
  std::map<std::string, builtin_entry, std::less<>> fns_;
};

/// An RFC 6901 JSON Pointer, split into unescaped reference tokens.
class json_pointer {
public:
  /// Parses pointer text; `~0`/`~1` escapes, the empty pointer is the whole document.
  static caf::expected<json_pointer> parse(std::string_view text);

  /// The unescaped reference tokens.
  const std::vector<std::string>& tokens() const noexcept {
    return tokens_;
  }

  /// The pointer as written.
  const std::string& text() const noexcept {
    return text_;
  }

  /// True when this pointer is a proper prefix of `other` (`/a` of `/a/b`).
  bool is_proper_prefix_of(const json_pointer& other) const noexcept;

private:
  std::vector<std::string> tokens_;
  std::string text_;
};

/// One RFC 6902 JSON Patch operation.
enum class patch_op { add, remove, replace, move, copy, test };

/// The RFC 6902 name of an operation: add, remove, replace, move, copy, test.
const char* to_string(patch_op op) noexcept;

/// One step of a route's transformations: a built-in or one JSON Patch operation.
class transform_step {
public:
  /// A built-in step.
  transform_step(std::string name, builtin_entry entry);

  /// A JSON Patch step; `value` is used by add, replace and test.
  transform_step(patch_op op, json_pointer path, json_pointer from, boost::json::value value);

  /// Applies the step to a mutable envelope; the error text is the bare reason.
  caf::error apply(boost::json::value& doc, const transform_context& ctx) const;

  /// Short description for messages: `add_timestamp` or `test /data/status`.
  std::string describe() const;

  /// The step as configured: the built-in's name or the operation object.
  boost::json::value spec() const;

  /// True for a built-in step.
  bool is_builtin() const noexcept {
    return static_cast<bool>(builtin_);
  }

  /// The members of `metadata` a stamping built-in sets; empty for other steps.
  const std::vector<metadata_stamp>& stamps() const noexcept {
    return stamps_;
  }

  /// The operation of a JSON Patch step.
  patch_op op() const noexcept {
    return op_;
  }

  /// The target of a JSON Patch step.
  const json_pointer& path() const noexcept {
    return path_;
  }

  /// The source of a JSON Patch move or copy.
  const json_pointer& from() const noexcept {
    return from_;
  }

  /// The value of a JSON Patch add, replace or test.
  const boost::json::value& value() const noexcept {
    return value_;
  }

  /// Top-level members the step reads or writes; empty when it may touch any.
  const std::vector<std::string>& members() const noexcept {
    return members_;
  }

  /// The part of `members()` the step may change: all of a built-in's members; for a
  /// JSON Patch operation, the member of `path` and, for move, that of `from`. A test
  /// or the source of a copy is only read.
  const std::vector<std::string>& written_members() const noexcept {
    return written_;
  }

private:
  // Runs a copy or test whose read member no step writes on the parse, or nothing
  // (nullopt) when the tree must run it.
  std::optional<caf::error> apply_read_only(boost::json::value& doc,
                                            const transform_context& ctx) const;

  std::vector<std::string> members_;
  std::vector<std::string> written_;
  std::string name_;
  builtin_transform builtin_;
  std::vector<metadata_stamp> stamps_;
  patch_op op_ = patch_op::add;
  json_pointer path_;
  json_pointer from_;
  boost::json::value value_;
};

/// Applies one JSON Patch operation to `doc`; the error text is the bare reason.
caf::error apply_patch(boost::json::value& doc, patch_op op, const json_pointer& path,
                       const json_pointer& from, const boost::json::value& value);

/// RFC 6902 equality: numbers by value, objects regardless of member order.
bool json_equal(const boost::json::value& a, const boost::json::value& b);

/// Masks e-mail addresses and phone numbers in `text`; returns true when it changed.
bool redact_pii_text(std::string& text);

/// A route's transformations, compiled once and applied in order to a copy of an event.
class transform_chain {
public:
  /// The empty chain (no transformation).
  transform_chain() = default;

  /// Compiles a `transformations` array; every problem is one line of the error,
  /// each naming its JSON path under `path` (`routes[1].transformations[0].path: ...`).
  static caf::expected<transform_chain>
  compile(simdjson::dom::element spec, std::string_view path,
          const builtin_registry& registry = builtin_registry::global());

  /// Compiles transformations from JSON text.
  static caf::expected<transform_chain>
  compile(std::string_view json, std::string_view path = "transformations",
          const builtin_registry& registry = builtin_registry::global());

  /// Appends a step.
  void push_back(transform_step step);

  /// True when the chain has no step.
  bool empty() const noexcept {
    return steps_.empty();
  }

  /// Number of steps.
  std::size_t size() const noexcept {
    return steps_.size();
  }

  /// Runs every step on a mutable copy of `ev` and decodes the result into a new
  /// event; failures are `transform_failed` naming the route and the step:
  /// `route 'x': transformation[1] (test /data/status): value differs`.
  /// Only the top-level members the steps touch are copied into a tree, and only
  /// those they may change are written from it; the rest keep their original text.
  caf::expected<event_ptr> apply(const event& ev, const transform_context& ctx,
                                 codec& dec) const;

  /// Runs every step on a mutable tree; same error texts as `apply`.
  caf::error apply_tree(boost::json::value& doc, const transform_context& ctx) const;

  /// The chain as configured, for the routes API.
  boost::json::array spec() const;

  /// Top-level members some step reads or writes; empty when `touches_all()`.
  const std::vector<std::string>& members() const noexcept {
    return members_;
  }

  /// Top-level members some step may change; empty when `touches_all()`.
  const std::vector<std::string>& written_members() const noexcept {
    return written_;
  }

  /// True when some step may read or change any part of the event.
  bool touches_all() const noexcept {
    return whole_;
  }

private:
  bool touches(std::string_view member) const noexcept;

  bool writes(std::string_view member) const noexcept;

  // The index of `member` in `members_`, or `npos`.
  std::size_t member_index(std::string_view member) const noexcept;

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // Writes the members of `ev` and the tree's new ones, copying the original text and
  // parse of members no step changes; the parse goes onto `tape` (`members` counts
  // what it got). False when the text cannot be matched to the parse.
  bool write_members_raw(std::string& out, const event& ev, const boost::json::object& tree,
                         tape_writer& tape, std::size_t& members) const;

  // Runs a chain that only sets members of `metadata` (see `metadata_only_`) without a
  // tree, when `ev` allows it: its metadata is its last member and holds no nested
  // values. Nothing (nullopt) when it does not allow it or a step would fail, for the
  // tree to run the chain and word any error.
  std::optional<caf::expected<event_ptr>>
  apply_to_metadata(const event& ev, const transform_context& ctx, codec& dec) const;

  // Writes the same members as `write_members_raw`, serializing the unchanged ones
  // from the parse.
  void write_members_parsed(std::string& out, simdjson::dom::object root,
                            const boost::json::object& tree) const;

  std::vector<transform_step> steps_;
  // Union of the steps' top-level members, unless some step may touch any.
  std::vector<std::string> members_;
  // The part of `members_` some step may change; the others are only read.
  std::vector<std::string> written_;
  // For each entry of `members_`, whether it is in `written_`.
  std::vector<bool> member_written_;
  // The entries of `members_` that are not in `written_`.
  std::vector<std::string> read_only_;
  bool whole_ = false;
  // Every step is a stamping built-in, or an add or a copy (from another member) into
  // a member of `metadata`.
  bool metadata_only_ = false;
};

} // namespace switchboard
