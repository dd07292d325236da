#include <algorithm>
#include <cstdio>

#include "routes/pattern.hpp"
#include "routes/pattern_program.hpp"

namespace switchboard {

namespace {

namespace pv = pattern_values;
using simdjson::dom::element;
using simdjson::dom::element_type;

/// More alternatives than this after expanding `$or` is refused.
constexpr std::size_t max_sub_rules = 1024;

/// Names that cannot be fields inside `$or` (event-ruler reserves them).
constexpr std::string_view reserved_in_or[] = {
  "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
  "numeric", "cidr", "html", "=", "<", "<=", ">", ">=", "regex", "not-wildcard",
  "not-equals-ignore-case", "date-after", "date-on-or-after", "date-before",
  "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
};

std::string join(std::string_view base, std::string_view key) {
  std::string out{base};
  if (!out.empty())
    out += '.';
  out += key;
  return out;
}

std::string json_kind(element value) {
  switch (value.type()) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
    default:
      return "a number";
  }
}

std::string number_text(const pv::json_number& n) {
  char buf[64];
  switch (n.type) {
    case pv::json_number::kind::int64:
      std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(n.i));
      break;
    case pv::json_number::kind::uint64:
      std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(n.u));
      break;
    default:
      std::snprintf(buf, sizeof(buf), "%.17g", n.d);
  }
  return buf;
}

std::string folded(std::string_view text) {
  std::string out;
  pv::case_fold(text, out);
  return out;
}

class compiler {
public:
  explicit compiler(std::string_view base) : base_(base) {
    // nop
  }

  caf::expected<pattern_program> run(element root) {
    if (root.type() != element_type::OBJECT)
      return fail(base_, "must be a JSON object, not " + json_kind(root));
    pattern_program prog;
    auto obj = root.get_object().value_unsafe();
    if (obj.size() == 0) {
      prog.match_all = true;
      return prog;
    }
    field_path path;
    if (!parse_object(obj, path, base_, false))
      return std::move(error_);
    prog.rules = std::move(rules_);
    for (const auto& rule : prog.rules) {
      prog.trees.push_back(build_tree(rule));
      for (const auto& leaf : rule.leaves)
        prog.uses_absence |= leaf.second->absent_ok;
    }
    return prog;
  }

  caf::error fail(const std::string& where, const std::string& why) {
    error_ = caf::make_error(route_errc::bad_pattern,
                             (where.empty() ? std::string{"pattern"} : where) + ": " + why);
    return error_;
  }

private:
  bool failed(const std::string& where, const std::string& why) {
    fail(where, why);
    return false;
  }

  bool parse_object(simdjson::dom::object obj, field_path& path, const std::string& where,
                    bool in_or) {
    if (obj.size() == 0)
      return failed(where, "empty objects are not allowed");
    for (auto field : obj) {
      auto key = field.key;
      if (key == "$or") {
        if (!parse_or(field.value, path, join(where, key)))
          return false;
        continue;
      }
      auto here = join(where, key);
      if (in_or
          && std::find(std::begin(reserved_in_or), std::end(reserved_in_or), key)
               != std::end(reserved_in_or))
        return failed(here, "'" + std::string{key}
                              + "' is a reserved operator name and cannot be a field inside $or");
      path.emplace_back(key);
      bool ok = field.value.type() == element_type::OBJECT
                  ? parse_object(field.value.get_object().value_unsafe(), path, here, in_or)
                  : write_leaf(field.value, path, here);
      path.pop_back();
      if (!ok)
        return false;
    }
    return true;
  }

