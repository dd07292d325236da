#include "routes/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "routes/route_table.hpp"

namespace switchboard {

namespace dom = simdjson::dom;

namespace {

const char* type_name(dom::element_type t) noexcept {
  switch (t) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string{s} + "'";
}

// Collects every problem found, one line each, `path: message`.
class diagnostics {
public:
  void error(const std::string& path, const std::string& msg) {
    lines_.push_back(path + ": " + msg);
  }

  // Adds the lines of an error that already names its paths.
  void merge(const caf::error& err) {
    std::istringstream in{error_text(err)};
    std::string line;
    while (std::getline(in, line))
      if (!line.empty())
        lines_.push_back(line);
  }

  bool empty() const noexcept {
    return lines_.empty();
  }

  std::size_t count() const noexcept {
    return lines_.size();
  }

  std::string text() const {
    std::string out;
    for (const auto& line : lines_) {
      if (!out.empty())
        out.push_back('\n');
      out += line;
    }
    return out;
  }

private:
  std::vector<std::string> lines_;
};

std::string member_path(const std::string& base, std::string_view key) {
  return base.empty() ? std::string{key} : base + "." + std::string{key};
}

std::string item_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// Parses `30`, `"30s"`, `"500ms"`, `"2m"`, `"1h"` into seconds; false when not one.
bool parse_duration(std::string_view text, double& seconds) {
  std::size_t pos = 0;
  while (pos < text.size()
         && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.'))
    ++pos;
  if (pos == 0)
    return false;
  std::string number{text.substr(0, pos)};
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size())
    return false;
  auto unit = text.substr(pos);
  if (unit == "ms")
    value /= 1000;
  else if (unit == "s" || unit.empty())
    ; // seconds already
  else if (unit == "m")
    value *= 60;
  else if (unit == "h")
    value *= 3600;
  else
    return false;
  seconds = value;
  return true;
}

// Reads one JSON object: knows its allowed keys, reports unknown and duplicate keys
// once, and reads typed members, reporting each problem under its path.
class object_reader {
public:
  object_reader(dom::element el, std::string path, diagnostics& diag,
                std::initializer_list<std::string_view> keys)
    : path_(std::move(path)), diag_(diag) {
    if (el.get_object().get(obj_)) {
      diag_.error(path_.empty() ? "config" : path_,
                  std::string{"must be an object, not "} + type_name(el.type()));
      return;
    }
    ok_ = true;
    std::set<std::string_view> seen;
    for (auto field : obj_) {
      if (std::find(keys.begin(), keys.end(), field.key) == keys.end()) {
        std::string known;
        for (auto k : keys)
          known += (known.empty() ? "" : ", ") + std::string{k};
        diag_.error(member_path(path_, field.key), "unknown key (known: " + known + ")");
      } else if (!seen.insert(field.key).second) {
        diag_.error(member_path(path_, field.key), "duplicate key");
      }
    }
  }

  bool ok() const noexcept {
    return ok_;
  }

  const std::string& path() const noexcept {
    return path_;
  }

  std::string path(std::string_view key) const {
    return member_path(path_, key);
  }

  diagnostics& diag() noexcept {
    return diag_;
  }

  // The member `key`, if present.
  bool get(std::string_view key, dom::element& out) const {
    return ok_ && !obj_.at_key(key).get(out);
  }

  // A required member; reports `missing` when absent.
  bool require(std::string_view key, dom::element& out) {
    if (!ok_)
      return false;
    if (get(key, out))
      return true;
    diag_.error(path(key), "missing");
    return false;
  }

  void string(std::string_view key, std::string& out, bool required = false,
              bool non_empty = false) {
    dom::element el;
    if (!(required ? require(key, el) : get(key, el)))
      return;
    read_string(el, path(key), out, non_empty);
  }

  bool read_string(dom::element el, const std::string& where, std::string& out,
                   bool non_empty) {
    std::string_view s;
    if (el.get_string().get(s)) {
      diag_.error(where, std::string{"must be a string, not "} + type_name(el.type()));
      return false;
    }
    if (non_empty && s.empty()) {
      diag_.error(where, "must not be empty");
      return false;
    }
    out = std::string{s};
    return true;
  }

