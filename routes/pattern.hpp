#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>
#include <simdjson.h>

#include "routes/error.hpp"

namespace switchboard {

struct pattern_program;

/// A compiled event pattern with Amazon EventBridge semantics.
///
/// The pattern mirrors the event's structure; leaf arrays are OR, fields AND;
/// compiled once, matching never re-parses the pattern.
class pattern {
public:
  /// Compiles pattern JSON text; errors name the JSON path under `path`.
  static caf::expected<pattern> compile(std::string_view json, std::string_view path = "");

  /// Compiles an already parsed pattern; errors name the JSON path under `path`.
  static caf::expected<pattern> compile(simdjson::dom::element json, std::string_view path = "");

  /// True when the event (the whole envelope) matches.
  bool matches(simdjson::dom::element event) const;

  /// True for the empty pattern, which matches every event.
  bool matches_all() const noexcept;

private:
  friend class pattern_set;

  std::shared_ptr<const pattern_program> program_;
};

/// Many patterns matched together in one pass over the event, indexed by field path
/// and value, so matching cost does not grow with one full pass per pattern.
class pattern_set {
public:
  pattern_set();
  ~pattern_set();
  pattern_set(pattern_set&&) noexcept;
  pattern_set& operator=(pattern_set&&) noexcept;

  /// Adds a pattern; returns its index (0, 1, 2, ... in insertion order).
  std::size_t add(const pattern& p);

  /// Number of patterns added.
  std::size_t size() const noexcept;

  /// Appends to `out` the indices of all patterns the event matches, ascending.
  void match(simdjson::dom::element event, std::vector<std::size_t>& out) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace switchboard