  // Mirrors event-ruler: every branch continues from a copy of the rules built so far.
  bool parse_or(element value, field_path& path, const std::string& where) {
    if (value.type() != element_type::ARRAY)
      return failed(where, "$or needs an array of at least two objects, not " + json_kind(value));
    auto arr = value.get_array().value_unsafe();
    if (arr.size() < 2)
      return failed(where, "$or needs at least two objects");
    auto before = rules_;
    std::vector<sub_rule> combined;
    std::size_t index = 0;
    for (auto branch : arr) {
      auto here = where + "[" + std::to_string(index++) + "]";
      if (branch.type() != element_type::OBJECT)
        return failed(here, "$or elements must be objects, not " + json_kind(branch));
      rules_ = before;
      if (rules_.empty())
        rules_.emplace_back();
      if (!parse_object(branch.get_object().value_unsafe(), path, here, true))
        return false;
      if (combined.size() + rules_.size() > max_sub_rules)
        return failed(where, "$or combinations expand to more than "
                               + std::to_string(max_sub_rules) + " alternatives");
      for (auto& rule : rules_)
        combined.push_back(std::move(rule));
    }
    rules_ = std::move(combined);
    return true;
  }

  bool write_leaf(element value, const field_path& path, const std::string& where) {
    auto leaf = std::make_shared<leaf_spec>();
    if (value.type() == element_type::ARRAY) {
      auto arr = value.get_array().value_unsafe();
      if (arr.size() == 0)
        return failed(where, "empty arrays are not allowed");
      for (auto item : arr)
        if (!add_value(*leaf, item, where))
          return false;
    } else {
      // A scalar where an array belongs is a one-element array.
      if (!add_value(*leaf, value, where))
        return false;
    }
    for (const auto& alt : leaf->alternatives) {
      leaf->absent_ok |= alt.op == leaf_op::absent;
      leaf->needs_fold |= alt.op == leaf_op::prefix_ic || alt.op == leaf_op::suffix_ic
                          || alt.op == leaf_op::equals_ic || alt.op == leaf_op::anything_but_ic;
    }
    if (rules_.empty())
      rules_.emplace_back();
    std::shared_ptr<const leaf_spec> shared = std::move(leaf);
    for (auto& rule : rules_) {
      auto same = std::find_if(rule.leaves.begin(), rule.leaves.end(),
                               [&](const auto& entry) { return entry.first == path; });
      // Like event-ruler, a later value list for the same path replaces the earlier one.
      if (same != rule.leaves.end())
        same->second = shared;
      else
        rule.leaves.emplace_back(path, shared);
    }
    return true;
  }

  bool add_value(leaf_spec& leaf, element item, const std::string& where) {
    leaf_alternative alt;
    switch (item.type()) {
      case element_type::OBJECT:
        if (!parse_operator(alt, item.get_object().value_unsafe(), where))
          return false;
        break;
      case element_type::STRING: {
        auto text = item.get_string().value_unsafe();
        // event-ruler compares strings that are IP addresses as addresses.
        if (auto ip = pv::parse_ip(text)) {
          alt.op = leaf_op::exact_ip;
          alt.ips = pv::single_address(*ip);
        } else {
          alt.op = leaf_op::exact_string;
        }
        alt.text = std::string{text};
        break;
      }
      case element_type::BOOL:
        alt.op = item.get_bool().value_unsafe() ? leaf_op::exact_true : leaf_op::exact_false;
        break;
      case element_type::NULL_VALUE:
        alt.op = leaf_op::exact_null;
        break;
      case element_type::ARRAY:
        return failed(where, "match values must be strings, numbers, true, false, null or "
                             "operator objects, not an array");
      default:
        alt.op = leaf_op::exact_number;
        alt.number = *pv::json_number::from(item);
    }
    leaf.alternatives.push_back(std::move(alt));
    return true;
  }

  bool need_string(element value, const std::string& where, std::string_view op,
                   std::string& out) {
    if (value.type() != element_type::STRING)
      return failed(where, std::string{op} + " needs a string, not " + json_kind(value));
    out = std::string{value.get_string().value_unsafe()};
    return true;
  }

