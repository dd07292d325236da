#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "routes/pattern.hpp"
#include "routes/pattern_program.hpp"

namespace switchboard {

namespace {

namespace pv = pattern_values;
using simdjson::dom::element;
using simdjson::dom::element_type;

using id_list = std::vector<uint32_t>;

/// Patterns of one kind keyed by their literal text, probed at each distinct length:
/// the cost per value grows with the number of lengths, not of patterns.
class affix_index {
public:
  void add(std::string_view text, uint32_t id) {
    by_text_[text].push_back(id);
    if (std::find(lengths_.begin(), lengths_.end(), text.size()) == lengths_.end()) {
      lengths_.push_back(text.size());
      std::sort(lengths_.begin(), lengths_.end());
    }
  }

  bool empty() const noexcept {
    return lengths_.empty();
  }

  template <class F>
  void for_prefixes(std::string_view value, F&& f) const {
    for (auto len : lengths_) {
      if (len > value.size())
        break;
      if (auto it = by_text_.find(value.substr(0, len)); it != by_text_.end())
        for (auto id : it->second)
          f(id);
    }
  }

  template <class F>
  void for_suffixes(std::string_view value, F&& f) const {
    for (auto len : lengths_) {
      if (len > value.size())
        break;
      if (auto it = by_text_.find(value.substr(value.size() - len)); it != by_text_.end())
        for (auto id : it->second)
          f(id);
    }
  }

private:
  std::vector<std::size_t> lengths_;
  std::unordered_map<std::string_view, id_list> by_text_;
};

/// Everything the patterns test at one field path, indexed by value.
struct value_index {
  std::unordered_map<std::string_view, id_list> exact;
  std::unordered_map<std::string_view, id_list> equals_ic;
  std::unordered_map<int64_t, id_list> numbers;
  std::vector<std::pair<const pv::json_number*, uint32_t>> other_numbers;
  id_list is_true;
  id_list is_false;
  id_list is_null;
  id_list exists;
  affix_index prefix;
  affix_index prefix_ic;
  affix_index suffix;
  affix_index suffix_ic;
  /// Wildcards, found through the literal text before their first star.
  std::vector<std::pair<const pv::wildcard*, uint32_t>> wildcards;
  affix_index wildcard_lead;
  std::vector<std::pair<const numeric_range*, uint32_t>> ranges;
  std::vector<std::pair<const pv::ip_range*, uint32_t>> ips;
  std::vector<std::pair<const leaf_alternative*, uint32_t>> anything_buts;
  bool needs_fold = false;
};

/// Up to the first eight bytes of a key, zero-filled: one integer compare rejects
/// almost every non-matching key.
uint64_t key_head(std::string_view key) noexcept {
  uint64_t head = 0;
  std::memcpy(&head, key.data(), std::min<std::size_t>(key.size(), sizeof(head)));
  return head;
}

/// A labelled edge of the field-path trie.
struct trie_edge {
  uint64_t head;
  std::string key;
  uint32_t target;
};

/// A node of the field-path trie shared by all patterns.
struct trie_node {
  std::vector<trie_edge> children;
  /// Lookup for nodes with many children; views into `children`.
  std::unordered_map<std::string_view, uint32_t> lookup;
  int index = -1;
};

/// Per-thread work space, so matching allocates nothing once warm.
struct scratch {
  std::vector<uint32_t> constraint_stamp;
  std::vector<uint32_t> rule_stamp;
  std::vector<uint32_t> rule_count;
  std::vector<uint32_t> pattern_stamp;
  std::vector<uint32_t> candidates;
  std::string fold;
  uint32_t epoch = 0;
  bool crossed = false;

  void prepare(std::size_t constraints, std::size_t rules, std::size_t patterns) {
    auto grow = [](std::vector<uint32_t>& v, std::size_t n) {
      if (v.size() < n)
        v.resize(n, 0);
    };
    grow(constraint_stamp, constraints);
    grow(rule_stamp, rules);
    grow(rule_count, rules);
    grow(pattern_stamp, patterns);
    if (++epoch == 0) {
      for (auto* v : {&constraint_stamp, &rule_stamp, &pattern_stamp})
        std::fill(v->begin(), v->end(), 0);
      epoch = 1;
    }
    candidates.clear();
    crossed = false;
  }
};

scratch& thread_scratch() {
  thread_local scratch s;
  return s;
}

constexpr std::size_t lookup_threshold = 8;

} // namespace

struct pattern_set::impl {
  struct rule_info {
    uint32_t pattern;
    uint32_t needed;
  };

  std::vector<std::shared_ptr<const pattern_program>> programs;
  std::vector<trie_node> trie{1};
  std::vector<value_index> indexes;
  /// For each constraint (one leaf of one pattern), the sub-rules that need it.
  std::vector<id_list> constraint_rules;
  std::vector<rule_info> rules;
  /// Patterns checked directly on every event: `{}` and those using `exists: false`.
  id_list direct;

