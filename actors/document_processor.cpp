#include "actors/processors.hpp"

#include "actors/document_tracker.hpp"
#include "actors/processor_base.hpp"
#include "events/error.hpp"

namespace switchboard {

namespace {

// Recent durations kept for percentiles.
constexpr std::size_t recent_durations = 1024;

// The task type of document analysis; agents advertise it as a capability.
constexpr const char* analysis_task_type = "analysis";

bool failed_status(std::string_view status) {
  return status == "failed" || status == "error";
}

class document_processor : public counting_processor {
public:
  document_processor()
    : docs_(analysis_task_type),
      processing_(recent_durations),
      analysis_(recent_durations) {
    // nop
  }

  std::string_view name() const override {
    return "document";
  }

  void prepare(const event& next) override {
    if (next.family() == event_family::document)
      docs_.prefetch(next.data_string("document_id"));
    else if (next.family() == event_family::task) // analysis tasks finishing or refused
      docs_.prefetch_for_task(next.data_string("task_id"));
  }

  // An analysis task turned away fails its document: the task's dead letter is the
  // record, and no document_analyzed follows, which under overload would come by the
  // thousand every second.
  void on_refused(const event& ev, std::string_view, std::string_view,
                  processor_context&) override {
    if (ev.kind() == event_kind::task_created
        && docs_.analysis_refused(ev.data_string("task_id")))
      ++refused_analyses_;
  }

protected:
  void on_event(const event_ptr& ev, processor_context& ctx) override {
    auto kind = ev->kind();
    if (kind == event_kind::task_completed || kind == event_kind::task_failed) {
      on_task_finished(*ev, kind == event_kind::task_completed, ctx);
      return;
    }
    if (kind != event_kind::document_uploaded && kind != event_kind::document_processed
        && kind != event_kind::document_analyzed) {
      ++ignored_;
      return;
    }
    auto id = ev->data_string("document_id");
    if (id.empty()) {
      reject(ctx, std::string{ev->event_type()} + " has no data.document_id");
      return;
    }
    if (kind == event_kind::document_uploaded) {
      auto follow_ups = docs_.uploaded(id, ctx.now());
      if (!follow_ups) {
        reject(ctx, error_text(follow_ups.error()));
        return;
      }
      for (const auto& f : *follow_ups)
        emit_follow_up(f, ev->data_string("file_path"), ctx);
    } else if (kind == event_kind::document_processed) {
      auto change = docs_.processed(id, ctx.now());
      if (!change) {
        reject(ctx, error_text(change.error()));
        return;
      }
      processing_.add(change->seconds_since_upload);
    } else {
      auto before = docs_.analysis_seconds();
      auto change = docs_.analyzed(id, !failed_status(ev->data_string("status")), ctx.now());
      if (!change) {
        reject(ctx, error_text(change.error()));
        return;
      }
      if (change->echo)
        ++echoes_;
      else
        note_analysis(before);
    }
  }

  void add_stats(boost::json::object& out) const override {
    boost::json::object statuses;
    for (auto s : {document_status::uploaded, document_status::processed,
                   document_status::analyzed, document_status::failed})
      statuses[to_string(s)] = docs_.reached()[static_cast<std::size_t>(s)];
    out["documents"] = std::move(statuses);
    out["in_progress"] = docs_.in_progress();
    out["abandoned"] = docs_.abandoned();
    out["processing_seconds"] = to_json_object(processing_, docs_.processing_seconds().count);
    out["analysis_seconds"] = to_json_object(analysis_, docs_.analysis_seconds().count);
    out["refused_analyses"] = refused_analyses_;
    out["echoes"] = echoes_;
    out["ignored"] = ignored_;
  }

private:
  void on_task_finished(const event& ev, bool success, processor_context& ctx) {
    // Only analysis tasks name their document; other tasks are not this processor's.
    if (ev.data_string("document_id").empty()) {
      ++ignored_;
      return;
    }
    auto before = docs_.analysis_seconds();
    auto follow_ups = docs_.task_finished(ev.data_string("task_id"), success, ctx.now());
    if (follow_ups.empty()) {
      ++ignored_;
      return;
    }
    note_analysis(before);
    for (const auto& f : follow_ups)
      emit_follow_up(f, ev.data_string("file_path"), ctx);
  }

  // The tracker adds an analysis duration to its summary only; the increase is the
  // one new sample, which the percentile ring needs too.
  void note_analysis(const summary_stats& before) {
    const auto& after = docs_.analysis_seconds();
    if (after.count == before.count + 1)
      analysis_.add(after.total - before.total);
  }

  void emit_follow_up(const follow_up& f, std::string_view file_path,
                      processor_context& ctx) {
    json_fields data;
    data.set("document_id", f.document_id);
    if (!file_path.empty())
      data.set("file_path", file_path);
    if (f.event_type == "task_created") {
      // The factory adds task_id, task_type and status.
      emit(ctx, ctx.factory().create_task_event(f.task_id, "created", f.task_type, f.status,
                                                {}, std::move(data)));
      return;
    }
    data.set("task_id", f.task_id);
    data.set("status", f.status);
    data.set("task_type", f.task_type);
    emit(ctx, ctx.factory().create(f.event_type, data));
  }

  document_tracker docs_;
  sample_ring processing_;
  sample_ring analysis_;
  uint64_t echoes_ = 0;
  uint64_t refused_analyses_ = 0;
  uint64_t ignored_ = 0;
};

} // namespace

std::unique_ptr<processor_logic> make_document_processor(const processors_config&) {
  return std::make_unique<document_processor>();
}

} // namespace switchboard
