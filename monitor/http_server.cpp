#include "monitor/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/json.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "events/json_writer.hpp"
#include "monitor/web_page.hpp"

namespace switchboard {

const char* to_string(backend_status status) noexcept {
  switch (status) {
    case backend_status::ok: return "ok";
    case backend_status::invalid: return "invalid";
    case backend_status::not_found: return "not_found";
    case backend_status::conflict: return "conflict";
    case backend_status::timeout: return "timeout";
    case backend_status::unavailable: return "unavailable";
  }
  return "unknown";
}

http_backend::~http_backend() {
  // nop
}

const char* to_string(http_errc code) noexcept {
  switch (code) {
    case http_errc::bad_address: return "bad_address";
    case http_errc::cannot_listen: return "cannot_listen";
    case http_errc::already_running: return "already_running";
  }
  return "unknown";
}

std::string api_token_from_environment() {
  const char* value = std::getenv(api_token_variable);
  return value != nullptr ? std::string{value} : std::string{};
}

caf::expected<listen_address> parse_listen_address(std::string_view text) {
  auto fail = [&](const char* why) {
    return caf::make_error(http_errc::bad_address,
                           "invalid HTTP listen address '" + std::string{text}
                             + "': " + why + " (expected ADDR:PORT, e.g. 127.0.0.1:8080)");
  };
  listen_address result;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return fail("missing ']' after the IPv6 address");
    result.host = std::string{text.substr(1, close - 1)};
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return fail("missing ':PORT' after ']'");
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return fail("missing ':PORT'");
    result.host = std::string{text.substr(0, colon)};
    if (result.host.find(':') != std::string::npos)
      return fail("IPv6 addresses need brackets, as in [::1]:8080");
    port_text = text.substr(colon + 1);
  }
  if (result.host.empty())
    return fail("empty host");
  if (port_text.empty() || port_text.size() > 5
      || !std::all_of(port_text.begin(), port_text.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return fail("the port is not a number");
  auto port = std::stoul(std::string{port_text});
  if (port > 65535)
    return fail("the port is above 65535");
  result.port = static_cast<uint16_t>(port);
  return result;
}

bool constant_time_equal(std::string_view presented, std::string_view expected) noexcept {
  // Loop over the expected secret only, so timing reveals its length at most.
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= static_cast<unsigned char>(p ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

namespace {

constexpr const char* json_type = "application/json";

constexpr const char* prometheus_type = "text/plain; version=0.0.4; charset=utf-8";

/// The paths the API serves and the methods each accepts.
enum class endpoint {
  none,
  page,
  dashboard,
  health,
  ready,
  metrics_json,
  metrics_text,
  alerts,
  rules,
  rule,
  routes,
  stream,
};

endpoint find_endpoint(const std::string& path) {
  static constexpr std::string_view rule_prefix = "/api/alerts/rules/";
  if (path == "/" || path == "/index.html")
    return endpoint::page;
  if (path == "/api/dashboard")
    return endpoint::dashboard;
  if (path == "/api/health")
    return endpoint::health;
  if (path == "/api/ready")
    return endpoint::ready;
  if (path == "/api/metrics")
    return endpoint::metrics_json;
  if (path == "/metrics")
    return endpoint::metrics_text;
  if (path == "/api/alerts")
    return endpoint::alerts;
  if (path == "/api/alerts/rules")
    return endpoint::rules;
  if (path.size() > rule_prefix.size() && path.compare(0, rule_prefix.size(), rule_prefix) == 0
      && path.find('/', rule_prefix.size()) == std::string::npos)
    return endpoint::rule;
  if (path == "/api/routes")
    return endpoint::routes;
  if (path == "/api/events/stream")
    return endpoint::stream;
  return endpoint::none;
}

/// Methods accepted by an endpoint, as sent in `Allow` (HEAD goes with GET).
const char* allowed_methods(endpoint ep) {
  switch (ep) {
    case endpoint::rules: return "GET, HEAD, POST, DELETE, OPTIONS";
    case endpoint::rule: return "DELETE, OPTIONS";
    case endpoint::routes: return "GET, HEAD, PUT, OPTIONS";
    case endpoint::none: return "";
    default: return "GET, HEAD, OPTIONS";
  }
}

bool method_allowed(endpoint ep, const std::string& method) {
  if (method == "OPTIONS")
    return true;
  bool get = method == "GET" || method == "HEAD";
  switch (ep) {
    case endpoint::rules: return get || method == "POST" || method == "DELETE";
    case endpoint::rule: return method == "DELETE";
    case endpoint::routes: return get || method == "PUT";
    case endpoint::none: return false;
    default: return get;
  }
}

bool is_mutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

int http_status(backend_status status) {
  switch (status) {
    case backend_status::ok: return 200;
    case backend_status::invalid: return 400;
    case backend_status::not_found: return 404;
    case backend_status::conflict: return 409;
    case backend_status::timeout:
    case backend_status::unavailable: return 503;
  }
  return 500;
}

void set_json(httplib::Response& res, int status, const boost::json::value& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(to_json(body), json_type);
}

boost::json::object error_object(int status, std::string message) {
  boost::json::object obj;
  obj["error"] = std::move(message);
  obj["status"] = status;
  return obj;
}

void set_error(httplib::Response& res, int status, std::string message) {
  set_json(res, status, error_object(status, std::move(message)));
}

/// Line and column (both from 1) of byte `offset` in `text`.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text,
                                                    std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, offset - line_start + 1};
}

/// Parses a request body as one JSON document; on failure `why` says where and why.
std::optional<boost::json::value> parse_body(std::string_view body, std::string& why) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    why = "the request body is empty; expected a JSON document";
    return std::nullopt;
  }
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::stream_parser parser{{}, opts};
  boost::json::error_code ec;
  auto consumed = parser.write(body.data(), body.size(), ec);
  if (!ec)
    parser.finish(ec);
  if (ec) {
    auto [line, column] = line_and_column(body, consumed);
    why = "invalid JSON in the request body at line " + std::to_string(line) + ", column "
          + std::to_string(column) + ": " + ec.message();
    return std::nullopt;
  }
  return parser.release();
}

/// Writes one SSE message: `data` lines split on newlines as the format requires.
void append_sse(std::string& out, const stream_message& msg) {
  out += "id: ";
  out += std::to_string(msg.id);
  out += "\nevent: ";
  for (char c : msg.event)
    if (c != '\n' && c != '\r')
      out += c;
  out += '\n';
  std::size_t start = 0;
  while (start <= msg.data.size()) {
    auto end = msg.data.find('\n', start);
    if (end == std::string::npos)
      end = msg.data.size();
    out += "data: ";
    out.append(msg.data, start, end - start);
    out += '\n';
    start = end + 1;
  }
  out += '\n';
}

} // namespace

