#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "events/codec.hpp"
#include "events/json_fields.hpp"

namespace switchboard {

/// A random RFC 4122 version 4 UUID in canonical text form.
std::string new_event_id();

/// Appends a new random event id, the text `new_event_id` would return.
void append_event_id(std::string& out);

/// The length of an event id: a UUID in its 8-4-4-4-12 text form.
constexpr std::size_t event_id_size = 36;

/// Writes a new random event id (`event_id_size` bytes) at `d`; returns its end.
char* write_event_id(char* d) noexcept;

/// Writes the 128 bits `hi` then `lo` as lowercase hex in the 8-4-4-4-12 form of a UUID
/// (`event_id_size` bytes) at `d`; returns its end.
char* write_uuid_text(char* d, uint64_t hi, uint64_t lo) noexcept;

/// The ISO 8601 UTC text of a time point with milliseconds, e.g. `2026-11-23T10:00:00.123Z`.
std::string iso_timestamp(std::chrono::system_clock::time_point t);

/// The ISO 8601 UTC text of now.
std::string iso_timestamp_now();

/// Appends the ISO 8601 UTC text of now.
void append_iso_timestamp_now(std::string& out);

/// The ISO 8601 text of a time given per batch, or of the clock when none is given;
/// formatted once per millisecond.
class timestamp_source {
public:
  /// Uses `now` until the next call; nullopt returns to reading the clock.
  void set(std::optional<std::chrono::system_clock::time_point> now) noexcept {
    time_ = now;
  }

  /// The text of the set time, or of the clock now; valid until the next call.
  const std::string& text();

private:
  std::optional<std::chrono::system_clock::time_point> time_;
  int64_t ms_ = -1;
  std::string text_;
};

/// Builds events of every family with validated fields.
///
/// Each creator checks its arguments, fills the envelope (id, timestamp, source,
/// version) and returns a decoded, immutable event.
class event_factory {
public:
  /// A factory whose events name `source` unless a creator is given another.
  explicit event_factory(std::string source = "switchboard");

  /// Any event type with the given `data`; the common path of every creator.
  caf::expected<event_ptr> create(std::string_view event_type, const json_fields& data,
                                  const json_fields& metadata = {},
                                  std::string_view correlation_id = {},
                                  std::string_view source = {});

  /// document_uploaded | document_processed | document_analyzed, by `action`.
  caf::expected<event_ptr>
  create_document_event(std::string_view document_id, std::string_view action,
                        std::string_view status, std::string_view file_path,
                        std::string_view source = {}, json_fields extra = {});

  /// task_created | task_started | task_completed | task_failed, by `action`.
  caf::expected<event_ptr>
  create_task_event(std::string_view task_id, std::string_view action,
                    std::string_view task_type, std::string_view status,
                    std::string_view source = {}, json_fields extra = {});

  /// agent_task_started | agent_task_completed | agent_error | agent_health, by `action`.
  caf::expected<event_ptr>
  create_agent_event(std::string_view agent_id, std::string_view action,
                     std::string_view agent_type, std::string_view status,
                     std::string_view source = {}, json_fields extra = {});

  /// metrics | performance_data | system_stats, by `kind`.
  caf::expected<event_ptr>
  create_analytics_event(std::string_view kind, std::string_view metric_name, double value,
                         std::string_view source = {}, json_fields extra = {});

  /// user_notification | alert | system_update, by `kind`; severity is info..critical.
  caf::expected<event_ptr>
  create_notification_event(std::string_view kind, std::string_view recipient,
                            std::string_view title, std::string_view message,
                            std::string_view severity, std::string_view source = {},
                            json_fields extra = {});

  /// quality_check_started | quality_check_passed | quality_check_failed, by `action`.
  caf::expected<event_ptr>
  create_quality_event(std::string_view check_id, std::string_view action,
                       std::string_view target_id, double score,
                       std::string_view source = {}, json_fields extra = {});

  /// insight_generated with a confidence in [0, 1].
  caf::expected<event_ptr>
  create_business_insight_event(std::string_view insight_type, std::string_view summary,
                                double confidence, std::string_view source = {},
                                json_fields extra = {});

  /// component_health | performance_metrics | alert_event, by `kind`.
  caf::expected<event_ptr>
  create_system_health_event(std::string_view kind, std::string_view component,
                             std::string_view status, std::string_view source = {},
                             json_fields extra = {});

  /// Makes the next events derive from `parent`: they carry its correlation id (or
  /// its event id) and `metadata.hops` one above its own; null stops deriving.
  /// `parent` must stay alive until the next call.
  void derive_from(const event* parent) noexcept {
    // Only read when an event is created: most handled events derive nothing.
    parent_ = parent;
  }

  /// Stamps the events made from now on with `now` rather than a reading of the clock
  /// each: a batch handled in one go shares one reading. Unset, the clock is read.
  void set_time(std::optional<std::chrono::system_clock::time_point> now) {
    time_.set(now);
  }

  /// The timestamp text events made now get; valid until the next call.
  const std::string& timestamp() {
    return time_.text();
  }

private:
  std::string source_;
  codec codec_;
  timestamp_source time_;
  // The text of the event being made, reused from one event to the next.
  std::string text_;
  tape_writer tape_;
  const event* parent_ = nullptr;
};

} // namespace switchboard
