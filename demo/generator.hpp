#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>
#include <caf/response_promise.hpp>
#include <caf/fwd.hpp>

#include "events/factory.hpp"
#include "events/random_bits.hpp"
#include "events/types.hpp"

namespace switchboard {

/// How the demo traffic looks.
struct traffic_spec {
  /// Percent of events per family; only document, task, agent and analytics are generated.
  std::map<event_family, double> mix{{event_family::document, 40},
                                     {event_family::task, 30},
                                     {event_family::agent, 20},
                                     {event_family::analytics, 10}};
  /// Percent of events that are malformed or fail in a processor (half each).
  double error_rate = 2;
  /// Seed of every random choice, so a run can be repeated.
  uint64_t seed = 1;
};

/// Parses `document=40,task=30,...` into a mix; the error names the bad item.
caf::expected<std::map<event_family, double>> parse_mix(const std::string& text);

/// What kind of event the generator made.
enum class generated_kind : uint8_t { valid, malformed, failing };

/// Makes realistic demo events as JSON text: coherent document and task lifecycles,
/// agent reports and analytics samples, with a share of malformed and failing events.
class event_generator {
public:
  /// A generator for the given traffic.
  explicit event_generator(traffic_spec spec);

  /// The next event's bytes; `kind` says whether it was made to fail.
  std::string next(generated_kind& kind, event_family& family);

  /// Writes the next event's bytes over `out`, reusing its buffer.
  void next(std::string& out, generated_kind& kind, event_family& family);

  /// Stamps the events made from now on with `now` rather than a reading of the clock
  /// each: a batch made in one go shares one reading. Unset, the clock is read.
  void set_time(std::optional<std::chrono::system_clock::time_point> now) {
    time_.set(now);
  }

private:
  // The text of the event being written (see generator.cpp).
  class text;

  // Each writes one event over `out`.
  void document_event(text& out);
  void task_event(text& out);
  void agent_event(text& out);
  void analytics_event(text& out);
  void failing_event(text& out);
  // An event's envelope up to the opening brace of its data; `end_event` closes it.
  void begin_event(text& out, std::string_view type);
  void end_event(text& out);
  std::string id(std::string_view prefix);

  traffic_spec spec_;
  random_bits rng_;
  timestamp_source time_;
  std::vector<std::pair<event_family, double>> cumulative_;
  uint64_t counter_ = 0;
  // Recent uploads and tasks, so later events continue their lifecycles.
  std::vector<std::string> uploaded_;
  std::vector<std::pair<std::string, int>> tasks_;
};

/// Counts of what a generator run produced and how it ended.
struct generation_report {
  uint64_t generated = 0;
  uint64_t malformed = 0;
  uint64_t failing = 0;
  std::map<std::string, uint64_t, std::less<>> by_family;
  uint64_t processed = 0;
  uint64_t unmatched = 0;
  uint64_t dead_lettered = 0;
  double seconds = 0;
};

/// Counts one generated event in `report`.
void count_generated(generation_report& report, generated_kind kind, event_family family);

/// Counts of generated events kept in plain counters and added to a report in one go:
/// a generator counts every event, while the report's map is there to be read.
class generation_tally {
public:
  /// Counts one generated event.
  void add(generated_kind kind, event_family family) noexcept {
    ++by_family_[static_cast<std::size_t>(family)];
    malformed_ += kind == generated_kind::malformed;
    failing_ += kind == generated_kind::failing;
  }

  /// Adds the counts to `report` and starts over.
  void flush_into(generation_report& report);

private:
  std::array<uint64_t, static_cast<std::size_t>(event_family::unknown) + 1> by_family_{};
  uint64_t malformed_ = 0;
  uint64_t failing_ = 0;
};

/// A generation run's report while it grows, and the callers waiting for its end;
/// shared by the actors that feed generated events into a pipeline.
class generation_progress {
public:
  /// Starts the run's clock.
  generation_progress() : start_(std::chrono::steady_clock::now()) {
    // nop
  }

  /// The report to update.
  generation_report& report() noexcept {
    return report_;
  }

  /// The report so far.
  const generation_report& report() const noexcept {
    return report_;
  }

  /// Seconds since the run started.
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  /// The report so far, with the time elapsed.
  generation_report snapshot() const {
    auto r = report_;
    r.seconds = elapsed();
    return r;
  }

  /// Queues a caller that wants the final report.
  void wait(caf::response_promise rp) {
    waiting_.push_back(std::move(rp));
  }

  /// True when some caller waits for the final report.
  bool awaited() const noexcept {
    return !waiting_.empty();
  }

  /// Hands the report to every waiting caller.
  void deliver() {
    for (auto& rp : waiting_)
      rp.deliver(report_);
    waiting_.clear();
  }

private:
  std::chrono::steady_clock::time_point start_;
  generation_report report_;
  std::vector<caf::response_promise> waiting_;
};

/// Settings of the generator actor.
struct generator_config {
  /// The traffic.
  traffic_spec traffic;
  /// Events per second; 0 means as fast as credit allows.
  double rate = 2000;
  /// Seconds to generate for.
  double duration_seconds = 30;
  /// Stop after this many events (0: no limit).
  uint64_t max_events = 0;
  /// Events per input batch.
  std::size_t batch_size = 256;
  /// Unacknowledged batches at most (the credit).
  std::size_t max_inflight = 8;
  /// Milliseconds between sends at a fixed rate; shorter keeps batches small and
  /// latency low, since a tick's events wait for the tick.
  int tick_ms = 1;
  /// The topic the events arrive on.
  std::string topic = "events";
  /// The dispatcher.
  caf::actor dispatcher;
};

/// Spawns the generator actor. `(stats_atom)` returns a `generation_report` so far;
/// `(stop_atom)` returns the final report once generation ended and every batch was
/// acknowledged (it may be asked early: the answer waits).
caf::actor spawn_generator(caf::actor_system& sys, generator_config cfg);

} // namespace switchboard

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(switchboard::generation_report)
