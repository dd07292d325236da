#include "actors/processors.hpp"

#include <charconv>
#include <system_error>

#include "actors/processor_base.hpp"
#include "actors/task_tracker.hpp"
#include "events/error.hpp"

namespace switchboard {

namespace {

constexpr std::size_t recent_durations = 1024;

// Appends `s` as seconds with millisecond digits, e.g. `0.250 s`.
void append_seconds(std::string& out, double s) {
  char buf[48];
  auto res = std::to_chars(buf, buf + sizeof(buf), s, std::chars_format::fixed, 3);
  out.append(buf, res.ec == std::errc{} ? res.ptr : buf);
  out += " s";
}

class task_processor : public counting_processor {
public:
  task_processor() : total_(recent_durations), run_(recent_durations) {
    // nop
  }

  std::string_view name() const override {
    return "task";
  }

  void prepare(const event& next) override {
    if (next.family() == event_family::task)
      tasks_.prefetch(next.data_string("task_id"));
  }

  // A task turned away (by the agent pool) will not run: it no longer counts as open.
  // Its dead letter is the record; no notification, which under overload would come by
  // the thousand every second.
  void on_refused(const event& ev, std::string_view, std::string_view,
                  processor_context&) override {
    if (ev.kind() == event_kind::task_created)
      tasks_.refuse_created(ev.data_string("task_id"));
  }

protected:
  void on_event(const event_ptr& ev, processor_context& ctx) override {
    auto kind = ev->kind();
    if (kind != event_kind::task_created && kind != event_kind::task_started
        && kind != event_kind::task_completed && kind != event_kind::task_failed) {
      ++ignored_;
      return;
    }
    auto id = ev->data_string("task_id");
    if (id.empty()) {
      reject(ctx, std::string{ev->event_type()} + " has no data.task_id");
      return;
    }
    auto now = ctx.now();
    auto t = [&]() -> caf::expected<task_transition> {
      switch (kind) {
        case event_kind::task_created:
          return tasks_.create(id, ev->data_string("task_type"), now);
        case event_kind::task_started:
          return tasks_.start(id, now);
        case event_kind::task_completed:
          return tasks_.complete(id, now);
        default:
          return tasks_.fail(id, now);
      }
    }();
    if (!t) {
      reject(ctx, error_text(t.error()));
      return;
    }
    if (t->to == task_state::completed) {
      total_.add(t->total_seconds);
      run_.add(t->run_seconds);
    }
    if (t->to == task_state::completed || t->to == task_state::failed)
      notify_finished(*ev, *t, ctx);
  }

  void add_stats(boost::json::object& out) const override {
    out["active"] = tasks_.active();
    boost::json::object open;
    open["created"] = tasks_.count_in(task_state::created);
    open["started"] = tasks_.count_in(task_state::started);
    out["open"] = std::move(open);
    const auto& all = tasks_.totals();
    boost::json::object states;
    states["created"] = all.created;
    states["started"] = all.started;
    states["completed"] = all.completed;
    states["failed"] = all.failed;
    states["refused"] = all.refused;
    out["states"] = std::move(states);
    boost::json::object types;
    for (const auto& [type, s] : tasks_.per_type()) {
      boost::json::object one;
      one["created"] = s.created;
      one["completed"] = s.completed;
      one["failed"] = s.failed;
      one["refused"] = s.refused;
      one["avg_seconds"] = s.total_seconds.mean();
      types[type] = std::move(one);
    }
    out["types"] = std::move(types);
    out["total_seconds"] = to_json_object(total_, all.total_seconds.count);
    out["run_seconds"] = to_json_object(run_, all.run_seconds.count);
    out["invalid_transitions"] = tasks_.rejected();
    out["abandoned"] = tasks_.abandoned();
    out["ignored"] = ignored_;
  }

private:
  void notify_finished(const event& ev, const task_transition& t, processor_context& ctx) {
    bool ok = t.to == task_state::completed;
    auto owner = ev.data_string("owner");
    auto recipient = owner.empty() ? std::string_view{"operations"} : owner;
    std::string title;
    title.reserve(t.task_id.size() + 16);
    title += "Task ";
    title += t.task_id;
    title += ok ? " completed" : " failed";
    auto why = ok ? std::string_view{} : ev.data_string("error");
    std::string message;
    message.reserve(t.task_id.size() + t.task_type.size() + why.size() + 64);
    message += "Task ";
    message += t.task_id;
    message += " (";
    message += t.task_type;
    message += ok ? ") completed in " : ") failed after ";
    append_seconds(message, t.total_seconds);
    if (!why.empty()) {
      message += ": ";
      message += why;
    }
    json_fields extra;
    extra.set("task_id", t.task_id);
    extra.set("task_type", t.task_type);
    extra.set("duration_seconds", t.total_seconds);
    emit(ctx, ctx.factory().create_notification_event("user_notification", recipient, title,
                                                      message, ok ? "info" : "error", {},
                                                      std::move(extra)));
  }

  task_tracker tasks_;
  sample_ring total_;
  sample_ring run_;
  uint64_t ignored_ = 0;
};

} // namespace

std::unique_ptr<processor_logic> make_task_processor(const processors_config&) {
  return std::make_unique<task_processor>();
}

} // namespace switchboard