  // A list of non-empty strings.
  void strings(std::string_view key, std::vector<std::string>& out, bool required = false,
               bool non_empty_list = false) {
    dom::element el;
    if (!(required ? require(key, el) : get(key, el)))
      return;
    auto where = path(key);
    dom::array arr;
    if (el.get_array().get(arr)) {
      diag_.error(where, std::string{"must be an array of strings, not "} + type_name(el.type()));
      return;
    }
    if (non_empty_list && arr.size() == 0) {
      diag_.error(where, "must not be empty");
      return;
    }
    out.clear();
    std::size_t i = 0;
    for (auto item : arr) {
      std::string s;
      if (read_string(item, item_path(where, i++), s, true))
        out.push_back(std::move(s));
    }
  }

  void boolean(std::string_view key, bool& out) {
    dom::element el;
    if (!get(key, el))
      return;
    if (el.get_bool().get(out))
      diag_.error(path(key), std::string{"must be true or false, not "} + type_name(el.type()));
  }

  template <class Int>
  void integer(std::string_view key, Int& out, int64_t min) {
    dom::element el;
    if (!get(key, el))
      return;
    int64_t v = 0;
    if (el.get_int64().get(v)) {
      diag_.error(path(key), el.is_number() ? std::string{"must be an integer"}
                                            : std::string{"must be an integer, not "}
                                                + type_name(el.type()));
      return;
    }
    if (v < min) {
      diag_.error(path(key), "must be at least " + std::to_string(min));
      return;
    }
    if (static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<Int>::max())
        && v > 0) {
      diag_.error(path(key), "must be at most " + std::to_string(std::numeric_limits<Int>::max()));
      return;
    }
    out = static_cast<Int>(v);
  }

  // A number; `positive` refuses zero too, otherwise only negatives are refused.
  void number(std::string_view key, double& out, bool required = false,
              bool check_sign = false, bool positive = false) {
    dom::element el;
    if (!(required ? require(key, el) : get(key, el)))
      return;
    double v = 0;
    if (el.get_double().get(v)) {
      diag_.error(path(key), std::string{"must be a number, not "} + type_name(el.type()));
      return;
    }
    if (check_sign && !sign_ok(key, v, positive))
      return;
    out = v;
  }

  // A duration in seconds: a number of seconds or a string such as "30s", "500ms", "2m".
  void duration(std::string_view key, double& seconds, bool positive = false) {
    dom::element el;
    if (!get(key, el))
      return;
    double v = 0;
    std::string_view text;
    if (!el.get_string().get(text)) {
      if (!text.empty() && text[0] == '-') {
        diag_.error(path(key), "must not be negative");
        return;
      }
      if (!parse_duration(text, v)) {
        diag_.error(path(key), in_quotes(text)
                                 + " is not a duration (a number of seconds, or a string "
                                   "such as \"30s\", \"500ms\", \"2m\", \"1h\")");
        return;
      }
    } else if (el.get_double().get(v)) {
      diag_.error(path(key), std::string{"must be a duration (seconds or \"30s\"), not "}
                               + type_name(el.type()));
      return;
    }
    if (sign_ok(key, v, positive))
      seconds = v;
  }

  // A string-to-string map; numbers and booleans are taken as their text.
  void string_map(std::string_view key, std::map<std::string, std::string>& out) {
    dom::element el;
    if (!get(key, el))
      return;
    dom::object obj;
    auto where = path(key);
    if (el.get_object().get(obj)) {
      diag_.error(where, std::string{"must be an object, not "} + type_name(el.type()));
      return;
    }
    for (auto field : obj) {
      std::string_view s;
      if (!field.value.get_string().get(s)) {
        out[std::string{field.key}] = std::string{s};
      } else if (field.value.is_number() || field.value.is_bool()) {
        std::string text;
        write_json(text, field.value);
        out[std::string{field.key}] = text;
      } else {
        diag_.error(member_path(where, field.key),
                    std::string{"must be a string, number or boolean, not "}
                      + type_name(field.value.type()));
      }
    }
  }

  // Calls `fn(element, path)` for each item of an array member.
  template <class F>
  void each(std::string_view key, F fn) {
    dom::element el;
    if (!get(key, el))
      return;
    auto where = path(key);
    dom::array arr;
    if (el.get_array().get(arr)) {
      diag_.error(where, std::string{"must be an array, not "} + type_name(el.type()));
      return;
    }
    std::size_t i = 0;
    for (auto item : arr)
      fn(item, item_path(where, i++));
  }