  // `{"equals-ignore-case": "..."}` nested in prefix or suffix.
  bool ignore_case_operand(simdjson::dom::object obj, const std::string& where,
                           std::string_view op, std::string& out) {
    if (obj.size() != 1)
      return failed(where, std::string{op} + " object needs exactly one key, equals-ignore-case");
    auto field = *obj.begin();
    if (field.key != "equals-ignore-case")
      return failed(where, "unsupported " + std::string{op} + " operator '"
                             + std::string{field.key} + "' (only equals-ignore-case)");
    return need_string(field.value, where, std::string{op} + " equals-ignore-case", out);
  }

  bool parse_operator(leaf_alternative& alt, simdjson::dom::object obj, const std::string& where) {
    if (obj.size() == 0)
      return failed(where, "empty operator object");
    if (obj.size() > 1)
      return failed(where, "only one operator is allowed per object, found "
                             + std::to_string(obj.size()));
    auto field = *obj.begin();
    auto name = field.key;
    auto value = field.value;
    if (name == "exactly") {
      alt.op = leaf_op::exact_string;
      return need_string(value, where, name, alt.text);
    }
    if (name == "prefix" || name == "suffix") {
      bool is_prefix = name == "prefix";
      if (value.type() == element_type::OBJECT) {
        std::string operand;
        if (!ignore_case_operand(value.get_object().value_unsafe(), where, name, operand))
          return false;
        alt.op = is_prefix ? leaf_op::prefix_ic : leaf_op::suffix_ic;
        alt.text = folded(operand);
        return true;
      }
      alt.op = is_prefix ? leaf_op::prefix : leaf_op::suffix;
      return need_string(value, where, name, alt.text);
    }
    if (name == "equals-ignore-case") {
      std::string operand;
      if (!need_string(value, where, name, operand))
        return false;
      alt.op = leaf_op::equals_ic;
      alt.text = folded(operand);
      return true;
    }
    if (name == "wildcard") {
      alt.op = leaf_op::wildcard;
      if (!need_string(value, where, name, alt.text))
        return false;
      std::string why;
      auto wc = pv::parse_wildcard(alt.text, why);
      if (!wc)
        return failed(where, "wildcard '" + alt.text + "': " + why);
      alt.wildcards.push_back(std::move(*wc));
      return true;
    }
    if (name == "anything-but")
      return parse_anything_but(alt, value, where);
    if (name == "numeric")
      return parse_numeric(alt, value, where);
    if (name == "exists") {
      if (value.type() != element_type::BOOL)
        return failed(where, "exists needs true or false, not " + json_kind(value));
      alt.op = value.get_bool().value_unsafe() ? leaf_op::exists : leaf_op::absent;
      return true;
    }
    if (name == "cidr") {
      std::string text;
      if (!need_string(value, where, name, text))
        return false;
      std::string why;
      auto range = pv::parse_cidr(text, why);
      if (!range)
        return failed(where, "cidr: " + why);
      alt.op = leaf_op::cidr;
      alt.ips = *range;
      alt.text = std::move(text);
      return true;
    }
    return failed(where, "unknown operator '" + std::string{name} + "'");
  }

  bool comparable(element value, const std::string& where, std::string_view what,
                  int64_t& micros) {
    auto n = pv::json_number::from(value);
    if (!n)
      return failed(where, std::string{what} + " needs a number, not " + json_kind(value));
    if (!n->comparable)
      return failed(where, std::string{what} + " value " + number_text(*n)
                             + " is out of range: numbers must lie between -5e9 and 5e9 "
                               "with at most six decimals");
    micros = n->micros;
    return true;
  }

