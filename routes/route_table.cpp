#include "routes/route_table.hpp"

#include <algorithm>
#include <array>
#include <numeric>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "events/types.hpp"

namespace switchboard {

namespace json = boost::json;

namespace {

constexpr int32_t no_filter = -1;

// Orders names by length first: most comparisons of a lookup end on the length, without
// comparing bytes (a topic lookup runs for every routed event).
bool shorter_or_less(std::string_view a, std::string_view b) noexcept {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

template <class Pairs>
auto find_sorted(Pairs& pairs, std::string_view key) -> decltype(&pairs.front().second) {
  auto it = std::lower_bound(pairs.begin(), pairs.end(), key,
                             [](const auto& p, std::string_view k) {
                               return shorter_or_less(p.first, k);
                             });
  if (it == pairs.end() || it->first != key)
    return nullptr;
  return &it->second;
}

// A rule that may fire for one (topic, event type) cell of the index.
struct candidate {
  uint32_t rule;
  // Position of the rule's filter in the cell's pattern_set, or no_filter.
  int32_t filter_slot;
  // The rule names types only by glob and the cell is for types not known in advance.
  bool needs_glob;
};

// All rules that may fire for one source topic and one event type, in rank order.
struct cell {
  std::vector<candidate> candidates;
  pattern_set filters;
};

// The cells of one source topic: one per event type a rule or a family names, one for
// every other type.
struct topic_cells {
  std::vector<std::pair<std::string, cell>> by_type; // sorted by type
  // Where in `by_type` each known kind's cell is: events of a family (nearly all) find
  // their cell without comparing names.
  std::array<uint32_t, known_event_kinds> by_kind{};
  cell other_types;

  // The cell of an event of `type` and `kind`, or null when no rule names the type.
  const cell* find(event_kind kind, std::string_view type) const noexcept {
    if (kind != event_kind::other)
      return &by_type[by_kind[static_cast<std::size_t>(kind)]].second;
    return find_sorted(by_type, type);
  }
};

bool has_glob(std::string_view s) noexcept {
  return s.find('*') != std::string_view::npos;
}

bool types_match(const route_rule& rule, std::string_view type) noexcept {
  if (rule.event_types.empty())
    return true;
  for (const auto& t : rule.event_types)
    if (has_glob(t) ? glob_match(t, type) : t == type)
      return true;
  return false;
}

bool listens_on(const route_rule& rule, const std::string* topic) {
  if (rule.source_topics.empty())
    return true;
  if (!topic)
    return false;
  return std::find(rule.source_topics.begin(), rule.source_topics.end(), *topic)
         != rule.source_topics.end();
}

void add_candidate(cell& c, const std::vector<route_rule>& rules, uint32_t idx,
                   bool needs_glob) {
  const auto& rule = rules[idx];
  int32_t slot = no_filter;
  if (!rule.filter.matches_all())
    slot = static_cast<int32_t>(c.filters.add(rule.filter));
  c.candidates.push_back(candidate{idx, slot, needs_glob});
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items)
    out.push_back(json::string{s});
  return out;
}

} // namespace

struct route_table::index {
  std::vector<std::pair<std::string, topic_cells>> by_topic; // sorted by topic
  topic_cells other_topics;
};

const pattern& match_all_pattern() {
  static const pattern all = *pattern::compile(std::string_view{"{}"});
  return all;
}

bool glob_match(std::string_view glob, std::string_view type) noexcept {
  // Iterative matching with one backtrack point: linear in practice, no recursion.
  std::size_t g = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (t < type.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      resume = t;
    } else if (g < glob.size() && glob[g] == type[t]) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*')
    ++g;
  return g == glob.size();
}

route_table::route_table() : route_table(std::vector<route_rule>{}) {
  // nop
}

route_table::route_table(std::vector<route_rule> rules)
  : rules_(std::move(rules)), index_(std::make_unique<index>()) {
  // Rank: descending priority, ties in config order; disabled rules never enter.
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < rules_.size(); ++i)
    if (rules_[i].enabled)
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    return rules_[a].priority > rules_[b].priority;
  });
  // Every event type a cell is precomputed for: the known families plus the exact
  // names rules use; other types go to the `other_types` cell.
  std::vector<std::string> types;
  for (auto t : all_event_types())
    types.emplace_back(t);
  std::vector<std::string> topics;
  for (const auto& rule : rules_) {
    for (const auto& t : rule.event_types)
      if (!has_glob(t))
        types.push_back(t);
    for (const auto& t : rule.source_topics)
      topics.push_back(t);
  }
  auto unique_sorted = [](std::vector<std::string>& v) {
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
      return shorter_or_less(a, b);
    });
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  unique_sorted(types);
  unique_sorted(topics);
  auto build = [&](topic_cells& tc, const std::string* topic) {
    tc.by_type.reserve(types.size());
    for (const auto& type : types) {
      cell c;
      for (auto idx : order)
        if (listens_on(rules_[idx], topic) && types_match(rules_[idx], type))
          add_candidate(c, rules_, idx, false);
      tc.by_type.emplace_back(type, std::move(c));
    }
    for (std::size_t k = 0; k < known_event_kinds; ++k) {
      auto name = to_string(static_cast<event_kind>(k));
      auto at = std::lower_bound(tc.by_type.begin(), tc.by_type.end(), name,
                                 [](const auto& p, std::string_view n) {
                                   return shorter_or_less(p.first, n);
                                 });
      tc.by_kind[k] = static_cast<uint32_t>(at - tc.by_type.begin());
    }
    for (auto idx : order) {
      const auto& rule = rules_[idx];
      if (!listens_on(rule, topic))
        continue;
      bool any_type = rule.event_types.empty();
      bool globbed = std::any_of(rule.event_types.begin(), rule.event_types.end(),
                                 [](const std::string& t) { return has_glob(t); });
      if (any_type || globbed)
        add_candidate(tc.other_types, rules_, idx, !any_type);
    }
  };
  index_->by_topic.reserve(topics.size());
  for (const auto& topic : topics) {
    topic_cells tc;
    build(tc, &topic);
    index_->by_topic.emplace_back(topic, std::move(tc));
  }
  build(index_->other_topics, nullptr);
}

