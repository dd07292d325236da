#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "actors/error.hpp"
#include "actors/ordered_table.hpp"
#include "actors/stats.hpp"

namespace switchboard {

/// Where a document is in its workflow.
enum class document_status : uint8_t { uploaded, processed, analyzed, failed };

/// The stable name of a document status, e.g. `processed`.
const char* to_string(document_status s) noexcept;

/// An event the document processor must emit as a consequence of one it received.
struct follow_up {
  /// `task_created` (start of analysis) or `document_analyzed` (its outcome).
  std::string event_type;
  /// The document concerned.
  std::string document_id;
  /// The analysis task.
  std::string task_id;
  /// The analysis task's type.
  std::string task_type;
  /// `pending` for a new task; `analyzed` or `failed` for an outcome.
  std::string status;
};

/// What one accepted document event did.
struct document_change {
  /// The document: a view of the id the caller passed in.
  std::string_view document_id;
  /// Status before the event.
  document_status from = document_status::uploaded;
  /// Status after the event.
  document_status to = document_status::uploaded;
  /// Seconds since the upload.
  double seconds_since_upload = 0;
  /// True when the event only confirms an outcome this tracker already produced
  /// (the processor's own document_analyzed coming back); nothing was counted.
  bool echo = false;
};

/// The document workflow: an upload starts an analysis task; processing and the
/// analysis outcome move the document on: uploaded -> [processed] -> analyzed | failed.
///
/// Memory is bounded: at most `max_tracked` documents in progress (the oldest is
/// abandoned beyond that) and a bounded list of finished ones to recognise echoes.
class document_tracker {
public:
  /// A tracker naming analysis tasks `analysis_task_type`.
  explicit document_tracker(std::string analysis_task_type = "document_analysis",
                            std::size_t max_tracked = 100000, std::size_t max_recent = 10000);

  /// Records document_uploaded; returns the task_created follow-up of its analysis.
  caf::expected<std::vector<follow_up>> uploaded(std::string_view document_id, double now);

  /// Records document_processed; only an uploaded document may be processed.
  caf::expected<document_change> processed(std::string_view document_id, double now);

  /// Records document_analyzed (status `failed` when `success` is false).
  caf::expected<document_change> analyzed(std::string_view document_id, bool success,
                                          double now);

  /// Records the end of a task; when it is a document's analysis task, returns the
  /// document_analyzed follow-up. Other tasks yield no follow-up.
  std::vector<follow_up> task_finished(std::string_view task_id, bool success, double now);

  /// Records that a document's analysis task was refused (no agent could take it): the
  /// document fails. False when `task_id` is no analysis task of a document in progress.
  bool analysis_refused(std::string_view task_id);

  /// The analysis task id of a document.
  static std::string analysis_task_id(std::string_view document_id);

  /// Starts loading what an event of `document_id` will look up.
  void prefetch(std::string_view document_id) const noexcept {
    docs_.prefetch(document_id);
    recent_.prefetch(document_id);
  }

  /// Starts loading what a call about the task `task_id` will touch: its document's
  /// entries when it is an analysis task.
  void prefetch_for_task(std::string_view task_id) const noexcept;

  /// The status of a document in progress or recently finished.
  std::optional<document_status> status(std::string_view document_id) const;

  /// Documents that ever reached each status, indexed by `document_status`.
  const std::array<uint64_t, 4>& reached() const noexcept {
    return reached_;
  }

  /// Documents in progress now (uploaded or processed).
  std::size_t in_progress() const noexcept {
    return docs_.size();
  }

  /// Seconds from upload to processed.
  const summary_stats& processing_seconds() const noexcept {
    return processing_seconds_;
  }

  /// Seconds from upload to analyzed.
  const summary_stats& analysis_seconds() const noexcept {
    return analysis_seconds_;
  }

  /// Events refused as invalid transitions, duplicates or unknown ids.
  uint64_t rejected() const noexcept {
    return rejected_;
  }

  /// Documents dropped in progress because the tracker was full.
  uint64_t abandoned() const noexcept {
    return abandoned_;
  }

private:
  struct doc_entry {
    document_status status = document_status::uploaded;
    double uploaded_at = 0;
  };

  document_change finish(std::string_view document_id, bool success, double now);

  caf::error refuse(proc_errc code, std::string_view document_id, const char* event,
                    const std::string& why);

  std::string task_type_;
  ordered_table<doc_entry> docs_;
  ordered_table<document_status> recent_;
  std::array<uint64_t, 4> reached_{};
  summary_stats processing_seconds_;
  summary_stats analysis_seconds_;
  uint64_t rejected_ = 0;
  uint64_t abandoned_ = 0;
};

} // namespace switchboard
