#include "monitor/actor_backend.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/protocol.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "monitor/dashboard_actor.hpp"
#include "monitor/event_stream.hpp"

namespace switchboard {

namespace {

// Splits a multi-line validation message into one error per line.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty())
      out.push_back(line);
    if (nl == std::string::npos)
      break;
    pos = nl + 1;
  }
  return out;
}

// Sends a request and waits for a string answer; `timeout` on no answer.
template <class... Ts>
backend_result<std::string> request_text(caf::actor_system& sys, const caf::actor& who,
                                         std::chrono::milliseconds timeout, Ts&&... xs) {
  if (!who)
    return backend_result<std::string>::failure(backend_status::unavailable,
                                                "the pipeline is not running");
  caf::scoped_actor self{sys};
  auto result = backend_result<std::string>::failure(backend_status::timeout,
                                                     "no answer from the pipeline within "
                                                       + std::to_string(timeout.count())
                                                       + " ms");
  self->request(who, timeout, std::forward<Ts>(xs)...)
    .receive([&](std::string& text) { result = backend_result<std::string>::success(text); },
             [&](caf::error& err) {
               if (err != caf::sec::request_timeout)
                 result = backend_result<std::string>::failure(backend_status::unavailable,
                                                               error_text(err));
             });
  return result;
}

json_result parsed(const backend_result<std::string>& text) {
  if (!text.ok())
    return json_result::failure(text.status, text.message);
  boost::json::error_code ec;
  auto v = boost::json::parse(text.value, ec);
  if (ec)
    return json_result::failure(backend_status::unavailable,
                                "the pipeline answered malformed JSON: " + ec.message());
  return json_result::success(std::move(v));
}

} // namespace

actor_backend::actor_backend(caf::actor_system& sys, caf::actor dashboard,
                             std::shared_ptr<event_hub> hub,
                             std::shared_ptr<const dashboard_cache> cache)
  : sys_(sys),
    dashboard_(std::move(dashboard)),
    hub_(std::move(hub)),
    cache_(std::move(cache)),
    started_(std::chrono::steady_clock::now()) {
  // nop
}

text_result actor_backend::ask(const std::string& what, std::chrono::milliseconds timeout) {
  return request_text(sys_, dashboard_, timeout, snapshot_atom::value, what);
}

json_result actor_backend::ask_json(const std::string& what, std::chrono::milliseconds timeout) {
  return parsed(ask(what, timeout));
}

json_result actor_backend::dashboard(std::chrono::milliseconds timeout) {
  // The actor refreshes the snapshot every second; one older than this means it is stuck
  // or starved, and asking it tells (503 after the timeout).
  constexpr std::chrono::milliseconds max_age{3000};
  if (cache_)
    if (auto json = cache_->load(max_age, std::chrono::steady_clock::now()))
      return parsed(backend_result<std::string>::success(*json));
  return ask_json("dashboard", timeout);
}

json_result actor_backend::liveness(std::chrono::milliseconds) {
  // Liveness is the process answering at all; it must not depend on the actors.
  boost::json::object o;
  o["status"] = "alive";
  o["uptime_seconds"] =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return json_result::success(std::move(o));
}

backend_result<readiness> actor_backend::ready(std::chrono::milliseconds timeout) {
  auto health = ask_json("health", timeout);
  if (!health.ok())
    return backend_result<readiness>::success(readiness{false, health.message});
  readiness r{true, {}};
  if (health.value.is_object()) {
    auto* d = health.value.get_object().if_contains("dispatcher");
    if (d == nullptr) {
      r = {false, "the dispatcher has not reported yet"};
    } else if (d->is_object()) {
      // Bad input raising the error rate is no reason to take the node out of service;
      // a dispatcher that is down, restarting or silent is.
      auto& dobj = d->get_object();
      auto* responsive = dobj.if_contains("responsive");
      if (responsive && responsive->is_bool() && !responsive->get_bool()) {
        auto* msg = dobj.if_contains("message");
        r = {false, "the dispatcher is not responding"
                      + (msg && msg->is_string() ? ": " + std::string{msg->get_string()}
                                                 : std::string{})};
      }
    }
  }
  return backend_result<readiness>::success(r);
}

json_result actor_backend::metrics(std::chrono::milliseconds timeout) {
  return ask_json("metrics", timeout);
}

text_result actor_backend::prometheus(std::chrono::milliseconds timeout) {
  return ask("prometheus", timeout);
}

json_result actor_backend::alerts(std::chrono::milliseconds timeout) {
  return ask_json("alerts", timeout);
}

json_result actor_backend::alert_rules(std::chrono::milliseconds timeout) {
  auto rules = ask_json("rules", timeout);
  if (!rules.ok())
    return rules;
  boost::json::object o;
  o["rules"] = std::move(rules.value);
  return json_result::success(std::move(o));
}

json_result actor_backend::add_alert_rule(const boost::json::value& rule,
                                          std::chrono::milliseconds timeout) {
  auto res = request_text(sys_, dashboard_, timeout, rules_atom::value, std::string{"add"},
                          to_json(rule));
  if (!res.ok())
    return json_result::failure(res.status, res.message);
  if (!res.value.empty()) {
    auto status = res.value.find("already") != std::string::npos ? backend_status::conflict
                                                                 : backend_status::invalid;
    return json_result::failure(status, "alert rule refused", lines_of(res.value));
  }
  return json_result::success(rule);
}

json_result actor_backend::remove_alert_rule(const std::string& name,
                                             std::chrono::milliseconds timeout) {
  auto res = request_text(sys_, dashboard_, timeout, rules_atom::value, std::string{"delete"},
                          name);
  if (!res.ok())
    return json_result::failure(res.status, res.message);
  if (!res.value.empty())
    return json_result::failure(backend_status::not_found, res.value);
  boost::json::object o;
  o["deleted"] = name;
  return json_result::success(std::move(o));
}

json_result actor_backend::routes(std::chrono::milliseconds timeout) {
  return ask_json("routes", timeout);
}

json_result actor_backend::replace_routes(const boost::json::value& config,
                                          std::chrono::milliseconds timeout) {
  auto res = request_text(sys_, dashboard_, timeout, reload_atom::value, to_json(config));
  if (!res.ok())
    return json_result::failure(res.status, res.message);
  if (!res.value.empty())
    return json_result::failure(backend_status::invalid,
                                "the routes were refused; the running routes stay",
                                lines_of(res.value));
  return routes(timeout);
}

std::shared_ptr<event_subscription> actor_backend::subscribe() {
  return hub_ ? hub_->subscribe() : nullptr;
}

} // namespace switchboard
