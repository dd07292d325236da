#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <caf/expected.hpp>

#include "actors/backoff.hpp"
#include "actors/circuit_breaker.hpp"
#include "actors/error.hpp"
#include "routes/config.hpp"

namespace switchboard {

/// What to do next with one webhook delivery.
enum class delivery_action : uint8_t {
  /// POST now (with `timeout_seconds`), then report with `webhook_planner::finish`.
  send,
  /// Call `webhook_planner::due` at time `at`.
  wait,
  /// Done: the endpoint accepted the notification.
  delivered,
  /// Done: no more attempts; `reason` says why (dead-letter it).
  give_up,
};

/// The stable name of a delivery action, e.g. `give_up`.
const char* to_string(delivery_action a) noexcept;

/// One step of one delivery of a notification to one webhook.
struct delivery_step {
  /// What to do.
  delivery_action action = delivery_action::send;
  /// The delivery; pass it back to `due` and `finish`.
  uint64_t id = 0;
  /// The webhook's name.
  std::string webhook;
  /// Where to POST.
  std::string url;
  /// Attempts made so far, counting one about to be sent.
  int attempt = 0;
  /// For `wait`: when to come back, in the caller's seconds.
  double at = 0;
  /// For `send`: the request timeout.
  double timeout_seconds = 0;
  /// For `give_up`: why.
  std::string reason;
};

/// Retry timing of webhook deliveries.
struct webhook_retry_options {
  /// First retry delay in seconds.
  double base_seconds = 0.5;
  /// Longest retry delay in seconds.
  double cap_seconds = 30;
  /// Randomisation of the delays.
  jitter kind = jitter::full;
  /// Seed of the delays, so that runs repeat.
  uint64_t seed = 1;
  /// Deliveries in progress at once; further ones give up at once.
  std::size_t max_pending = 10000;
};

/// Plans webhook deliveries of notifications: which endpoints take an event type,
/// and for each delivery when to send, retry (exponential backoff with jitter) or
/// give up, guarded by one circuit breaker per endpoint. An attempt refused by an
/// open breaker counts as a failed attempt and waits at least until the breaker
/// lets a trial through. Sending is the caller's (see `post_json`).
class webhook_planner {
public:
  /// Plans for `cfg.webhooks` with the breaker settings of `cfg`.
  explicit webhook_planner(const processors_config& cfg, webhook_retry_options opts = {});

  /// Names of the webhooks that take events of `event_type`, in configuration order.
  std::vector<std::string> targets(std::string_view event_type) const;

  /// Starts delivering one notification of `event_type` to every webhook that takes
  /// it; returns the first step of each (send, wait or give_up).
  std::vector<delivery_step> plan(std::string_view event_type, double now);

  /// The next step of a waiting delivery: send when its time came and the breaker
  /// allows, wait otherwise, or give up when its attempts are used up.
  caf::expected<delivery_step> due(uint64_t id, double now);

  /// Records the outcome of a sent attempt: delivered, wait (a retry) or give_up.
  caf::expected<delivery_step> finish(uint64_t id, bool success, double now,
                                      std::string_view error = {});

  /// The breaker of a webhook, or null for an unknown name.
  const circuit_breaker* breaker(const std::string& webhook) const;

  /// Deliveries in progress.
  std::size_t pending() const noexcept {
    return deliveries_.size();
  }

  /// Deliveries the endpoints accepted.
  uint64_t delivered() const noexcept {
    return delivered_;
  }

  /// Deliveries abandoned.
  uint64_t given_up() const noexcept {
    return given_up_;
  }

  /// Attempts refused by an open breaker.
  uint64_t short_circuited() const noexcept {
    return short_circuited_;
  }

private:
  struct endpoint {
    webhook_spec spec;
    circuit_breaker breaker;
  };

  struct delivery {
    std::size_t endpoint;
    int attempts = 0;
    bool in_flight = false;
    double next_at = 0;
    backoff delays;
  };

  delivery_step attempt(uint64_t id, delivery& d, double now);

  delivery_step step(delivery_action action, uint64_t id, const delivery& d) const;

  delivery_step retry_or_give_up(uint64_t id, delivery& d, double not_before, double now,
                                 const std::string& why);

  caf::expected<delivery*> lookup(uint64_t id, bool want_in_flight);

  webhook_retry_options opts_;
  std::vector<endpoint> endpoints_;
  std::unordered_map<uint64_t, delivery> deliveries_;
  uint64_t next_id_ = 1;
  std::mt19937_64 seeds_;
  uint64_t delivered_ = 0;
  uint64_t given_up_ = 0;
  uint64_t short_circuited_ = 0;
};

} // namespace switchboard
