#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include "events/factory.hpp"
#include "actors/protocol.hpp"

namespace switchboard {

/// What a processor's logic can do while it handles an event or a timer.
class processor_context {
public:
  /// A context whose emitted events are built by `factory`.
  explicit processor_context(event_factory& factory) : factory_(factory) {
    // nop
  }

  /// The factory for new events; derived events inherit correlation and hops.
  event_factory& factory() noexcept {
    return factory_;
  }

  /// Wall-clock seconds since the epoch when the current call began.
  double now() const noexcept {
    return now_;
  }

  /// Sends an event back through the dispatcher; a failed creation is recorded as an error.
  void emit(caf::expected<event_ptr> ev);

  /// Refuses the current event: it goes to the dead-letter topic with `reason`.
  void reject(std::string reason);

  /// Pushes a JSON message (alert, notification) to stream subscribers.
  void notify(std::string json);

  /// Events emitted since the last drain.
  std::vector<event_ptr>& outputs() noexcept {
    return outputs_;
  }

  /// Messages for subscribers since the last drain.
  std::vector<std::string>& notifications() noexcept {
    return notifications_;
  }

  /// Errors raised by event creation since the last drain.
  std::vector<std::string>& errors() noexcept {
    return errors_;
  }

  /// Starts handling one event (or a timer when `current` is null).
  void begin(const event* current, double now);

  /// The reason the current event was refused, empty when it was not.
  const std::string& rejection() const noexcept {
    return rejection_;
  }

  /// Takes the reason the current event was refused, leaving it empty.
  std::string take_rejection() noexcept {
    std::string out;
    out.swap(rejection_);
    return out;
  }

private:
  event_factory& factory_;
  double now_ = 0;
  std::string rejection_;
  std::vector<event_ptr> outputs_;
  std::vector<std::string> notifications_;
  std::vector<std::string> errors_;
};

/// The logic of one processor: plain code, no actor in it; the shell actor calls it.
class processor_logic {
public:
  virtual ~processor_logic();

  /// The processor's name: document, task, agent, analytics or notification.
  virtual std::string_view name() const = 0;

  /// Handles one event; may emit events, notify subscribers, or reject the event.
  virtual void handle(const event_ptr& ev, processor_context& ctx) = 0;

  /// Called with the next event of a batch (to handle, or refused elsewhere) before the
  /// current one is handled, so the state the next one needs can start loading into the
  /// cache; does nothing by default.
  virtual void prepare(const event& next);

  /// Called for an event another processor (`by`) refused, after that processor handled
  /// it, so state opened for it here can be closed; does nothing by default.
  virtual void on_refused(const event& ev, std::string_view by, std::string_view reason,
                          processor_context& ctx);

  /// Called on every timer tick (a few times per second, or every `tick_interval_ms`).
  virtual void tick(processor_context& ctx);

  /// Milliseconds between ticks this logic needs; 0 leaves the shell's interval.
  virtual int tick_interval_ms() const;

  /// Cumulative counters and per-processor detail for the dashboard.
  virtual boost::json::object stats() const = 0;
};

/// Makes a fresh processor logic; called at start and at every restart.
using processor_factory = std::function<std::unique_ptr<processor_logic>()>;

/// Settings of a processor shell actor.
struct processor_shell_config {
  /// Creates the logic.
  processor_factory make;
  /// Receives emitted events (`emit_atom`) and answers (`done_atom`).
  caf::actor dispatcher;
  /// Receives `stats_atom` and `heartbeat_atom` messages; may be null.
  caf::actor monitor;
  /// Milliseconds between statistics reports (and ticks, unless the logic asks for
  /// shorter ones).
  int tick_ms = 250;
};

/// Spawns the shell actor around a processor logic.
caf::actor spawn_processor(caf::actor_system& sys, processor_shell_config cfg);

/// Spawns the shell actor, monitored by `parent` (which receives its down message).
caf::actor spawn_monitored_processor(caf::event_based_actor* parent, processor_shell_config cfg);

} // namespace switchboard
