#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <caf/error.hpp>

#include "events/codec.hpp"
#include "events/event.hpp"
#include "routes/pattern.hpp"
#include "routes/transform.hpp"

namespace switchboard {

/// The pattern that matches every event (`{}`), compiled once.
const pattern& match_all_pattern();

/// One route rule, validated and compiled.
struct route_rule {
  /// Unique name.
  std::string name;
  /// Topics the rule listens on; empty means every topic.
  std::vector<std::string> source_topics;
  /// Topics a firing delivers to; never empty.
  std::vector<std::string> target_topics;
  /// Exact event types or `*` globs (`task_*`); empty means every type.
  std::vector<std::string> event_types;
  /// The filter over the whole envelope.
  pattern filter = match_all_pattern();
  /// The filter JSON as configured (`{}` when none), for the routes API.
  std::string filter_json = "{}";
  /// Transformations run in order on a copy of the event.
  transform_chain transforms;
  /// Higher priorities are evaluated first; ties keep config order.
  int64_t priority = 0;
  /// A disabled rule never fires.
  bool enabled = true;
  /// A firing final rule stops rules of lower rank.
  bool final = false;
  /// Free text for people reading the config.
  std::string description;
};

/// What a route table needs to run transformations: one per thread.
struct route_env {
  /// Re-reads transformed events.
  codec dec;
  /// Stamped into metadata by `add_routing_metadata`.
  std::string dispatcher_id = "dispatcher";
  /// The clock of the built-ins; empty means the system clock.
  clock_fn clock;
};

/// One firing rule: where the event goes.
struct route_delivery {
  /// The rule that fired; owned by the table, valid while the table lives.
  const route_rule* rule = nullptr;
  /// The original event when the rule has no transformations, else the transformed copy.
  event_ptr event;

  /// The topics to deliver to.
  const std::vector<std::string>& topics() const noexcept {
    return rule->target_topics;
  }
};

/// A rule that fired but whose transformations failed: a dead letter.
struct route_failure {
  /// The rule that fired.
  const route_rule* rule = nullptr;
  /// `transform_failed`, naming the route and the operation.
  caf::error error;
};

/// The outcome of routing one event; reuse one object to avoid allocations.
class route_result {
public:
  /// The firings that produced an event, in evaluation order.
  std::vector<route_delivery> deliveries;
  /// The firings whose transformations failed.
  std::vector<route_failure> failures;
  /// True when no rule fired.
  bool unmatched = false;

  /// Empties the result, keeping its capacity.
  void clear() noexcept {
    deliveries.clear();
    failures.clear();
    unmatched = false;
  }

private:
  friend class route_table;
  std::vector<std::size_t> matches_;
};

/// The compiled routes: evaluates an event against every rule through an index on
/// source topic and event type, with the candidates' filters in one `pattern_set`.
class route_table {
public:
  /// An empty table: every event is unmatched.
  route_table();

  /// Builds the index over validated rules (names unique, targets non-empty).
  explicit route_table(std::vector<route_rule> rules);

  route_table(route_table&&) noexcept;
  route_table& operator=(route_table&&) noexcept;
  ~route_table();

  /// Routes an event that arrived on `topic` into `out` (cleared first).
  ///
  /// Enabled rules whose source topics are empty or contain `topic` and whose
  /// event types and filter match fire by descending priority, ties in config order;
  /// a firing `final` rule stops the rest.
  void evaluate(const event_ptr& ev, std::string_view topic, route_result& out,
                route_env& env) const;

  /// The rules in config order.
  const std::vector<route_rule>& rules() const noexcept {
    return rules_;
  }

  /// The rule called `name`, or null.
  const route_rule* find(std::string_view name) const noexcept;

  /// Number of rules.
  std::size_t size() const noexcept {
    return rules_.size();
  }

  /// The rules in config form, in config order (the `routes` array).
  boost::json::array to_json() const;

private:
  struct index;

  std::vector<route_rule> rules_;
  std::unique_ptr<index> index_;
};

/// True when `type` matches `glob`, where `*` stands for any run of characters.
bool glob_match(std::string_view glob, std::string_view type) noexcept;

} // namespace switchboard