  bool parse_anything_but(leaf_alternative& alt, element value, const std::string& where) {
    if (value.type() == element_type::OBJECT) {
      auto obj = value.get_object().value_unsafe();
      if (obj.size() != 1)
        return failed(where, "anything-but object needs exactly one operator "
                             "(equals-ignore-case, prefix, suffix or wildcard)");
      auto field = *obj.begin();
      auto name = field.key;
      std::string what = "anything-but " + std::string{name};
      if (name == "equals-ignore-case")
        alt.op = leaf_op::anything_but_ic;
      else if (name == "prefix")
        alt.op = leaf_op::anything_but_prefix;
      else if (name == "suffix")
        alt.op = leaf_op::anything_but_suffix;
      else if (name == "wildcard")
        alt.op = leaf_op::anything_but_wildcard;
      else
        return failed(where, "unsupported anything-but operator '" + std::string{name} + "'");
      std::vector<std::string> operands;
      if (field.value.type() == element_type::ARRAY) {
        auto arr = field.value.get_array().value_unsafe();
        if (arr.size() == 0)
          return failed(where, what + " list must not be empty");
        for (auto item : arr) {
          std::string text;
          if (!need_string(item, where, what, text))
            return false;
          operands.push_back(std::move(text));
        }
      } else {
        std::string text;
        if (!need_string(field.value, where, what, text))
          return false;
        operands.push_back(std::move(text));
      }
      for (auto& text : operands) {
        if ((alt.op == leaf_op::anything_but_prefix || alt.op == leaf_op::anything_but_suffix)
            && text.empty())
          return failed(where, what + " must not be empty");
        if (alt.op == leaf_op::anything_but_wildcard) {
          std::string why;
          auto wc = pv::parse_wildcard(text, why);
          if (!wc)
            return failed(where, what + " '" + text + "': " + why);
          alt.wildcards.push_back(std::move(*wc));
        }
        alt.texts.push_back(alt.op == leaf_op::anything_but_ic ? folded(text) : std::move(text));
      }
      return true;
    }
    auto add_item = [&](element item, bool& is_number) {
      if (item.type() == element_type::STRING) {
        is_number = false;
        alt.texts.emplace_back(item.get_string().value_unsafe());
        return true;
      }
      if (item.is_number()) {
        is_number = true;
        int64_t micros = 0;
        if (!comparable(item, where, "anything-but", micros))
          return false;
        alt.numbers.push_back(micros);
        return true;
      }
      return failed(where, "anything-but values must be strings or numbers, not "
                             + json_kind(item));
    };
    bool is_number = false;
    if (value.type() == element_type::ARRAY) {
      auto arr = value.get_array().value_unsafe();
      if (arr.size() == 0)
        return failed(where, "anything-but list must not be empty");
      bool first = true;
      bool first_is_number = false;
      for (auto item : arr) {
        if (!add_item(item, is_number))
          return false;
        if (first)
          first_is_number = is_number;
        else if (is_number != first_is_number)
          return failed(where, "anything-but list must be all strings or all numbers");
        first = false;
      }
    } else if (value.type() == element_type::STRING || value.is_number()) {
      if (!add_item(value, is_number))
        return false;
    } else {
      return failed(where, "anything-but needs a string, a number, a list of either, or an "
                           "object with one operator, not " + json_kind(value));
    }
    alt.op = is_number ? leaf_op::anything_but_numbers : leaf_op::anything_but_strings;
    return true;
  }

