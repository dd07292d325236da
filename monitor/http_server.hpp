#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include "monitor/http_api.hpp"

namespace switchboard {

/// Why the HTTP server could not start.
enum class http_errc : uint8_t {
  /// The listen address is not `ADDR:PORT`; the message quotes it.
  bad_address = 1,
  /// Binding or listening failed (port taken, address not local, ...).
  cannot_listen,
  /// `start` was called on a running server.
  already_running,
};

/// The stable name of an HTTP error code, e.g. `bad_address`.
const char* to_string(http_errc code) noexcept;

/// Name of the environment variable holding the API token.
inline constexpr const char* api_token_variable = "SWITCHBOARD_API_TOKEN";

/// The API token from `SWITCHBOARD_API_TOKEN`, or empty when unset.
std::string api_token_from_environment();

/// Settings of the REST API and web dashboard server.
struct http_server_config {
  /// `ADDR:PORT` or `[IPv6]:PORT`; port 0 picks a free port.
  std::string address = "127.0.0.1:8080";
  /// Bearer token required by POST, PUT and DELETE; empty disables those calls.
  std::string api_token;
  /// How long a request waits for the backend before answering 503.
  std::chrono::milliseconds backend_timeout{2000};
  /// Interval of SSE keep-alive comments on an idle event stream.
  std::chrono::milliseconds keepalive_interval{10000};
  /// Largest request body accepted; larger ones get 413.
  std::size_t max_body_bytes = std::size_t{1} << 20;
  /// Worker threads serving connections.
  std::size_t threads = 16;
  /// Event stream clients served at once; more get 503 so polling stays served.
  std::size_t max_stream_clients = 8;
};

/// A parsed listen address.
struct listen_address {
  /// Host or IP literal without brackets.
  std::string host;
  /// Port number; 0 picks a free port.
  uint16_t port = 0;
};

/// Parses `ADDR:PORT` or `[IPv6]:PORT`; the error names what is wrong.
caf::expected<listen_address> parse_listen_address(std::string_view text);

/// Compares a presented secret with the expected one in time independent of where
/// they differ (it depends only on the expected secret's length).
bool constant_time_equal(std::string_view presented, std::string_view expected) noexcept;

/// The REST API and the web dashboard over HTTP/1.1, on its own worker threads.
///
/// Every request is answered: unknown paths get a JSON 404, wrong methods 405 with
/// `Allow`, large bodies 413, bad JSON 400, backend timeouts 503; all error bodies are
/// `{"error": "...", "status": N}`.
class http_server {
public:
  /// Creates a stopped server answering from `backend`.
  http_server(std::shared_ptr<http_backend> backend, http_server_config cfg);

  /// Stops the server if it runs.
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds the configured address and starts serving; returns once connections are
  /// accepted, or an `http_errc` error.
  caf::error start();

  /// Stops accepting, ends event streams and joins the worker threads; idempotent.
  void stop();

  /// True between a successful `start` and `stop`.
  bool running() const noexcept;

  /// The bound port (the picked one when configured with port 0); 0 when stopped.
  uint16_t port() const noexcept;

  /// The bound host as configured.
  const std::string& host() const noexcept;

  /// `http://HOST:PORT`, for printing and for clients.
  std::string url() const;

  /// Event stream clients connected now.
  std::size_t stream_clients() const noexcept;

  /// The settings in use.
  const http_server_config& config() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace switchboard

CAF_ERROR_CODE_ENUM(switchboard::http_errc, "http")