route_table::route_table(route_table&&) noexcept = default;
route_table& route_table::operator=(route_table&&) noexcept = default;
route_table::~route_table() = default;

void route_table::evaluate(const event_ptr& ev, std::string_view topic, route_result& out,
                           route_env& env) const {
  out.clear();
  const auto* tc = find_sorted(index_->by_topic, topic);
  if (!tc)
    tc = &index_->other_topics;
  auto type = ev->event_type();
  const auto* c = tc->find(ev->kind(), type);
  if (!c)
    c = &tc->other_types;
  if (c->candidates.empty()) {
    out.unmatched = true;
    return;
  }
  auto& matches = out.matches_;
  matches.clear();
  if (c->filters.size() > 0)
    c->filters.match(ev->root(), matches);
  std::size_t next_match = 0;
  for (const auto& cand : c->candidates) {
    if (cand.filter_slot != no_filter) {
      auto slot = static_cast<std::size_t>(cand.filter_slot);
      while (next_match < matches.size() && matches[next_match] < slot)
        ++next_match;
      if (next_match == matches.size() || matches[next_match] != slot)
        continue;
    }
    const auto& rule = rules_[cand.rule];
    if (cand.needs_glob && !types_match(rule, type))
      continue;
    if (rule.transforms.empty()) {
      out.deliveries.push_back(route_delivery{&rule, ev});
    } else {
      transform_context ctx{rule.name, env.dispatcher_id, env.clock ? &env.clock : nullptr};
      auto transformed = rule.transforms.apply(*ev, ctx, env.dec);
      if (transformed)
        out.deliveries.push_back(route_delivery{&rule, std::move(*transformed)});
      else
        out.failures.push_back(route_failure{&rule, std::move(transformed.error())});
    }
    if (rule.final)
      break;
  }
  out.unmatched = out.deliveries.empty() && out.failures.empty();
}

const route_rule* route_table::find(std::string_view name) const noexcept {
  for (const auto& rule : rules_)
    if (rule.name == name)
      return &rule;
  return nullptr;
}

json::array route_table::to_json() const {
  json::array out;
  for (const auto& rule : rules_) {
    json::object obj;
    obj["name"] = rule.name;
    if (!rule.description.empty())
      obj["description"] = rule.description;
    obj["source_topics"] = string_array(rule.source_topics);
    obj["target_topics"] = string_array(rule.target_topics);
    obj["event_types"] = string_array(rule.event_types);
    boost::system::error_code ec;
    auto filter = json::parse(rule.filter_json, ec);
    obj["filters"] = ec ? json::value{json::object{}} : std::move(filter);
    obj["transformations"] = rule.transforms.spec();
    obj["priority"] = rule.priority;
    obj["enabled"] = rule.enabled;
    obj["final"] = rule.final;
    out.push_back(std::move(obj));
  }
  return out;
}

} // namespace switchboard
