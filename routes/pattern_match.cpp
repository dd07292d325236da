#include <algorithm>

#include "routes/pattern.hpp"
#include "routes/pattern_program.hpp"

namespace switchboard::pattern_detail {

namespace {

namespace pv = pattern_values;
using simdjson::dom::element;
using simdjson::dom::element_type;

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size()
         && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool contains(const std::vector<std::string>& set, std::string_view text) noexcept {
  return std::find(set.begin(), set.end(), text) != set.end();
}

} // namespace

std::string& fold_buffer() {
  thread_local std::string buffer;
  return buffer;
}

bool test_alternative(const leaf_alternative& alt, element value, std::string_view folded) {
  bool is_string = value.type() == element_type::STRING;
  std::string_view text = is_string ? value.get_string().value_unsafe() : std::string_view{};
  switch (alt.op) {
    case leaf_op::exact_string:
      return is_string && text == alt.text;
    case leaf_op::exact_number: {
      auto n = pv::json_number::from(value);
      return n && pv::same_number(*n, alt.number);
    }
    case leaf_op::exact_true:
      return value.type() == element_type::BOOL && value.get_bool().value_unsafe();
    case leaf_op::exact_false:
      return value.type() == element_type::BOOL && !value.get_bool().value_unsafe();
    case leaf_op::exact_null:
      return value.type() == element_type::NULL_VALUE;
    case leaf_op::exact_ip:
    case leaf_op::cidr: {
      if (!is_string)
        return false;
      auto ip = pv::parse_ip(text);
      return ip && alt.ips.contains(*ip);
    }
    case leaf_op::prefix:
      return is_string && starts_with(text, alt.text);
    case leaf_op::prefix_ic:
      return is_string && starts_with(folded, alt.text);
    case leaf_op::suffix:
      return is_string && ends_with(text, alt.text);
    case leaf_op::suffix_ic:
      return is_string && ends_with(folded, alt.text);
    case leaf_op::equals_ic:
      return is_string && folded == alt.text;
    case leaf_op::wildcard:
      return is_string && alt.wildcards.front().matches(text);
    // anything-but matches every present value except the excluded ones, numbers,
    // booleans and null included, as event-ruler does.
    case leaf_op::anything_but_strings:
      return !(is_string && contains(alt.texts, text));
    case leaf_op::anything_but_ic:
      return !(is_string && contains(alt.texts, folded));
    case leaf_op::anything_but_numbers: {
      auto n = pv::json_number::from(value);
      return !(n && n->comparable
               && std::find(alt.numbers.begin(), alt.numbers.end(), n->micros)
                    != alt.numbers.end());
    }
    case leaf_op::anything_but_prefix:
      return !(is_string && std::any_of(alt.texts.begin(), alt.texts.end(),
                                        [&](const auto& p) { return starts_with(text, p); }));
    case leaf_op::anything_but_suffix:
      return !(is_string && std::any_of(alt.texts.begin(), alt.texts.end(),
                                        [&](const auto& s) { return ends_with(text, s); }));
    case leaf_op::anything_but_wildcard:
      return !(is_string
               && std::any_of(alt.wildcards.begin(), alt.wildcards.end(),
                              [&](const auto& w) { return w.matches(text); }));
    case leaf_op::numeric_range: {
      auto n = pv::json_number::from(value);
      return n && n->comparable && alt.range.contains(n->micros);
    }
    case leaf_op::exists:
      return true;
    case leaf_op::absent:
      return false;
  }
  return false;
}

namespace {

bool test_scalar(const leaf_spec& leaf, element value) {
  std::string_view folded;
  if (leaf.needs_fold && value.type() == element_type::STRING) {
    auto& buf = fold_buffer();
    buf.clear();
    pv::case_fold(value.get_string().value_unsafe(), buf);
    folded = buf;
  }
  for (const auto& alt : leaf.alternatives)
    if (test_alternative(alt, value, folded))
      return true;
  return false;
}

// Visits the scalars of a value, flattening nested arrays; objects hold no value
// at this path. Stops at the first scalar that matches.
bool scan_scalars(const leaf_spec& leaf, element value, bool& any) {
  switch (value.type()) {
    case element_type::ARRAY:
    {
      simdjson::dom::array items = value.get_array().value_unsafe();
      for (auto item : items)
        if (scan_scalars(leaf, item, any))
          return true;
      return false;
    }
    case element_type::OBJECT:
      return false;
    default:
      any = true;
      return test_scalar(leaf, value);
  }
}

bool match_leaf(const leaf_spec& leaf, element value) {
  bool any = false;
  return scan_scalars(leaf, value, any) || (!any && leaf.absent_ok);
}

bool match_node(const match_tree& tree, std::size_t index, simdjson::dom::object obj);

// Array consistency: every field of a nested pattern object must come from the
// same object, so each object element of an array is tried on its own.
bool scan_objects(const match_tree& tree, std::size_t index, element value, bool& any) {
  switch (value.type()) {
    case element_type::ARRAY:
    {
      simdjson::dom::array items = value.get_array().value_unsafe();
      for (auto item : items)
        if (scan_objects(tree, index, item, any))
          return true;
      return false;
    }
    case element_type::OBJECT:
      any = true;
      return match_node(tree, index, value.get_object().value_unsafe());
    default:
      return false;
  }
}

bool match_sub(const match_tree& tree, std::size_t index, element value) {
  bool any = false;
  return scan_objects(tree, index, value, any) || (!any && tree.nodes[index].accepts_absent);
}

bool match_node(const match_tree& tree, std::size_t index, simdjson::dom::object obj) {
  for (const auto& c : tree.nodes[index].children) {
    bool found = false;
    element value;
    for (auto field : obj) {
      if (field.key == c.key) {
        value = field.value;
        found = true;
        break;
      }
    }
    if (!found) {
      if (c.leaf && !c.leaf->absent_ok)
        return false;
      if (c.sub >= 0 && !tree.nodes[static_cast<std::size_t>(c.sub)].accepts_absent)
        return false;
      continue;
    }
    if (c.leaf && !match_leaf(*c.leaf, value))
      return false;
    if (c.sub >= 0 && !match_sub(tree, static_cast<std::size_t>(c.sub), value))
      return false;
  }
  return true;
}

} // namespace

bool run_program(const pattern_program& prog, element event) {
  if (prog.match_all)
    return true;
  for (const auto& tree : prog.trees) {
    bool ok = event.type() == element_type::OBJECT
                ? match_node(tree, 0, event.get_object().value_unsafe())
                : tree.nodes.front().accepts_absent;
    if (ok)
      return true;
  }
  return false;
}

} // namespace switchboard::pattern_detail

namespace switchboard {

bool pattern::matches(simdjson::dom::element event) const {
  return program_ && pattern_detail::run_program(*program_, event);
}

bool pattern::matches_all() const noexcept {
  return program_ && program_->match_all;
}

} // namespace switchboard