  // Calls `fn(element, path)` when the member is present.
  template <class F>
  void section(std::string_view key, F fn) {
    dom::element el;
    if (get(key, el))
      fn(el, path(key));
  }

private:
  bool sign_ok(std::string_view key, double v, bool positive) {
    if (std::isnan(v) || v < 0) {
      diag_.error(path(key), "must not be negative");
      return false;
    }
    if (positive && v == 0) {
      diag_.error(path(key), "must be greater than zero");
      return false;
    }
    return true;
  }

  std::string path_;
  diagnostics& diag_;
  dom::object obj_;
  bool ok_ = false;
};

// Checks that a name is unique within a list; reports where it appeared first.
class unique_names {
public:
  unique_names(const char* what) : what_(what) {
    // nop
  }

  void check(const std::string& name, const std::string& path, diagnostics& diag) {
    if (name.empty())
      return;
    auto [it, fresh] = first_.emplace(name, path);
    if (!fresh)
      diag.error(path, "duplicate " + std::string{what_} + " " + in_quotes(name) + " (first at "
                         + it->second + ")");
  }

private:
  const char* what_;
  std::map<std::string, std::string> first_;
};

bool valid_host_port(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size())
    return false;
  auto port = s.substr(colon + 1);
  if (port.size() > 5)
    return false;
  long n = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return false;
    n = n * 10 + (c - '0');
  }
  return n <= 65535;
}

void host_port(object_reader& r, std::string_view key, std::string& out) {
  r.string(key, out);
  if (!out.empty() && !valid_host_port(out))
    r.diag().error(r.path(key), in_quotes(out) + " is not HOST:PORT");
}

template <class T>
void one_of(object_reader& r, std::string_view key, const std::string& value,
            std::initializer_list<T> allowed) {
  for (auto a : allowed)
    if (value == a)
      return;
  std::string list;
  for (auto a : allowed)
    list += (list.empty() ? "" : ", ") + std::string{a};
  r.diag().error(r.path(key), in_quotes(value) + " is not one of " + list);
}

bool valid_event_type(std::string_view t) {
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '_' || c == '-' || c == '.' || c == '*';
  });
}

// -- sections -----------------------------------------------------------------

void parse_kafka(dom::element el, const std::string& path, diagnostics& diag,
                 kafka_config& out) {
  object_reader r{el, path, diag, {"brokers", "group_id", "consumer", "producer"}};
  r.string("brokers", out.brokers);
  r.string("group_id", out.group_id, false, true);
  r.string_map("consumer", out.consumer);
  r.string_map("producer", out.producer);
}

void parse_topics(dom::element el, const std::string& path, diagnostics& diag,
                  topics_config& out) {
  object_reader r{el, path, diag, {"input", "dead_letters", "unmatched", "partitions"}};
  r.strings("input", out.input);
  r.string("dead_letters", out.dead_letters, false, true);
  r.string("unmatched", out.unmatched);
  r.integer("partitions", out.partitions, 1);
}

route_rule parse_route(dom::element el, const std::string& path, diagnostics& diag) {
  route_rule rule;
  object_reader r{el,
                  path,
                  diag,
                  {"name", "description", "source_topics", "target_topics", "event_types",
                   "filters", "transformations", "priority", "enabled", "final"}};
  if (!r.ok())
    return rule;
  r.string("name", rule.name, true, true);
  r.string("description", rule.description);
  r.strings("source_topics", rule.source_topics);
  r.strings("target_topics", rule.target_topics, true, true);
  r.strings("event_types", rule.event_types);
  for (std::size_t i = 0; i < rule.event_types.size(); ++i)
    if (!valid_event_type(rule.event_types[i]))
      diag.error(item_path(r.path("event_types"), i),
                 in_quotes(rule.event_types[i])
                   + " is not an event type or glob (letters, digits, _ - . and *)");
  dom::element filters;
  if (r.get("filters", filters)) {
    auto compiled = pattern::compile(filters, r.path("filters"));
    if (compiled) {
      rule.filter = std::move(*compiled);
      rule.filter_json.clear();
      write_json(rule.filter_json, filters);
    } else {
      diag.merge(compiled.error());
    }
  }
  dom::element transforms;
  if (r.get("transformations", transforms)) {
    auto chain = transform_chain::compile(transforms, r.path("transformations"));
    if (chain)
      rule.transforms = std::move(*chain);
    else
      diag.merge(chain.error());
  }
  r.integer("priority", rule.priority, INT64_MIN);
  r.boolean("enabled", rule.enabled);
  r.boolean("final", rule.final);
  return rule;
}

