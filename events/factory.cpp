#include "events/factory.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <random>

#include "events/json_writer.hpp"
#include "events/random_bits.hpp"

namespace switchboard {

namespace {

random_bits& rng() {
  thread_local random_bits gen{[] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }()};
  return gen;
}

caf::error invalid(std::string_view creator, std::string msg) {
  return caf::make_error(event_errc::invalid_value,
                         std::string{creator} + ": " + std::move(msg));
}

// Checks that `prefix + value` is one of the allowed `names` and returns that name.
caf::expected<std::string_view> pick(std::string_view creator, std::string_view what,
                                     std::string_view value,
                                     std::initializer_list<std::string_view> names,
                                     std::string_view prefix = {}) {
  // The names are literals, so the returned view outlives the call.
  for (auto name : names)
    if (name.size() == prefix.size() + value.size() && name.substr(prefix.size()) == value)
      return name;
  std::string list;
  for (auto name : names) {
    if (!list.empty())
      list += ", ";
    list += name.substr(prefix.size());
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

namespace {

// The eight lowercase hex digits of `v`, most significant first, as they lie in memory.
uint64_t hex_digits8(uint32_t v) noexcept {
  // One nibble per byte, the most significant nibble in the highest byte...
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  // ...then '0' + n, and 'a' - 10 + n where n > 9; no byte carries into the next.
  auto letters = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  x += 0x3030303030303030ULL + letters * ('a' - '0' - 10);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  x = __builtin_bswap64(x); // the first digit at the lowest address
#endif
  return x;
}

} // namespace

char* write_uuid_text(char* d, uint64_t hi, uint64_t lo) noexcept {
  // Digits eight at a time from words, ids being made for every event.
  auto a = hex_digits8(static_cast<uint32_t>(hi >> 32));
  auto b = hex_digits8(static_cast<uint32_t>(hi));
  auto c = hex_digits8(static_cast<uint32_t>(lo >> 32));
  auto e = hex_digits8(static_cast<uint32_t>(lo));
  const auto* bp = reinterpret_cast<const char*>(&b);
  const auto* cp = reinterpret_cast<const char*>(&c);
  std::memcpy(d, &a, 8);
  d[8] = '-';
  std::memcpy(d + 9, bp, 4);
  d[13] = '-';
  std::memcpy(d + 14, bp + 4, 4);
  d[18] = '-';
  std::memcpy(d + 19, cp, 4);
  d[23] = '-';
  std::memcpy(d + 24, cp + 4, 4);
  std::memcpy(d + 28, &e, 8);
  return d + 36;
}

char* write_event_id(char* d) noexcept {
  auto hi = rng()();
  auto lo = rng()();
  // Version 4 and the RFC 4122 variant bits.
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  return write_uuid_text(d, hi, lo);
}

void append_event_id(std::string& out) {
  char text[event_id_size];
  out.append(text, static_cast<std::size_t>(write_event_id(text) - text));
}

std::string new_event_id() {
  std::string out;
  append_event_id(out);
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

namespace {

// The text of now, formatted once per millisecond: formatting dominates when many
// events are made per millisecond. Valid on this thread until the next call.
const std::string& current_timestamp() {
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

} // namespace

std::string iso_timestamp_now() {
  return current_timestamp();
}

void append_iso_timestamp_now(std::string& out) {
  out += current_timestamp();
}

event_factory::event_factory(std::string source) : source_(std::move(source)) {
  // nop
}

const std::string& timestamp_source::text() {
  if (!time_)
    return current_timestamp();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time_->time_since_epoch())
              .count();
  if (ms != ms_) {
    ms_ = ms;
    text_ = iso_timestamp(*time_);
  }
  return text_;
}

caf::expected<event_ptr> event_factory::create(std::string_view event_type,
                                               const json_fields& data,
                                               const json_fields& metadata,
                                               std::string_view correlation_id,
                                               std::string_view source) {
  int64_t derived_hops = 0;
  if (parent_ != nullptr) {
    if (correlation_id.empty()) {
      correlation_id = parent_->correlation_id();
      if (correlation_id.empty())
        correlation_id = parent_->event_id();
    }
    derived_hops = parent_->hops() + 1;
  }
  if (source.empty())
    source = source_;
  bool add_hops = derived_hops > 0 && !metadata.contains("hops");
  const auto& now = time_.text();
  // The whole envelope goes into one reused buffer, written through a pointer: room
  // for the longest text the parts can make (the literal parts and a hop count take
  // under 192 bytes; a caller's string at most six bytes a byte escaped) is made first
  // and the text cut to its size at the end, with room to spare for the codec's padding.
  auto room = 192 + event_id_size + now.size()
              + 6 * (event_type.size() + source.size() + correlation_id.size())
              + data.text_size() + metadata.text_size();
  auto& out = text_;
  out.reserve(room + simdjson::SIMDJSON_PADDING);
  out.resize(room);
  char* d = out.data();
  auto put = [&](std::string_view text) {
    std::memcpy(d, text.data(), text.size());
    d += text.size();
  };
  auto since = [&](const char* at) {
    return std::string_view{at, static_cast<std::size_t>(d - at)};
  };
  // The parse is written with the text, so the codec need not parse what was just
  // written; a value whose parse is not kept (see json_fields::write_tape) means the
  // text is parsed after all.
  auto& tape = tape_;
  tape.begin_document();
  auto root = tape.begin_object();
  bool parse_known = true;
  auto member = [&](std::string_view key, std::string_view value) {
    tape.add_string(key);
    tape.add_string(value);
  };
  // A caller's string, quoted where the text has got to: escapes would make the text
  // longer than its bytes, and the parse would then need the text parsed.
  auto given = [&](std::string_view key, std::string_view value) {
    const char* at = d;
    d = write_json_string_to(d, value);
    parse_known = parse_known && static_cast<std::size_t>(d - at) == value.size() + 2;
    member(key, value);
  };
  put("{\"event_id\":\"");
  const char* at = d;
  d = write_event_id(d);
  member("event_id", since(at));
  put("\",\"event_type\":");
  given("event_type", event_type);
  put(",\"timestamp\":\"");
  at = d;
  put(now);
  member("timestamp", since(at));
  put("\",\"source\":");
  given("source", source);
  put(",\"correlation_id\":");
  if (correlation_id.empty()) {
    put("null");
    tape.add_string("correlation_id");
    tape.add_literal('n');
  } else {
    given("correlation_id", correlation_id);
  }
  put(",\"version\":\"1.0\",\"data\":");
  member("version", "1.0");
  d = data.write_to(d);
  tape.add_string("data");
  auto data_at = tape.begin_object();
  parse_known = parse_known && data.write_tape(tape);
  tape.end_object(data_at, data.size());
  put(",\"metadata\":");
  tape.add_string("metadata");
  auto metadata_at = tape.begin_object();
  parse_known = parse_known && metadata.write_tape(tape);
  d = metadata.write_to(d);
  if (add_hops) {
    // Appended as the last field, the place a set() of a new key would give it.
    --d; // its closing brace
    if (!metadata.empty())
      *d++ = ',';
    put("\"hops\":");
    d = std::to_chars(d, d + 24, derived_hops).ptr;
    *d++ = '}';
    tape.add_string("hops");
    tape.add_integer(derived_hops);
  }
  tape.end_object(metadata_at, metadata.size() + (add_hops ? 1 : 0));
  *d++ = '}';
  out.resize(static_cast<std::size_t>(d - out.data()));
  tape.end_object(root, 8);
  tape.end_document();
  if (!parse_known || event_type.empty())
    return codec_.decode_or_keep(out); // the codec words what is wrong
  // Each value follows its key, the root object's word at 1: the codec need not look
  // for the envelope this wrote.
  envelope_places places;
  places.event_id = 3;
  places.event_type = 5;
  places.timestamp = 7;
  places.source = 9;
  places.correlation_id = 11;
  places.data = data_at;
  places.metadata = metadata_at;
  return codec_.decode_with_tape(out, tape, &places);
}

caf::expected<event_ptr>
event_factory::create_document_event(std::string_view document_id, std::string_view action,
                                     std::string_view status, std::string_view file_path,
                                     std::string_view source, json_fields extra) {
  constexpr std::string_view creator = "create_document_event";
  auto type = pick(creator, "action", action,
                   {"document_uploaded", "document_processed", "document_analyzed"},
                   "document_");
  if (!type)
    return type.error();
  if (auto err = require(creator, "document_id", document_id))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  if (auto err = require(creator, "file_path", file_path))
    return err;
  extra.set("document_id", document_id);
  extra.set("status", status);
  extra.set("file_path", file_path);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_task_event(std::string_view task_id, std::string_view action,
                                 std::string_view task_type, std::string_view status,
                                 std::string_view source, json_fields extra) {
  constexpr std::string_view creator = "create_task_event";
  auto type = pick(creator, "action", action,
                   {"task_created", "task_started", "task_completed", "task_failed"}, "task_");
  if (!type)
    return type.error();
  if (auto err = require(creator, "task_id", task_id))
    return err;
  if (auto err = require(creator, "task_type", task_type))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra.set("task_id", task_id);
  extra.set("task_type", task_type);
  extra.set("status", status);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_agent_event(std::string_view agent_id, std::string_view action,
                                  std::string_view agent_type, std::string_view status,
                                  std::string_view source, json_fields extra) {
  constexpr std::string_view creator = "create_agent_event";
  auto type = pick(creator, "action", action,
                   {"agent_task_started", "agent_task_completed", "agent_error", "agent_health"},
                   "agent_");
  if (!type)
    return type.error();
  if (auto err = require(creator, "agent_id", agent_id))
    return err;
  if (auto err = require(creator, "agent_type", agent_type))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra.set("agent_id", agent_id);
  extra.set("agent_type", agent_type);
  extra.set("status", status);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_analytics_event(std::string_view kind, std::string_view metric_name,
                                      double value, std::string_view source,
                                      json_fields extra) {
  constexpr std::string_view creator = "create_analytics_event";
  auto type = pick(creator, "kind", kind, {"metrics", "performance_data", "system_stats"});
  if (!type)
    return type.error();
  if (auto err = require(creator, "metric_name", metric_name))
    return err;
  if (!std::isfinite(value))
    return invalid(creator, "value must be a finite number");
  extra.set("metric_name", metric_name);
  extra.set("value", value);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr> event_factory::create_notification_event(
  std::string_view kind, std::string_view recipient, std::string_view title,
  std::string_view message, std::string_view severity, std::string_view source,
  json_fields extra) {
  constexpr std::string_view creator = "create_notification_event";
  auto type = pick(creator, "kind", kind, {"user_notification", "alert", "system_update"});
  if (!type)
    return type.error();
  auto sev = pick(creator, "severity", severity, {"info", "warning", "error", "critical"});
  if (!sev)
    return sev.error();
  if (auto err = require(creator, "recipient", recipient))
    return err;
  if (auto err = require(creator, "title", title))
    return err;
  extra.set("recipient", recipient);
  extra.set("title", title);
  extra.set("message", message);
  extra.set("severity", severity);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_quality_event(std::string_view check_id, std::string_view action,
                                    std::string_view target_id, double score,
                                    std::string_view source, json_fields extra) {
  constexpr std::string_view creator = "create_quality_event";
  auto type = pick(creator, "action", action,
                   {"quality_check_started", "quality_check_passed", "quality_check_failed"},
                   "quality_check_");
  if (!type)
    return type.error();
  if (auto err = require(creator, "check_id", check_id))
    return err;
  if (auto err = require(creator, "target_id", target_id))
    return err;
  if (!(score >= 0.0 && score <= 1.0))
    return invalid(creator, "score must be between 0 and 1");
  extra.set("check_id", check_id);
  extra.set("target_id", target_id);
  extra.set("score", score);
  return create(*type, extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_business_insight_event(std::string_view insight_type,
                                             std::string_view summary, double confidence,
                                             std::string_view source,
                                             json_fields extra) {
  constexpr std::string_view creator = "create_business_insight_event";
  if (auto err = require(creator, "insight_type", insight_type))
    return err;
  if (auto err = require(creator, "summary", summary))
    return err;
  if (!(confidence >= 0.0 && confidence <= 1.0))
    return invalid(creator, "confidence must be between 0 and 1");
  extra.set("insight_type", insight_type);
  extra.set("summary", summary);
  extra.set("confidence", confidence);
  return create("insight_generated", extra, {}, {}, source);
}

caf::expected<event_ptr>
event_factory::create_system_health_event(std::string_view kind, std::string_view component,
                                          std::string_view status, std::string_view source,
                                          json_fields extra) {
  constexpr std::string_view creator = "create_system_health_event";
  auto type = pick(creator, "kind", kind,
                   {"component_health", "performance_metrics", "alert_event"});
  if (!type)
    return type.error();
  if (auto err = require(creator, "component", component))
    return err;
  if (auto err = require(creator, "status", status))
    return err;
  extra.set("component", component);
  extra.set("status", status);
  return create(*type, extra, {}, {}, source);
}

} // namespace switchboard
