#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace switchboard {

class event_hub;
class route_table;

/// The latest dashboard snapshot, written by the dashboard actor and read by HTTP
/// threads, so a page poll is answered without waiting for a busy scheduler.
class dashboard_cache {
public:
  using clock_type = std::chrono::steady_clock;

  /// Replaces the snapshot with `json`, taken at `at`.
  void store(std::string json, clock_type::time_point at);

  /// The snapshot when it is at most `max_age` old at `now`; null otherwise, so a
  /// stalled pipeline is not hidden behind an old snapshot.
  std::shared_ptr<const std::string> load(std::chrono::milliseconds max_age,
                                          clock_type::time_point now) const;

private:
  mutable std::mutex mtx_;
  std::shared_ptr<const std::string> json_;
  clock_type::time_point at_;
};

/// What the dashboard actor talks to.
struct dashboard_config {
  /// Source of metrics, health, alerts and notifications.
  caf::actor monitor;
  /// Receives route reloads; answers statistics.
  caf::actor dispatcher;
  /// The routes in effect at start.
  std::shared_ptr<const route_table> routes;
  /// Where alerts and notifications are published for stream readers; may be null.
  std::shared_ptr<event_hub> hub;
  /// Milliseconds between snapshot refreshes (and history samples).
  int tick_ms = 1000;
  /// Receives every refreshed snapshot; may be null.
  std::shared_ptr<dashboard_cache> cache;
};

/// Spawns the dashboard actor: it answers REST queries from a cached snapshot.
///
/// `(snapshot_atom, what)` returns JSON text: `dashboard` (with `history` and
/// `notifications`), `routes`, or anything the monitor answers (delegated).
/// `(reload_atom, config_json)` validates routes and swaps them into the dispatcher;
/// answers once the dispatcher routes with them: an empty string, or the problems one
/// per line; an error (and the old routes stay) when the dispatcher does not confirm.
/// `(rules_atom, op, arg)` is delegated to the monitor.
caf::actor spawn_dashboard(caf::actor_system& sys, dashboard_config cfg);

} // namespace switchboard