struct http_server::impl {
  std::shared_ptr<http_backend> backend;
  http_server_config cfg;
  std::unique_ptr<httplib::Server> svr;
  std::thread thread;
  std::string host;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> running{false};
  std::atomic<std::size_t> stream_count{0};
  /// The open event streams, so `stop` can end them; recreated by every start.
  std::unique_ptr<event_hub> streams;

  impl(std::shared_ptr<http_backend> be, http_server_config config)
    : backend(std::move(be)), cfg(std::move(config)) {
    // nop
  }

  // -- request handling -------------------------------------------------------

  void handle(const httplib::Request& req, httplib::Response& res) {
    try {
      dispatch(req, res);
    } catch (const std::exception& ex) {
      spdlog::error("HTTP {} {} failed: {}", req.method, req.path, ex.what());
      set_error(res, 500, std::string{"internal error: "} + ex.what());
    } catch (...) {
      set_error(res, 500, "internal error");
    }
  }

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    auto ep = find_endpoint(req.path);
    if (ep == endpoint::none) {
      set_error(res, 404, "no such endpoint: " + req.path);
      return;
    }
    if (!method_allowed(ep, req.method)) {
      res.set_header("Allow", allowed_methods(ep));
      set_error(res, 405,
                "method " + req.method + " is not allowed on " + req.path + " (allowed: "
                  + allowed_methods(ep) + ")");
      return;
    }
    if (req.method == "OPTIONS") {
      res.set_header("Allow", allowed_methods(ep));
      res.status = 204;
      return;
    }
    if (is_mutating(req.method) && !authorized(req, res))
      return;
    auto timeout = cfg.backend_timeout;
    switch (ep) {
      case endpoint::page: serve_page(res); return;
      case endpoint::dashboard: reply(res, backend->dashboard(timeout), "the dashboard"); return;
      case endpoint::health: reply(res, backend->liveness(timeout), "the liveness check"); return;
      case endpoint::ready: serve_ready(res); return;
      case endpoint::metrics_json: reply(res, backend->metrics(timeout), "the metrics"); return;
      case endpoint::metrics_text: serve_prometheus(res); return;
      case endpoint::alerts: reply(res, backend->alerts(timeout), "the alerts"); return;
      case endpoint::rules: serve_rules(req, res); return;
      case endpoint::rule:
        remove_rule(res, req.path.substr(std::string_view{"/api/alerts/rules/"}.size()));
        return;
      case endpoint::routes: serve_routes(req, res); return;
      case endpoint::stream: serve_stream(req, res); return;
      case endpoint::none: return;
    }
  }

  bool authorized(const httplib::Request& req, httplib::Response& res) {
    if (cfg.api_token.empty()) {
      set_error(res, 403,
                "this API call changes the running system and is disabled: set "
                "SWITCHBOARD_API_TOKEN and send it as 'Authorization: Bearer <token>'");
      return false;
    }
    auto header = req.get_header_value("Authorization");
    static constexpr std::string_view scheme = "bearer ";
    bool has_scheme = header.size() >= scheme.size()
                      && std::equal(scheme.begin(), scheme.end(), header.begin(),
                                    [](char a, char b) {
                                      return a == std::tolower(static_cast<unsigned char>(b));
                                    });
    if (!has_scheme) {
      res.set_header("WWW-Authenticate", "Bearer");
      set_error(res, 401,
                header.empty() ? "missing 'Authorization: Bearer <token>' header"
                               : "the Authorization header is not a Bearer token");
      return false;
    }
    auto token = std::string_view{header}.substr(scheme.size());
    while (!token.empty() && token.front() == ' ')
      token.remove_prefix(1);
    if (!constant_time_equal(token, cfg.api_token)) {
      res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      set_error(res, 401, "invalid API token");
      return false;
    }
    return true;
  }

  template <class T>
  bool fail(httplib::Response& res, const backend_result<T>& result, const char* what) {
    if (result.ok())
      return false;
    auto status = http_status(result.status);
    auto message = result.message;
    if (message.empty()) {
      if (result.status == backend_status::timeout)
        message = std::string{what} + " did not answer within "
                  + std::to_string(cfg.backend_timeout.count()) + " ms";
      else
        message = std::string{what} + ": " + to_string(result.status);
    }
    auto body = error_object(status, std::move(message));
    if (!result.errors.empty()) {
      boost::json::array errs;
      for (auto& e : result.errors)
        errs.emplace_back(e);
      body["errors"] = std::move(errs);
    }
    if (status == 503)
      res.set_header("Retry-After", "1");
    set_json(res, status, body);
    return true;
  }

  void reply(httplib::Response& res, const json_result& result, const char* what,
             int ok_status = 200) {
    if (!fail(res, result, what))
      set_json(res, ok_status, result.value);
  }

  void serve_page(httplib::Response& res) {
    auto page = web_dashboard_page();
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
  }

  void serve_ready(httplib::Response& res) {
    auto result = backend->ready(cfg.backend_timeout);
    if (result.ok() && result.value.ready) {
      boost::json::object body;
      body["ready"] = true;
      set_json(res, 200, body);
      return;
    }
    std::string reason = result.ok() ? result.value.reason : result.message;
    if (reason.empty())
      reason = result.ok() ? std::string{"not ready"}
                           : "the readiness check did not answer within "
                               + std::to_string(cfg.backend_timeout.count()) + " ms";
    auto body = error_object(503, "not ready: " + reason);
    body["ready"] = false;
    body["reason"] = reason;
    res.set_header("Retry-After", "1");
    set_json(res, 503, body);
  }

  void serve_prometheus(httplib::Response& res) {
    auto result = backend->prometheus(cfg.backend_timeout);
    if (fail(res, result, "the metrics"))
      return;
    res.set_header("Cache-Control", "no-store");
    res.set_content(result.value, prometheus_type);
  }

  /// Parses the body or answers 400; returns nothing when answered.
  std::optional<boost::json::value> json_body(const httplib::Request& req,
                                              httplib::Response& res) {
    std::string why;
    auto parsed = parse_body(req.body, why);
    if (!parsed)
      set_error(res, 400, std::move(why));
    return parsed;
  }

  void serve_rules(const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") {
      reply(res, backend->alert_rules(cfg.backend_timeout), "the alert rules");
    } else if (req.method == "POST") {
      if (auto rule = json_body(req, res))
        reply(res, backend->add_alert_rule(*rule, cfg.backend_timeout), "the alert rules", 201);
    } else if (req.has_param("name")) {
      remove_rule(res, req.get_param_value("name"));
    } else {
      set_error(res, 400,
                "DELETE needs the rule's name: /api/alerts/rules/<name> or "
                "/api/alerts/rules?name=<name>");
    }
  }

  void remove_rule(httplib::Response& res, const std::string& name) {
    if (name.empty()) {
      set_error(res, 400, "the alert rule name is empty");
      return;
    }
    reply(res, backend->remove_alert_rule(name, cfg.backend_timeout), "the alert rules");
  }

  void serve_routes(const httplib::Request& req, httplib::Response& res) {
    if (req.method == "PUT") {
      if (auto config = json_body(req, res))
        reply(res, backend->replace_routes(*config, cfg.backend_timeout), "the route table");
      return;
    }
    reply(res, backend->routes(cfg.backend_timeout), "the route table");
  }

  // -- server-sent events -----------------------------------------------------

  /// Per-connection state of one event stream.
  struct stream_state {
    std::shared_ptr<event_subscription> sub;
    uint64_t reported_drops = 0;
    bool greeted = false;
  };

  void serve_stream(const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    if (req.method == "HEAD") {
      res.status = 200;
      res.set_header("Content-Type", "text/event-stream");
      return;
    }
    if (stream_count.fetch_add(1) >= cfg.max_stream_clients) {
      stream_count.fetch_sub(1);
      res.set_header("Retry-After", "5");
      set_error(res, 503,
                "too many event stream clients (at most "
                  + std::to_string(cfg.max_stream_clients) + ")");
      return;
    }
    auto sub = backend->subscribe();
    if (sub == nullptr || !streams->adopt(sub)) {
      stream_count.fetch_sub(1);
      res.set_header("Retry-After", "5");
      set_error(res, 503, "the event stream is not available");
      return;
    }
    auto state = std::make_shared<stream_state>();
    state->sub = std::move(sub);
    auto keepalive = cfg.keepalive_interval;
    res.set_chunked_content_provider(
      "text/event-stream",
      [state, keepalive](size_t, httplib::DataSink& sink) {
        std::string out;
        if (!state->greeted) {
          // An immediate first chunk lets clients see the stream open at once.
          state->greeted = true;
          out = "retry: 3000\n: connected\n\n";
          return sink.write(out.data(), out.size());
        }
        std::vector<stream_message_ptr> batch;
        auto result = state->sub->pop_all(batch, keepalive);
        if (result == event_subscription::wait_result::closed) {
          sink.done();
          return true;
        }
        auto drops = state->sub->dropped();
        if (drops != state->reported_drops) {
          out += "event: dropped\ndata: {\"dropped\":" + std::to_string(drops) + "}\n\n";
          state->reported_drops = drops;
        }
        for (auto& msg : batch)
          append_sse(out, *msg);
        if (out.empty())
          out = ": keep-alive\n\n";
        return sink.write(out.data(), out.size());
      },
      [this, state](bool) {
        state->sub->close();
        stream_count.fetch_sub(1);
      });
  }

  // -- httplib set-up ---------------------------------------------------------

  void install() {
    svr = std::make_unique<httplib::Server>();
    auto threads = std::max<std::size_t>(cfg.threads, 2);
    svr->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr->set_payload_max_length(cfg.max_body_bytes);
    // httplib's default also sets SO_REUSEPORT, which lets a second server bind a port
    // that is in use and silently share its traffic; a taken port must be an error.
    // Accepted connections inherit TCP_NODELAY: httplib writes headers and body
    // separately, and Nagle's algorithm against the client's delayed ACK held every
    // keep-alive response back by 40 ms.
    svr->set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    });
    svr->set_read_timeout(std::chrono::seconds{5});
    svr->set_write_timeout(std::chrono::seconds{5});
    svr->set_keep_alive_timeout(5);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res);
    };
    // Every request goes through `dispatch`, which knows the paths and their methods.
    svr->Get(".*", handler);
    svr->Post(".*", handler);
    svr->Put(".*", handler);
    svr->Delete(".*", handler);
    svr->Patch(".*", handler);
    svr->Options(".*", handler);
    // A request without a body is answered before httplib looks for one: that covers
    // methods httplib cannot route (TRACE, CONNECT) and a POST without Content-Length,
    // which httplib would otherwise refuse as malformed.
    svr->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.has_header("Transfer-Encoding")
          || (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0"))
        return httplib::Server::HandlerResponse::Unhandled;
      handle(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    using error_handler = httplib::Server::HandlerWithResponse;
    svr->set_error_handler(error_handler{[this](const httplib::Request&,
                                                httplib::Response& res) {
      // Errors raised by httplib itself (413, 400 on a broken request) get a JSON body.
      if (!res.body.empty() || res.is_chunked_content_provider_)
        return httplib::Server::HandlerResponse::Unhandled;
      std::string message;
      switch (res.status) {
        case 413:
          message = "request body too large (limit " + std::to_string(cfg.max_body_bytes)
                    + " bytes)";
          break;
        case 414: message = "request URI too long"; break;
        case 404: message = "no such endpoint"; break;
        case 400: message = "bad request: the HTTP request is malformed"; break;
        default: message = "HTTP error " + std::to_string(res.status); break;
      }
      set_error(res, res.status, std::move(message));
      return httplib::Server::HandlerResponse::Handled;
    }});
    svr->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        set_error(res, 500, "internal error");
      });
    svr->set_logger([](const httplib::Request& req, const httplib::Response& res) {
      spdlog::debug("HTTP {} {} -> {}", req.method, req.path, res.status);
    });
  }
};