std::shared_ptr<const route_table> parse_route_array(dom::element el, const std::string& path,
                                                     diagnostics& diag) {
  std::vector<route_rule> rules;
  dom::array arr;
  if (el.get_array().get(arr)) {
    diag.error(path, std::string{"must be an array of routes, not "} + type_name(el.type()));
    return std::make_shared<route_table>();
  }
  unique_names names{"route name"};
  std::size_t i = 0;
  for (auto item : arr) {
    auto where = item_path(path, i++);
    auto rule = parse_route(item, where, diag);
    names.check(rule.name, member_path(where, "name"), diag);
    rules.push_back(std::move(rule));
  }
  if (!diag.empty())
    return std::make_shared<route_table>();
  return std::make_shared<route_table>(std::move(rules));
}

alert_condition parse_condition(object_reader& r) {
  std::string text;
  r.string("condition", text, true, true);
  static constexpr std::pair<std::string_view, alert_condition> table[] = {
    {"gt", alert_condition::gt},   {"gte", alert_condition::gte}, {"lt", alert_condition::lt},
    {"lte", alert_condition::lte}, {"eq", alert_condition::eq},   {"ne", alert_condition::ne},
  };
  for (const auto& [name, cond] : table)
    if (name == text)
      return cond;
  // Missing, mistyped and empty values were reported by the read.
  if (!text.empty())
    one_of(r, "condition", text, {"gt", "gte", "lt", "lte", "eq", "ne"});
  return alert_condition::gt;
}

void parse_alert_rules(dom::element el, const std::string& path, diagnostics& diag,
                       std::vector<alert_rule_spec>& out) {
  dom::array arr;
  if (el.get_array().get(arr)) {
    diag.error(path, std::string{"must be an array of alert rules, not "} + type_name(el.type()));
    return;
  }
  unique_names names{"alert rule name"};
  std::size_t i = 0;
  for (auto item : arr) {
    auto where = item_path(path, i++);
    object_reader r{item,
                    where,
                    diag,
                    {"name", "metric", "condition", "threshold", "severity", "cooldown",
                     "for", "description"}};
    if (!r.ok())
      continue;
    alert_rule_spec rule;
    r.string("name", rule.name, true, true);
    names.check(rule.name, r.path("name"), diag);
    r.string("metric", rule.metric, true, true);
    rule.condition = parse_condition(r);
    r.number("threshold", rule.threshold, true);
    if (dom::element severity; r.get("severity", severity)) {
      r.string("severity", rule.severity);
      one_of(r, "severity", rule.severity, {"info", "warning", "error", "critical"});
    }
    r.duration("cooldown", rule.cooldown_seconds);
    r.duration("for", rule.for_seconds);
    r.string("description", rule.description);
    out.push_back(std::move(rule));
  }
}

// True when `size` is `slide` times a whole number (within rounding of durations).
bool whole_multiple(double size, double slide) {
  if (!(slide > 0))
    return true; // a bad slide is reported on its own
  auto ratio = size / slide;
  return std::abs(ratio - std::round(ratio)) <= 1e-9 * ratio;
}

