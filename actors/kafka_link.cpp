#include "actors/kafka_link.hpp"

#include <algorithm>
#include <utility>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/protocol.hpp"

namespace switchboard {

namespace {

constexpr double first_reminder_seconds = 1;
constexpr double last_reminder_gap_seconds = 60;

} // namespace

kafka_link::kafka_link(std::string component, std::string brokers)
  : component_(std::move(component)), brokers_(std::move(brokers)) {
  // nop
}

std::optional<kafka_link_change> kafka_link::on_error(const kafka_client_error& err,
                                                      double now) {
  ++errors_;
  if (err.code == kafka_errc::brokers_down) {
    if (down_)
      return std::nullopt;
    down_ = true;
    down_since_ = now;
    reminder_gap_ = first_reminder_seconds;
    next_reminder_ = now + reminder_gap_;
    reminders_ = 0;
    auto message = "brokers " + brokers_ + " unreachable (" + err.text
                   + "); retrying with backoff";
    spdlog::warn("{}: {}", component_, message);
    return kafka_link_change{true, std::move(message)};
  }
  if (err.code == kafka_errc::fatal) {
    spdlog::error("{}: {}", component_, err.text);
    if (failed_)
      return std::nullopt;
    failed_ = true;
    return kafka_link_change{true, err.text};
  }
  // Transport errors repeat on every reconnection attempt: the first of each kind says
  // what is wrong, the rest only count.
  auto bit = 1u << (static_cast<unsigned>(err.code) % 32);
  if ((logged_kinds_ & bit) == 0) {
    logged_kinds_ |= bit;
    spdlog::warn("{}: {}", component_, err.text);
  } else {
    spdlog::debug("{}: {}", component_, err.text);
  }
  return std::nullopt;
}

std::optional<kafka_link_change> kafka_link::on_tick(bool brokers_down, bool fatal_pending,
                                                     double now) {
  std::optional<kafka_link_change> out;
  if (failed_ && !fatal_pending) {
    failed_ = false;
    ++recoveries_;
    std::string message = "client recreated after a fatal error (recovery #"
                          + std::to_string(recoveries_) + ")";
    spdlog::info("{}: {}", component_, message);
    out = kafka_link_change{false, std::move(message)};
  }
  if (down_ && !brokers_down) {
    down_ = false;
    logged_kinds_ = 0;
    auto message = "brokers " + brokers_ + " reachable again after "
                   + std::to_string(static_cast<int>(now - down_since_ + 0.5)) + " s";
    spdlog::info("{}: {}", component_, message);
    out = kafka_link_change{false, std::move(message)};
  } else if (down_ && now >= next_reminder_) {
    ++reminders_;
    spdlog::warn("{}: brokers {} still unreachable after {:.0f} s; retrying", component_,
                 brokers_, now - down_since_);
    reminder_gap_ = std::min(reminder_gap_ * 2, last_reminder_gap_seconds);
    next_reminder_ = now + reminder_gap_;
  }
  // Usable again only when neither cause remains.
  if (down_ || failed_)
    return std::nullopt;
  return out;
}

void kafka_waker::wake() {
  if (pending_.exchange(true, std::memory_order_acq_rel))
    return;
  if (auto strong = target_.lock())
    caf::anon_send(caf::actor_cast<caf::actor>(strong), kafka_wake_atom::value);
}

void report_link_change(const caf::actor& monitor, const std::string& component,
                        const kafka_link_change& change) {
  if (monitor)
    caf::anon_send(monitor, health_atom::value, component,
                   std::string{change.down ? "unhealthy" : "healthy"}, change.message);
}

void report_kafka_stats(const caf::actor& monitor, const std::string& component,
                        std::string json) {
  if (!monitor)
    return;
  caf::anon_send(monitor, stats_atom::value, component, std::move(json));
  caf::anon_send(monitor, heartbeat_atom::value, component);
}

} // namespace switchboard
