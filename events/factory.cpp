#include "events/factory.hpp"

#include <cmath>
#include <ctime>
#include <initializer_list>

#include <boost/json/value.hpp>

#include "events/json_writer.hpp"

namespace switchboard {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

caf::error invalid(std::string_view creator, std::string msg) {
  return caf::make_error(event_errc::invalid_value,
                         std::string{creator} + ": " + std::move(msg));
}

// Checks `value` against the allowed names and returns `prefix + value + suffix`.
caf::expected<std::string> pick(std::string_view creator, std::string_view what,
                                std::string_view value,
                                std::initializer_list<std::string_view> allowed,
                                std::string_view prefix, std::string_view suffix) {
  for (auto a : allowed)
    if (a == value)
      return std::string{prefix} + std::string{value} + std::string{suffix};
  std::string list;
  for (auto a : allowed) {
    if (!list.empty())
      list += ", ";
    list += a;
  }
  return invalid(creator, std::string{what} + " must be one of " + list + ", not '"
                            + std::string{value} + "'");
}

caf::error require(std::string_view creator, std::string_view name, std::string_view value) {
  if (value.empty())
    return invalid(creator, std::string{name} + " must not be empty");
  return {};
}

} // namespace

std::string new_event_id() {
  auto hi = rng()();
  auto lo = rng()();
  // Version 4 and the RFC 4122 variant bits.
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t word, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23)
        ++pos;
      out[pos++] = hex[(word >> (i * 4)) & 0xF];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

std::string iso_timestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string iso_timestamp_now() {
  // Formatting dominates when many events are made per millisecond; reuse the text.
  using namespace std::chrono;
  thread_local int64_t last_ms = -1;
  thread_local std::string last_text;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count();
  if (ms != last_ms) {
    last_ms = ms;
    last_text = iso_timestamp(now);
  }
  return last_text;
}

event_factory::event_factory(std::string source) : source_(std::move(source)) {
  // nop
}

void event_factory::derive_from(const event* parent) {
  if (parent == nullptr) {
    derived_correlation_.clear();
    derived_hops_ = 0;
    return;
  }
  auto cid = parent->correlation_id();
  derived_correlation_.assign(cid.empty() ? parent->event_id() : cid);
  derived_hops_ = parent->hops() + 1;
}

caf::expected<event_ptr> event_factory::create(std::string_view event_type,
                                               boost::json::object data,
                                               boost::json::object metadata,
                                               std::string_view correlation_id,
                                               std::string_view source) {
  if (correlation_id.empty())
    correlation_id = derived_correlation_;
  if (derived_hops_ > 0 && !metadata.contains("hops"))
    metadata["hops"] = derived_hops_;
  std::string out;
  out.reserve(256);
  out += "{\"event_id\":";
  write_json_string(out, new_event_id());
  out += ",\"event_type\":";
  write_json_string(out, event_type);
  out += ",\"timestamp\":";
  write_json_string(out, iso_timestamp_now());
  out += ",\"source\":";
  write_json_string(out, source.empty() ? std::string_view{source_} : source);
  out += ",\"correlation_id\":";
  if (correlation_id.empty())
    out += "null";
  else
    write_json_string(out, correlation_id);
  out += ",\"version\":\"1.0\",\"data\":";
  write_json(out, boost::json::value(std::move(data)));
  out += ",\"metadata\":";
  write_json(out, boost::json::value(std::move(metadata)));
  out.push_back('}');
  return codec_.decode(std::move(out));
}