http_server::http_server(std::shared_ptr<http_backend> backend, http_server_config cfg)
  : impl_(std::make_unique<impl>(std::move(backend), std::move(cfg))) {
  // nop
}

http_server::~http_server() {
  stop();
}

caf::error http_server::start() {
  if (impl_->running)
    return caf::make_error(http_errc::already_running,
                           std::string{"the HTTP server is already running"});
  auto addr = parse_listen_address(impl_->cfg.address);
  if (!addr)
    return std::move(addr.error());
  // A client that disconnects mid-response must not kill the process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  impl_->streams = std::make_unique<event_hub>();
  impl_->install();
  auto& svr = *impl_->svr;
  int port = 0;
  if (addr->port == 0) {
    port = svr.bind_to_any_port(addr->host);
  } else {
    port = svr.bind_to_port(addr->host, addr->port) ? addr->port : -1;
  }
  if (port <= 0) {
    impl_->svr.reset();
    return caf::make_error(http_errc::cannot_listen,
                           "cannot listen on " + impl_->cfg.address
                             + ": the address is in use or not local to this machine");
  }
  impl_->host = addr->host;
  impl_->port = static_cast<uint16_t>(port);
  std::atomic<bool> finished{false};
  impl_->thread = std::thread{[this, &finished] {
    impl_->svr->listen_after_bind();
    finished = true;
  }};
  // stop() only works once the accept loop runs; wait for it so stop never races.
  while (!svr.is_running() && !finished)
    std::this_thread::yield();
  if (finished) {
    impl_->thread.join();
    impl_->svr.reset();
    impl_->port = 0;
    return caf::make_error(http_errc::cannot_listen,
                           "cannot accept connections on " + impl_->cfg.address);
  }
  impl_->running = true;
  spdlog::info("HTTP API listening on {}", url());
  return {};
}

void http_server::stop() {
  if (!impl_->svr)
    return;
  // Streams end first, each with its closing chunk, so clients see a clean end.
  impl_->streams->close_all();
  impl_->svr->stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
  impl_->svr.reset();
  impl_->running = false;
  impl_->port = 0;
}

bool http_server::running() const noexcept {
  return impl_->running;
}

uint16_t http_server::port() const noexcept {
  return impl_->port;
}

const std::string& http_server::host() const noexcept {
  return impl_->host;
}

std::string http_server::url() const {
  auto h = impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return "http://" + h + ":" + std::to_string(port());
}

std::size_t http_server::stream_clients() const noexcept {
  return impl_->stream_count;
}

const http_server_config& http_server::config() const noexcept {
  return impl_->cfg;
}

} // namespace switchboard