  uint32_t child(uint32_t node, std::string_view key) const {
    const auto& n = trie[node];
    if (!n.lookup.empty()) {
      auto it = n.lookup.find(key);
      return it == n.lookup.end() ? UINT32_MAX : it->second;
    }
    auto head = key_head(key);
    for (const auto& edge : n.children)
      if (edge.head == head && edge.key.size() == key.size()
          && (key.size() <= sizeof(head)
              || std::memcmp(edge.key.data() + sizeof(head), key.data() + sizeof(head),
                             key.size() - sizeof(head))
                   == 0))
        return edge.target;
    return UINT32_MAX;
  }

  value_index& index_at(const field_path& path) {
    uint32_t node = 0;
    for (const auto& key : path) {
      auto next = child(node, key);
      if (next == UINT32_MAX) {
        next = static_cast<uint32_t>(trie.size());
        trie.emplace_back();
        auto& n = trie[node];
        n.children.push_back(trie_edge{key_head(key), key, next});
        if (n.children.size() > lookup_threshold) {
          n.lookup.clear();
          for (const auto& edge : n.children)
            n.lookup.emplace(edge.key, edge.target);
        }
      }
      node = next;
    }
    if (trie[node].index < 0) {
      trie[node].index = static_cast<int>(indexes.size());
      indexes.emplace_back();
    }
    return indexes[static_cast<std::size_t>(trie[node].index)];
  }

  void register_leaf(value_index& idx, const leaf_spec& leaf, uint32_t cid) {
    idx.needs_fold |= leaf.needs_fold;
    for (const auto& alt : leaf.alternatives) {
      switch (alt.op) {
        case leaf_op::exact_string:
          idx.exact[alt.text].push_back(cid);
          break;
        case leaf_op::exact_number:
          if (alt.number.comparable)
            idx.numbers[alt.number.micros].push_back(cid);
          else
            idx.other_numbers.emplace_back(&alt.number, cid);
          break;
        case leaf_op::exact_true:
          idx.is_true.push_back(cid);
          break;
        case leaf_op::exact_false:
          idx.is_false.push_back(cid);
          break;
        case leaf_op::exact_null:
          idx.is_null.push_back(cid);
          break;
        case leaf_op::exact_ip:
        case leaf_op::cidr:
          idx.ips.emplace_back(&alt.ips, cid);
          break;
        case leaf_op::prefix:
          idx.prefix.add(alt.text, cid);
          break;
        case leaf_op::prefix_ic:
          idx.prefix_ic.add(alt.text, cid);
          break;
        case leaf_op::suffix:
          idx.suffix.add(alt.text, cid);
          break;
        case leaf_op::suffix_ic:
          idx.suffix_ic.add(alt.text, cid);
          break;
        case leaf_op::equals_ic:
          idx.equals_ic[alt.text].push_back(cid);
          break;
        case leaf_op::wildcard: {
          const auto& wc = alt.wildcards.front();
          idx.wildcard_lead.add(wc.lead(), static_cast<uint32_t>(idx.wildcards.size()));
          idx.wildcards.emplace_back(&wc, cid);
          break;
        }
        case leaf_op::numeric_range:
          idx.ranges.emplace_back(&alt.range, cid);
          break;
        case leaf_op::exists:
          idx.exists.push_back(cid);
          break;
        case leaf_op::absent:
          // Patterns with absence are matched directly and never indexed.
          break;
        default:
          idx.anything_buts.emplace_back(&alt, cid);
      }
    }
  }

  void hit(scratch& s, uint32_t cid) const {
    if (s.constraint_stamp[cid] == s.epoch)
      return;
    s.constraint_stamp[cid] = s.epoch;
    for (auto rid : constraint_rules[cid]) {
      if (s.rule_stamp[rid] != s.epoch) {
        s.rule_stamp[rid] = s.epoch;
        s.rule_count[rid] = 0;
      }
      if (++s.rule_count[rid] == rules[rid].needed)
        s.candidates.push_back(rules[rid].pattern);
    }
  }

  void hit_all(scratch& s, const id_list& ids) const {
    for (auto id : ids)
      hit(s, id);
  }

  void hit_string(scratch& s, const value_index& idx, element value) const {
    auto text = value.get_string().value_unsafe();
    auto on_hit = [&](uint32_t id) { hit(s, id); };
    if (auto it = idx.exact.find(text); it != idx.exact.end())
      hit_all(s, it->second);
    idx.prefix.for_prefixes(text, on_hit);
    idx.suffix.for_suffixes(text, on_hit);
    std::string_view folded;
    if (idx.needs_fold) {
      s.fold.clear();
      pv::case_fold(text, s.fold);
      folded = s.fold;
      if (auto it = idx.equals_ic.find(folded); it != idx.equals_ic.end())
        hit_all(s, it->second);
      idx.prefix_ic.for_prefixes(folded, on_hit);
      idx.suffix_ic.for_suffixes(folded, on_hit);
    }
    idx.wildcard_lead.for_prefixes(text, [&](uint32_t w) {
      const auto& [wc, cid] = idx.wildcards[w];
      if (wc->matches(text))
        hit(s, cid);
    });
    if (!idx.ips.empty()) {
      if (auto ip = pv::parse_ip(text))
        for (const auto& [range, cid] : idx.ips)
          if (range->contains(*ip))
            hit(s, cid);
    }
    for (const auto& [alt, cid] : idx.anything_buts)
      if (pattern_detail::test_alternative(*alt, value, folded))
        hit(s, cid);
  }