  bool parse_numeric(leaf_alternative& alt, element value, const std::string& where) {
    if (value.type() != element_type::ARRAY)
      return failed(where, "numeric needs an array such as [\">\", 0, \"<=\", 5], not "
                             + json_kind(value));
    auto arr = value.get_array().value_unsafe();
    std::vector<element> items;
    for (auto item : arr)
      items.push_back(item);
    if (items.empty())
      return failed(where, "numeric needs an operator");
    alt.op = leaf_op::numeric_range;
    auto& range = alt.range;
    auto op_at = [&](std::size_t i, std::string& op) {
      if (items[i].type() != element_type::STRING)
        return failed(where, "numeric expects an operator (=, <, <=, >, >=) at position "
                               + std::to_string(i) + ", not " + json_kind(items[i]));
      op = std::string{items[i].get_string().value_unsafe()};
      return true;
    };
    auto operand_at = [&](std::size_t i, const std::string& op, int64_t& micros) {
      if (i >= items.size())
        return failed(where, "numeric operator " + op + " needs a number after it");
      return comparable(items[i], where, "numeric operator " + op, micros);
    };
    std::string op;
    if (!op_at(0, op))
      return false;
    std::size_t next = 2;
    if (op == "=") {
      int64_t v = 0;
      if (!operand_at(1, op, v))
        return false;
      range.has_low = range.has_high = true;
      range.low = range.high = v;
    } else if (op == "<" || op == "<=") {
      if (!operand_at(1, op, range.high))
        return false;
      range.has_high = true;
      range.high_open = op == "<";
    } else if (op == ">" || op == ">=") {
      if (!operand_at(1, op, range.low))
        return false;
      range.has_low = true;
      range.low_open = op == ">";
      if (items.size() > 2) {
        std::string upper;
        if (!op_at(2, upper))
          return false;
        if (upper != "<" && upper != "<=")
          return failed(where, "numeric range needs < or <= after " + op + ", not '" + upper
                                 + "'");
        if (!operand_at(3, upper, range.high))
          return false;
        range.has_high = true;
        range.high_open = upper == "<";
        if (range.low >= range.high)
          return failed(where, "numeric range lower bound must be below its upper bound");
        next = 4;
      }
    } else {
      return failed(where, "unknown numeric operator '" + op + "' (use =, <, <=, > or >=)");
    }
    if (items.size() > next)
      return failed(where, "too many elements in numeric expression");
    return true;
  }

  static match_tree build_tree(const sub_rule& rule) {
    match_tree tree;
    tree.nodes.emplace_back();
    for (const auto& [path, leaf] : rule.leaves) {
      std::size_t node = 0;
      for (std::size_t depth = 0; depth < path.size(); ++depth) {
        auto& children = tree.nodes[node].children;
        auto it = std::find_if(children.begin(), children.end(),
                               [&](const auto& c) { return c.key == path[depth]; });
        std::size_t index;
        if (it == children.end()) {
          children.push_back(match_node::child{path[depth], nullptr, -1});
          index = children.size() - 1;
        } else {
          index = static_cast<std::size_t>(it - children.begin());
        }
        if (depth + 1 == path.size()) {
          tree.nodes[node].children[index].leaf = leaf.get();
          break;
        }
        int sub = tree.nodes[node].children[index].sub;
        if (sub < 0) {
          sub = static_cast<int>(tree.nodes.size());
          tree.nodes[node].children[index].sub = sub;
          tree.nodes.emplace_back();
        }
        node = static_cast<std::size_t>(sub);
      }
    }
    // Children always come after their parent, so one backward pass settles absence.
    for (std::size_t i = tree.nodes.size(); i-- > 0;) {
      auto& node = tree.nodes[i];
      node.accepts_absent = true;
      for (const auto& c : node.children) {
        if (c.leaf && !c.leaf->absent_ok)
          node.accepts_absent = false;
        if (c.sub >= 0 && !tree.nodes[static_cast<std::size_t>(c.sub)].accepts_absent)
          node.accepts_absent = false;
      }
    }
    return tree;
  }

  std::string base_;
  std::vector<sub_rule> rules_;
  caf::error error_;
};

} // namespace

caf::expected<pattern> pattern::compile(simdjson::dom::element json, std::string_view path) {
  compiler c{path};
  auto prog = c.run(json);
  if (!prog)
    return std::move(prog.error());
  pattern result;
  result.program_ = std::make_shared<const pattern_program>(std::move(*prog));
  return result;
}

caf::expected<pattern> pattern::compile(std::string_view json, std::string_view path) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded{json};
  auto doc = parser.parse(padded);
  if (doc.error()) {
    compiler c{path};
    return c.fail(std::string{path},
                  std::string{"is not valid JSON ("} + simdjson::error_message(doc.error()) + ")");
  }
  return compile(doc.value_unsafe(), path);
}

} // namespace switchboard