void parse_processors(dom::element el, const std::string& path, diagnostics& diag,
                      processors_config& out) {
  object_reader r{el,
                  path,
                  diag,
                  {"batch_size", "max_inflight_batches", "restart_backoff",
                   "restart_backoff_max", "max_retries", "hop_limit", "heartbeat",
                   "heartbeat_timeout", "agents", "windows", "anomaly_z_threshold", "webhooks",
                   "dedupe_window", "breaker_failure_threshold", "breaker_open", "agent_service_min",
                   "agent_service_max", "agent_failure_probability", "agent_seed"}};
  if (!r.ok())
    return;
  r.integer("batch_size", out.batch_size, 1);
  r.integer("max_inflight_batches", out.max_inflight_batches, 1);
  out.max_inflight_configured = el["max_inflight_batches"].error() == simdjson::SUCCESS;
  double backoff = out.restart_backoff_ms / 1000;
  r.duration("restart_backoff", backoff, true);
  out.restart_backoff_ms = backoff * 1000;
  double backoff_max = out.restart_backoff_max_ms / 1000;
  r.duration("restart_backoff_max", backoff_max, true);
  out.restart_backoff_max_ms = backoff_max * 1000;
  if (out.restart_backoff_max_ms < out.restart_backoff_ms)
    diag.error(r.path("restart_backoff_max"), "must not be less than restart_backoff");
  r.integer("max_retries", out.max_retries, 0);
  r.integer("hop_limit", out.hop_limit, 1);
  r.duration("heartbeat", out.heartbeat_seconds, true);
  r.duration("heartbeat_timeout", out.heartbeat_timeout_seconds, true);
  r.number("anomaly_z_threshold", out.anomaly_z_threshold, false, true, true);
  r.duration("dedupe_window", out.dedupe_window_seconds);
  r.integer("breaker_failure_threshold", out.breaker_failure_threshold, 1);
  r.duration("breaker_open", out.breaker_open_seconds, true);
  r.duration("agent_service_min", out.agent_service_min_seconds);
  r.duration("agent_service_max", out.agent_service_max_seconds);
  if (out.agent_service_max_seconds < out.agent_service_min_seconds)
    diag.error(r.path("agent_service_max"), "must not be less than agent_service_min");
  r.number("agent_failure_probability", out.agent_failure_probability, false, true);
  if (out.agent_failure_probability > 1)
    diag.error(r.path("agent_failure_probability"), "must be at most 1");
  r.integer("agent_seed", out.agent_seed, 0);
  unique_names agent_ids{"agent id"};
  r.each("agents", [&](dom::element item, const std::string& where) {
    object_reader a{item, where, diag, {"id", "capabilities", "max_concurrency"}};
    if (!a.ok())
      return;
    agent_spec agent;
    a.string("id", agent.id, true, true);
    agent_ids.check(agent.id, a.path("id"), diag);
    a.strings("capabilities", agent.capabilities, true, true);
    a.integer("max_concurrency", agent.max_concurrency, 1);
    out.agents.push_back(std::move(agent));
  });
  r.each("windows", [&](dom::element item, const std::string& where) {
    object_reader w{item, where, diag, {"kind", "size", "slide", "gap"}};
    if (!w.ok())
      return;
    window_spec win;
    w.string("kind", win.kind, true);
    one_of(w, "kind", win.kind, {"tumbling", "sliding", "session"});
    w.duration("size", win.size_seconds, true);
    w.duration("slide", win.slide_seconds, true);
    w.duration("gap", win.gap_seconds, true);
    if (win.kind == "sliding" && win.slide_seconds > win.size_seconds)
      diag.error(w.path("slide"), "must not be longer than size");
    else if (win.kind == "sliding" && !whole_multiple(win.size_seconds, win.slide_seconds))
      diag.error(w.path("size"), "must be a whole multiple of slide");
    out.windows.push_back(std::move(win));
  });
  unique_names hook_names{"webhook name"};
  r.each("webhooks", [&](dom::element item, const std::string& where) {
    object_reader h{item, where, diag,
                    {"name", "url", "event_types", "max_retries", "timeout"}};
    if (!h.ok())
      return;
    webhook_spec hook;
    h.string("name", hook.name, true, true);
    hook_names.check(hook.name, h.path("name"), diag);
    h.string("url", hook.url, true, true);
    if (!hook.url.empty() && hook.url.rfind("http://", 0) != 0)
      diag.error(h.path("url"), in_quotes(hook.url) + " is not an http:// URL");
    h.strings("event_types", hook.event_types);
    h.integer("max_retries", hook.max_retries, 0);
    h.duration("timeout", hook.timeout_seconds, true);
    out.webhooks.push_back(std::move(hook));
  });
}

void parse_http(dom::element el, const std::string& path, diagnostics& diag, http_config& out) {
  object_reader r{el, path, diag, {"address", "enabled"}};
  host_port(r, "address", out.address);
  r.boolean("enabled", out.enabled);
}

