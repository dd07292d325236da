#pragma once

#include <chrono>
#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "monitor/http_api.hpp"

namespace switchboard {

class dashboard_cache;
class event_hub;

/// The HTTP API's view of a running pipeline: every call asks the dashboard actor with
/// the caller's timeout from the server's own thread, so no actor ever blocks on HTTP.
class actor_backend : public http_backend {
public:
  /// A backend over `dashboard`; `hub` feeds the event stream; `cache`, when given,
  /// answers dashboard polls while its snapshot is fresh.
  actor_backend(caf::actor_system& sys, caf::actor dashboard, std::shared_ptr<event_hub> hub,
                std::shared_ptr<const dashboard_cache> cache = nullptr);

  json_result dashboard(std::chrono::milliseconds timeout) override;
  json_result liveness(std::chrono::milliseconds timeout) override;
  backend_result<readiness> ready(std::chrono::milliseconds timeout) override;
  json_result metrics(std::chrono::milliseconds timeout) override;
  text_result prometheus(std::chrono::milliseconds timeout) override;
  json_result alerts(std::chrono::milliseconds timeout) override;
  json_result alert_rules(std::chrono::milliseconds timeout) override;
  json_result add_alert_rule(const boost::json::value& rule,
                             std::chrono::milliseconds timeout) override;
  json_result remove_alert_rule(const std::string& name,
                                std::chrono::milliseconds timeout) override;
  json_result routes(std::chrono::milliseconds timeout) override;
  json_result replace_routes(const boost::json::value& config,
                             std::chrono::milliseconds timeout) override;
  std::shared_ptr<event_subscription> subscribe() override;

private:
  text_result ask(const std::string& what, std::chrono::milliseconds timeout);
  json_result ask_json(const std::string& what, std::chrono::milliseconds timeout);

  caf::actor_system& sys_;
  caf::actor dashboard_;
  std::shared_ptr<event_hub> hub_;
  std::shared_ptr<const dashboard_cache> cache_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace switchboard
