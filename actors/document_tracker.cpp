#include "actors/document_tracker.hpp"

namespace switchboard {

namespace {

constexpr std::string_view analysis_prefix = "analysis:";

} // namespace

const char* to_string(document_status s) noexcept {
  switch (s) {
    case document_status::uploaded: return "uploaded";
    case document_status::processed: return "processed";
    case document_status::analyzed: return "analyzed";
    case document_status::failed: return "failed";
  }
  return "unknown";
}

document_tracker::document_tracker(std::string analysis_task_type, std::size_t max_tracked,
                                   std::size_t max_recent)
  : task_type_(std::move(analysis_task_type)), docs_(max_tracked), recent_(max_recent) {
  // nop
}

caf::expected<std::vector<follow_up>>
document_tracker::uploaded(std::string_view document_id, double now) {
  if (auto s = status(document_id))
    return refuse(proc_errc::duplicate_id, document_id, "document_uploaded",
                  std::string{"it is already "} + to_string(*s));
  if (docs_.insert(document_id, doc_entry{document_status::uploaded, now}))
    ++abandoned_;
  ++reached_[static_cast<std::size_t>(document_status::uploaded)];
  std::vector<follow_up> result;
  result.push_back(follow_up{"task_created", std::string{document_id},
                             analysis_task_id(document_id), task_type_, "pending"});
  return result;
}

caf::expected<document_change> document_tracker::processed(std::string_view document_id,
                                                           double now) {
  auto* doc = docs_.find(document_id);
  if (doc == nullptr || doc->status != document_status::uploaded) {
    auto s = status(document_id);
    if (!s)
      return refuse(proc_errc::unknown_id, document_id, "document_processed",
                    "it was never uploaded (or is no longer tracked)");
    return refuse(proc_errc::invalid_transition, document_id, "document_processed",
                  std::string{"it is already "} + to_string(*s));
  }
  doc->status = document_status::processed;
  ++reached_[static_cast<std::size_t>(document_status::processed)];
  processing_seconds_.add(now - doc->uploaded_at);
  return document_change{document_id, document_status::uploaded, document_status::processed,
                         now - doc->uploaded_at, false};
}

caf::expected<document_change>
document_tracker::analyzed(std::string_view document_id, bool success, double now) {
  if (docs_.find(document_id) != nullptr)
    return finish(document_id, success, now);
  auto* done = recent_.find(document_id);
  auto outcome = success ? document_status::analyzed : document_status::failed;
  if (done != nullptr && *done == outcome)
    return document_change{document_id, outcome, outcome, 0, true};
  if (done != nullptr)
    return refuse(proc_errc::invalid_transition, document_id, "document_analyzed",
                  std::string{"it is already "} + to_string(*done));
  return refuse(proc_errc::unknown_id, document_id, "document_analyzed",
                "it was never uploaded (or is no longer tracked)");
}

std::vector<follow_up> document_tracker::task_finished(std::string_view task_id,
                                                       bool success, double now) {
  if (task_id.compare(0, analysis_prefix.size(), analysis_prefix) != 0)
    return {};
  auto document_id = task_id.substr(analysis_prefix.size());
  if (docs_.find(document_id) == nullptr)
    return {};
  auto change = finish(document_id, success, now);
  std::vector<follow_up> result;
  result.push_back(follow_up{"document_analyzed", std::string{document_id},
                             std::string{task_id}, task_type_, to_string(change.to)});
  return result;
}

bool document_tracker::analysis_refused(std::string_view task_id) {
  if (task_id.compare(0, analysis_prefix.size(), analysis_prefix) != 0)
    return false;
  auto document_id = task_id.substr(analysis_prefix.size());
  if (!docs_.erase(document_id))
    return false;
  // Failed like a document whose analysis ran and failed: later steps of it are told
  // so.
  ++reached_[static_cast<std::size_t>(document_status::failed)];
  recent_.insert(document_id, document_status::failed);
  return true;
}

void document_tracker::prefetch_for_task(std::string_view task_id) const noexcept {
  if (task_id.compare(0, analysis_prefix.size(), analysis_prefix) == 0)
    prefetch(task_id.substr(analysis_prefix.size()));
}

std::string document_tracker::analysis_task_id(std::string_view document_id) {
  std::string id;
  id.reserve(analysis_prefix.size() + document_id.size());
  id.append(analysis_prefix).append(document_id);
  return id;
}

std::optional<document_status>
document_tracker::status(std::string_view document_id) const {
  if (auto* doc = docs_.find(document_id))
    return doc->status;
  if (auto* s = recent_.find(document_id))
    return *s;
  return std::nullopt;
}

document_change document_tracker::finish(std::string_view document_id, bool success,
                                         double now) {
  auto doc = *docs_.find(document_id);
  docs_.erase(document_id);
  auto to = success ? document_status::analyzed : document_status::failed;
  ++reached_[static_cast<std::size_t>(to)];
  if (success)
    analysis_seconds_.add(now - doc.uploaded_at);
  recent_.insert(document_id, to);
  return document_change{document_id, doc.status, to, now - doc.uploaded_at, false};
}

caf::error document_tracker::refuse(proc_errc code, std::string_view document_id,
                                    const char* event, const std::string& why) {
  ++rejected_;
  return caf::make_error(code, std::string{event} + " for document '"
                                 + std::string{document_id} + "' refused: " + why);
}

} // namespace switchboard