  void hit_number(scratch& s, const value_index& idx, element value) const {
    auto n = pv::json_number::from(value);
    if (n->comparable) {
      if (auto it = idx.numbers.find(n->micros); it != idx.numbers.end())
        hit_all(s, it->second);
      for (const auto& [range, cid] : idx.ranges)
        if (range->contains(n->micros))
          hit(s, cid);
    } else {
      for (const auto& [number, cid] : idx.other_numbers)
        if (pv::same_number(*n, *number))
          hit(s, cid);
    }
    for (const auto& [alt, cid] : idx.anything_buts)
      if (pattern_detail::test_alternative(*alt, value, {}))
        hit(s, cid);
  }

  void hit_value(scratch& s, const value_index& idx, element value) const {
    switch (value.type()) {
      case element_type::STRING:
        hit_string(s, idx, value);
        break;
      case element_type::INT64:
      case element_type::UINT64:
      case element_type::DOUBLE:
        hit_number(s, idx, value);
        break;
      case element_type::BOOL:
        hit_all(s, value.get_bool().value_unsafe() ? idx.is_true : idx.is_false);
        for (const auto& [alt, cid] : idx.anything_buts)
          hit(s, cid);
        break;
      default:
        hit_all(s, idx.is_null);
        for (const auto& [alt, cid] : idx.anything_buts)
          hit(s, cid);
    }
    hit_all(s, idx.exists);
  }

  void visit(scratch& s, uint32_t node, element value, bool in_array) const {
    const auto& n = trie[node];
    switch (value.type()) {
      case element_type::OBJECT:
        if (!n.children.empty()) {
          // Fields from different array elements must not combine; such events
          // get their candidates confirmed by the direct matcher.
          s.crossed |= in_array;
          walk(s, node, value.get_object().value_unsafe(), in_array);
        }
        break;
      case element_type::ARRAY: {
        simdjson::dom::array items = value.get_array().value_unsafe();
        for (auto item : items)
          visit(s, node, item, true);
        break;
      }
      default:
        if (n.index >= 0)
          hit_value(s, indexes[static_cast<std::size_t>(n.index)], value);
    }
  }

  void walk(scratch& s, uint32_t node, simdjson::dom::object obj, bool in_array) const {
    for (auto field : obj) {
      auto next = child(node, field.key);
      if (next != UINT32_MAX)
        visit(s, next, field.value, in_array);
    }
  }
};

pattern_set::pattern_set() : impl_(std::make_unique<impl>()) {
  // nop
}

pattern_set::~pattern_set() = default;

pattern_set::pattern_set(pattern_set&&) noexcept = default;

pattern_set& pattern_set::operator=(pattern_set&&) noexcept = default;

std::size_t pattern_set::add(const pattern& p) {
  auto& s = *impl_;
  auto id = static_cast<uint32_t>(s.programs.size());
  s.programs.push_back(p.program_);
  const auto& prog = *p.program_;
  if (prog.match_all || prog.uses_absence) {
    s.direct.push_back(id);
    return id;
  }
  std::unordered_map<const leaf_spec*, uint32_t> constraint_of;
  for (const auto& rule : prog.rules) {
    auto rid = static_cast<uint32_t>(s.rules.size());
    s.rules.push_back({id, static_cast<uint32_t>(rule.leaves.size())});
    for (const auto& [path, leaf] : rule.leaves) {
      auto [it, fresh] = constraint_of.emplace(leaf.get(), 0);
      if (fresh) {
        it->second = static_cast<uint32_t>(s.constraint_rules.size());
        s.constraint_rules.emplace_back();
        s.register_leaf(s.index_at(path), *leaf, it->second);
      }
      s.constraint_rules[it->second].push_back(rid);
    }
  }
  return id;
}

std::size_t pattern_set::size() const noexcept {
  return impl_->programs.size();
}

void pattern_set::match(simdjson::dom::element event, std::vector<std::size_t>& out) const {
  const auto& set = *impl_;
  auto& s = thread_scratch();
  s.prepare(set.constraint_rules.size(), set.rules.size(), set.programs.size());
  if (event.type() == element_type::OBJECT && !set.rules.empty())
    set.walk(s, 0, event.get_object().value_unsafe(), false);
  auto first = out.size();
  for (auto p : s.candidates) {
    if (s.pattern_stamp[p] == s.epoch)
      continue;
    s.pattern_stamp[p] = s.epoch;
    if (!s.crossed || pattern_detail::run_program(*set.programs[p], event))
      out.push_back(p);
  }
  for (auto p : set.direct)
    if (pattern_detail::run_program(*set.programs[p], event))
      out.push_back(p);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

} // namespace switchboard