void parse_cluster(dom::element el, const std::string& path, diagnostics& diag,
                   cluster_config& out) {
  object_reader r{el,
                  path,
                  diag,
                  {"listen", "join", "node_name", "processors", "heartbeat", "timeout"}};
  if (!r.ok())
    return;
  host_port(r, "listen", out.listen);
  r.strings("join", out.join);
  for (std::size_t i = 0; i < out.join.size(); ++i)
    if (!valid_host_port(out.join[i]))
      diag.error(item_path(r.path("join"), i), in_quotes(out.join[i]) + " is not HOST:PORT");
  r.string("node_name", out.node_name);
  r.strings("processors", out.processors);
  static constexpr std::string_view names[] = {"document", "task", "agent", "analytics",
                                               "notification"};
  for (std::size_t i = 0; i < out.processors.size(); ++i)
    if (std::find(std::begin(names), std::end(names), out.processors[i]) == std::end(names))
      diag.error(item_path(r.path("processors"), i),
                 in_quotes(out.processors[i])
                   + " is not one of document, task, agent, analytics, notification");
  r.duration("heartbeat", out.heartbeat_seconds, true);
  r.duration("timeout", out.timeout_seconds, true);
}

caf::error unreadable(std::string msg) {
  return caf::make_error(route_errc::unreadable_config, std::move(msg));
}

} // namespace

const char* to_string(alert_condition c) noexcept {
  switch (c) {
    case alert_condition::gt: return "gt";
    case alert_condition::gte: return "gte";
    case alert_condition::lt: return "lt";
    case alert_condition::lte: return "lte";
    case alert_condition::eq: return "eq";
    case alert_condition::ne: return "ne";
  }
  return "gt";
}

caf::expected<switchboard_config> parse_config(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size(), true).get(root))
    return unreadable(std::string{"not valid JSON: "} + simdjson::error_message(err));
  diagnostics diag;
  switchboard_config cfg;
  object_reader r{root,
                  "",
                  diag,
                  {"description", "kafka", "topics", "routes", "alert_rules", "processors",
                   "http", "cluster"}};
  if (!r.ok())
    return caf::make_error(route_errc::bad_config, diag.text());
  r.string("description", cfg.description);
  r.section("kafka", [&](dom::element el, const std::string& p) {
    parse_kafka(el, p, diag, cfg.kafka);
  });
  r.section("topics", [&](dom::element el, const std::string& p) {
    parse_topics(el, p, diag, cfg.topics);
  });
  cfg.routes = std::make_shared<route_table>();
  r.section("routes", [&](dom::element el, const std::string& p) {
    cfg.routes = parse_route_array(el, p, diag);
  });
  r.section("alert_rules", [&](dom::element el, const std::string& p) {
    parse_alert_rules(el, p, diag, cfg.alert_rules);
  });
  r.section("processors", [&](dom::element el, const std::string& p) {
    parse_processors(el, p, diag, cfg.processors);
  });
  r.section("http", [&](dom::element el, const std::string& p) {
    parse_http(el, p, diag, cfg.http);
  });
  r.section("cluster", [&](dom::element el, const std::string& p) {
    parse_cluster(el, p, diag, cfg.cluster);
  });
  if (!diag.empty())
    return caf::make_error(route_errc::bad_config, diag.text());
  return cfg;
}

caf::expected<std::shared_ptr<const route_table>> parse_routes(std::string_view json) {
  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(json.data(), json.size(), true).get(root))
    return unreadable(std::string{"not valid JSON: "} + simdjson::error_message(err));
  diagnostics diag;
  std::shared_ptr<const route_table> table;
  if (root.is_object()) {
    object_reader r{root, "", diag, {"routes"}};
    dom::element routes;
    if (r.require("routes", routes))
      table = parse_route_array(routes, "routes", diag);
  } else {
    table = parse_route_array(root, "routes", diag);
  }
  if (!diag.empty())
    return caf::make_error(route_errc::bad_config, diag.text());
  return table;
}

caf::expected<switchboard_config> load_config(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return unreadable("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return unreadable("cannot read " + path + ": " + std::strerror(errno));
  auto text = buf.str();
  auto cfg = parse_config(text);
  if (!cfg && cfg.error() == route_errc::unreadable_config)
    return unreadable(path + ": " + error_text(cfg.error()));
  return cfg;
}

} // namespace switchboard