caf::expected<event_ptr>
event_factory::create_document_event(std::string_view document_id, std::string_view action,
                                     std::string_view status, std::string_view file_path,
                                     std::string_view source, boost::json::object extra) {
  constexpr std::string_view creator = "create_document_event";
  auto type = pick(creator, "action", action, {"uploaded", "processed", "analyzed"},
                   "document_", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "document_id", document_id))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  if (auto err = require(creator, "file_path", file_path))
    return err;
  extra["document_id"] = document_id;
  extra["status"] = status;
  extra["file_path"] = file_path;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_task_event(std::string_view task_id, std::string_view action,
                                 std::string_view task_type, std::string_view status,
                                 std::string_view source, boost::json::object extra) {
  constexpr std::string_view creator = "create_task_event";
  auto type = pick(creator, "action", action, {"created", "started", "completed", "failed"},
                   "task_", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "task_id", task_id))
    return err;
  if (auto err = require(creator, "task_type", task_type))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra["task_id"] = task_id;
  extra["task_type"] = task_type;
  extra["status"] = status;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_agent_event(std::string_view agent_id, std::string_view action,
                                  std::string_view agent_type, std::string_view status,
                                  std::string_view source, boost::json::object extra) {
  constexpr std::string_view creator = "create_agent_event";
  auto type = pick(creator, "action", action,
                   {"task_started", "task_completed", "error", "health"}, "agent_", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "agent_id", agent_id))
    return err;
  if (auto err = require(creator, "agent_type", agent_type))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra["agent_id"] = agent_id;
  extra["agent_type"] = agent_type;
  extra["status"] = status;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_analytics_event(std::string_view kind, std::string_view metric_name,
                                      double value, std::string_view source,
                                      boost::json::object extra) {
  constexpr std::string_view creator = "create_analytics_event";
  auto type = pick(creator, "kind", kind, {"metrics", "performance_data", "system_stats"},
                   "", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "metric_name", metric_name))
    return err;
  if (!std::isfinite(value))
    return invalid(creator, "value must be a finite number");
  extra["metric_name"] = metric_name;
  extra["value"] = value;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr> event_factory::create_notification_event(
  std::string_view kind, std::string_view recipient, std::string_view title,
  std::string_view message, std::string_view severity, std::string_view source,
  boost::json::object extra) {
  constexpr std::string_view creator = "create_notification_event";
  auto type = pick(creator, "kind", kind, {"user_notification", "alert", "system_update"},
                   "", "");
  if (!type)
    return type.error();
  auto sev = pick(creator, "severity", severity, {"info", "warning", "error", "critical"},
                  "", "");
  if (!sev)
    return sev.error();
  if (auto err = require(creator, "recipient", recipient))
    return err;
  if (auto err = require(creator, "title", title))
    return err;
  extra["recipient"] = recipient;
  extra["title"] = title;
  extra["message"] = message;
  extra["severity"] = severity;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_quality_event(std::string_view check_id, std::string_view action,
                                    std::string_view target_id, double score,
                                    std::string_view source, boost::json::object extra) {
  constexpr std::string_view creator = "create_quality_event";
  auto type = pick(creator, "action", action, {"started", "passed", "failed"},
                   "quality_check_", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "check_id", check_id))
    return err;
  if (auto err = require(creator, "target_id", target_id))
    return err;
  if (!(score >= 0.0 && score <= 1.0))
    return invalid(creator, "score must be between 0 and 1");
  extra["check_id"] = check_id;
  extra["target_id"] = target_id;
  extra["score"] = score;
  return create(*type, std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_business_insight_event(std::string_view insight_type,
                                             std::string_view summary, double confidence,
                                             std::string_view source,
                                             boost::json::object extra) {
  constexpr std::string_view creator = "create_business_insight_event";
  if (auto err = require(creator, "insight_type", insight_type))
    return err;
  if (auto err = require(creator, "summary", summary))
    return err;
  if (!(confidence >= 0.0 && confidence <= 1.0))
    return invalid(creator, "confidence must be between 0 and 1");
  extra["insight_type"] = insight_type;
  extra["summary"] = summary;
  extra["confidence"] = confidence;
  return create("insight_generated", std::move(extra), {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_system_health_event(std::string_view kind, std::string_view component,
                                          std::string_view status, std::string_view source,
                                          boost::json::object extra) {
  constexpr std::string_view creator = "create_system_health_event";
  auto type = pick(creator, "kind", kind,
                   {"component_health", "performance_metrics", "alert_event"}, "", "");
  if (!type)
    return type.error();
  if (auto err = require(creator, "component", component))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra["component"] = component;
  extra["status"] = status;
  return create(*type, std::move(extra), {}, {}, source);
}

} // namespace switchboard
