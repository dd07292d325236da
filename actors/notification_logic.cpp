#include "actors/notification_logic.hpp"

#include <algorithm>

namespace switchboard {

namespace {

bool takes(const webhook_spec& spec, std::string_view event_type) {
  const auto& types = spec.event_types;
  return types.empty() || std::find(types.begin(), types.end(), event_type) != types.end();
}

} // namespace

const char* to_string(delivery_action a) noexcept {
  switch (a) {
    case delivery_action::send: return "send";
    case delivery_action::wait: return "wait";
    case delivery_action::delivered: return "delivered";
    case delivery_action::give_up: return "give_up";
  }
  return "unknown";
}

webhook_planner::webhook_planner(const processors_config& cfg, webhook_retry_options opts)
  : opts_(opts), seeds_(opts.seed) {
  endpoints_.reserve(cfg.webhooks.size());
  for (const auto& spec : cfg.webhooks)
    endpoints_.push_back(
      endpoint{spec, circuit_breaker{cfg.breaker_failure_threshold, cfg.breaker_open_seconds}});
}

std::vector<std::string> webhook_planner::targets(std::string_view event_type) const {
  std::vector<std::string> result;
  for (const auto& e : endpoints_)
    if (takes(e.spec, event_type))
      result.push_back(e.spec.name);
  return result;
}

std::vector<delivery_step> webhook_planner::plan(std::string_view event_type, double now) {
  std::vector<delivery_step> result;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (!takes(endpoints_[i].spec, event_type))
      continue;
    auto id = next_id_++;
    delivery d{i, 0, false, now, backoff{opts_.base_seconds, opts_.cap_seconds, opts_.kind, seeds_()}};
    if (deliveries_.size() >= opts_.max_pending) {
      ++given_up_;
      auto s = step(delivery_action::give_up, id, d);
      s.reason = "webhook '" + endpoints_[i].spec.name + "': "
                 + std::to_string(opts_.max_pending) + " deliveries already pending";
      result.push_back(std::move(s));
      continue;
    }
    auto& stored = deliveries_.emplace(id, std::move(d)).first->second;
    result.push_back(attempt(id, stored, now));
  }
  return result;
}

caf::expected<delivery_step> webhook_planner::due(uint64_t id, double now) {
  auto d = lookup(id, false);
  if (!d)
    return d.error();
  if (now < (*d)->next_at)
    return step(delivery_action::wait, id, **d);
  return attempt(id, **d, now);
}

caf::expected<delivery_step> webhook_planner::finish(uint64_t id, bool success, double now,
                                                     std::string_view error) {
  auto found = lookup(id, true);
  if (!found)
    return found.error();
  auto& d = **found;
  d.in_flight = false;
  auto& e = endpoints_[d.endpoint];
  if (success) {
    e.breaker.record_success(now);
    ++delivered_;
    auto s = step(delivery_action::delivered, id, d);
    deliveries_.erase(id);
    return s;
  }
  e.breaker.record_failure(now);
  // A retry before the breaker lets a trial through would only be refused.
  auto not_before = e.breaker.state() == breaker_state::open ? e.breaker.reopens_at() : now;
  return retry_or_give_up(id, d, not_before, now,
                          error.empty() ? std::string{"the request failed"} : std::string{error});
}

const circuit_breaker* webhook_planner::breaker(const std::string& webhook) const {
  for (const auto& e : endpoints_)
    if (e.spec.name == webhook)
      return &e.breaker;
  return nullptr;
}

delivery_step webhook_planner::attempt(uint64_t id, delivery& d, double now) {
  auto& e = endpoints_[d.endpoint];
  ++d.attempts;
  if (e.breaker.allow(now)) {
    d.in_flight = true;
    return step(delivery_action::send, id, d);
  }
  ++short_circuited_;
  return retry_or_give_up(id, d, e.breaker.reopens_at(), now, "its circuit breaker is open");
}

delivery_step webhook_planner::retry_or_give_up(uint64_t id, delivery& d, double not_before,
                                                double now, const std::string& why) {
  const auto& spec = endpoints_[d.endpoint].spec;
  if (d.attempts > std::max(0, spec.max_retries)) {
    ++given_up_;
    auto s = step(delivery_action::give_up, id, d);
    s.reason = "webhook '" + spec.name + "' gave up after " + std::to_string(d.attempts)
               + " attempts: " + why;
    deliveries_.erase(id);
    return s;
  }
  d.next_at = std::max(now + d.delays.next(), not_before);
  return step(delivery_action::wait, id, d);
}

delivery_step webhook_planner::step(delivery_action action, uint64_t id,
                                    const delivery& d) const {
  const auto& spec = endpoints_[d.endpoint].spec;
  delivery_step s;
  s.action = action;
  s.id = id;
  s.webhook = spec.name;
  s.url = spec.url;
  s.attempt = d.attempts;
  s.at = d.next_at;
  s.timeout_seconds = spec.timeout_seconds;
  return s;
}

caf::expected<webhook_planner::delivery*> webhook_planner::lookup(uint64_t id,
                                                                  bool want_in_flight) {
  auto i = deliveries_.find(id);
  if (i == deliveries_.end())
    return caf::make_error(proc_errc::unknown_id,
                           "delivery " + std::to_string(id) + " is not in progress");
  if (i->second.in_flight != want_in_flight)
    return caf::make_error(proc_errc::invalid_transition,
                           "delivery " + std::to_string(id)
                             + (want_in_flight ? " has no request out" : " has a request out"));
  return &i->second;
}

} // namespace switchboard
