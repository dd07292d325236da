#pragma once

// The compiled form of an event pattern, shared by `pattern` and `pattern_set`.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "routes/pattern_values.hpp"

namespace switchboard {

/// What one alternative of a leaf tests.
enum class leaf_op : uint8_t {
  exact_string,
  exact_number,
  exact_true,
  exact_false,
  exact_null,
  exact_ip,
  prefix,
  prefix_ic,
  suffix,
  suffix_ic,
  equals_ic,
  wildcard,
  anything_but_strings,
  anything_but_numbers,
  anything_but_ic,
  anything_but_prefix,
  anything_but_suffix,
  anything_but_wildcard,
  numeric_range,
  cidr,
  exists,
  absent,
};

/// A numeric interval in millionths; a missing bound is unbounded.
struct numeric_range {
  bool has_low = false;
  bool low_open = false;
  int64_t low = 0;
  bool has_high = false;
  bool high_open = false;
  int64_t high = 0;

  /// True when `micros` lies inside.
  bool contains(int64_t micros) const noexcept {
    if (has_low && (low_open ? micros <= low : micros < low))
      return false;
    if (has_high && (high_open ? micros >= high : micros > high))
      return false;
    return true;
  }
};

/// One value test inside a leaf array; any alternative matching makes the leaf match.
struct leaf_alternative {
  leaf_op op = leaf_op::exact_string;
  /// The operand of string tests (case-folded for the `_ic` forms).
  std::string text;
  /// The operand of exact number tests.
  pattern_values::json_number number;
  /// The excluded strings of anything-but (case-folded for the `_ic` form).
  std::vector<std::string> texts;
  /// The excluded numbers of anything-but, in millionths.
  std::vector<int64_t> numbers;
  /// The bounds of numeric ranges.
  numeric_range range;
  /// The address range of `cidr` and `exact_ip`.
  pattern_values::ip_range ips;
  /// The compiled wildcard, or the excluded wildcards of anything-but.
  std::vector<pattern_values::wildcard> wildcards;
};

/// The value tests at one field path: an OR of alternatives.
struct leaf_spec {
  std::vector<leaf_alternative> alternatives;
  /// True when an `exists: false` alternative lets an absent field match.
  bool absent_ok = false;
  /// True when some alternative needs a case-folded string.
  bool needs_fold = false;
};

/// A field path inside the event, from the root.
using field_path = std::vector<std::string>;

/// One AND-only branch of a pattern after `$or` is expanded (event-ruler's sub-rule).
struct sub_rule {
  /// The leaf constraints, each at its own path.
  std::vector<std::pair<field_path, std::shared_ptr<const leaf_spec>>> leaves;
};

/// A node of a sub-rule's tree, mirroring the event's objects.
struct match_node {
  struct child {
    std::string key;
    const leaf_spec* leaf = nullptr;
    int sub = -1; // index of the nested match_node, or -1
  };
  std::vector<child> children;
  /// True when every constraint below accepts a missing field.
  bool accepts_absent = true;
};

/// A sub-rule as a tree of nodes (node 0 is the root).
struct match_tree {
  std::vector<match_node> nodes;
};

/// The compiled pattern.
struct pattern_program {
  /// The sub-rules; the pattern matches when any does. Empty for `{}`.
  std::vector<sub_rule> rules;
  /// The same sub-rules as trees, for direct matching.
  std::vector<match_tree> trees;
  /// True for the empty pattern.
  bool match_all = false;
  /// True when some leaf accepts an absent field.
  bool uses_absence = false;
};

namespace pattern_detail {

/// True when one value (not an array) satisfies the alternative.
bool test_alternative(const leaf_alternative& alt, simdjson::dom::element value,
                      std::string_view folded);

/// True when the program matches the event (array-consistent, like event-ruler).
bool run_program(const pattern_program& prog, simdjson::dom::element event);

/// The thread's scratch buffer for case folding.
std::string& fold_buffer();

} // namespace pattern_detail

} // namespace switchboard
