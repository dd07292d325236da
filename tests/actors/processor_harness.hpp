#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "actors/processor.hpp"
#include "events/error.hpp"
#include "events/factory.hpp"

namespace switchboard::test {

/// What one call into a processor logic produced.
struct call_result {
  /// Events emitted.
  std::vector<event_ptr> outputs;
  /// The rejection reason, empty when the event was accepted.
  std::string rejection;
  /// Messages pushed to stream subscribers.
  std::vector<std::string> notifications;
};

/// Drives a processor logic the way its shell actor does, with a manual clock.
class processor_harness {
public:
  /// Wraps `logic`; emitted events name `processor.<name>` as their source.
  explicit processor_harness(std::unique_ptr<processor_logic> logic)
    : logic_(std::move(logic)),
      out_("processor." + std::string{logic_->name()}),
      ctx_(out_) {
    // nop
  }

  /// Handles one event at `now`.
  call_result handle(const event_ptr& ev) {
    ctx_.begin(ev.get(), now);
    logic_->handle(ev, ctx_);
    auto r = drain();
    r.rejection = ctx_.rejection();
    return r;
  }

  /// Tells the logic that processor `by` refused `ev`, at `now`.
  call_result refused(const event_ptr& ev, std::string_view by = "processor.agent",
                      std::string_view reason = "busy") {
    ctx_.begin(ev.get(), now);
    logic_->on_refused(*ev, by, reason, ctx_);
    return drain();
  }

  /// Runs one timer tick at `now`.
  call_result tick() {
    ctx_.begin(nullptr, now);
    logic_->tick(ctx_);
    return drain();
  }

  /// The logic's statistics.
  boost::json::object stats() const {
    return logic_->stats();
  }

  /// The logic.
  processor_logic& logic() {
    return *logic_;
  }

  /// Makes input events (source `test`).
  event_factory input{"test"};

  /// The manual clock in seconds.
  double now = 1'000'000;

private:
  call_result drain() {
    call_result r;
    r.outputs.swap(ctx_.outputs());
    r.notifications.swap(ctx_.notifications());
    CHECK(ctx_.errors().empty());
    ctx_.errors().clear();
    out_.derive_from(nullptr);
    return r;
  }

  std::unique_ptr<processor_logic> logic_;
  event_factory out_;
  processor_context ctx_;
};

/// The event inside `ev`; fails the test when creation failed.
inline event_ptr must(caf::expected<event_ptr> ev) {
  if (!ev)
    FAIL(error_text(ev.error()));
  return *ev;
}

/// The event types of `events` in order.
inline std::vector<std::string> types_of(const std::vector<event_ptr>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.emplace_back(e->event_type());
  return out;
}

/// The events of `events` whose type is `type`.
inline std::vector<event_ptr> of_type(const std::vector<event_ptr>& events,
                                      std::string_view type) {
  std::vector<event_ptr> out;
  for (const auto& e : events)
    if (e->event_type() == type)
      out.push_back(e);
  return out;
}

/// `obj` at the dotted `path` (e.g. `documents.analyzed`) as a JSON value.
inline const boost::json::value& at_path(const boost::json::object& obj, std::string_view path) {
  const boost::json::value* v = nullptr;
  const boost::json::object* cur = &obj;
  while (true) {
    auto dot = path.find('.');
    auto key = path.substr(0, dot);
    v = &cur->at(key);
    if (dot == std::string_view::npos)
      return *v;
    cur = &v->as_object();
    path.remove_prefix(dot + 1);
  }
}

/// `obj` at `path` as an unsigned integer.
inline uint64_t count_at(const boost::json::object& obj, std::string_view path) {
  return boost::json::value_to<uint64_t>(at_path(obj, path));
}

/// `obj` at `path` as a double.
inline double number_at(const boost::json::object& obj, std::string_view path) {
  return boost::json::value_to<double>(at_path(obj, path));
}

/// The number of `data.key` of `ev`.
inline double data_num(const event_ptr& ev, std::string_view key) {
  return ev->data_number(key, -1);
}

} // namespace switchboard::test
