#pragma once

#include <string>

namespace switchboard {

/// The outcome of one webhook request.
struct http_post_result {
  /// HTTP status; 0 when no response arrived.
  int status = 0;
  /// Why the request failed (no response, or a status outside 2xx); empty on success.
  std::string error;

  /// True for a 2xx response.
  bool ok() const noexcept {
    return status >= 200 && status < 300;
  }
};

/// POSTs `body` as JSON to `url` (`http://HOST:PORT/path` or https) and waits at most
/// `timeout_seconds` for connecting, sending and reading each. Blocks: call it off
/// any actor's thread.
http_post_result post_json(const std::string& url, const std::string& body,
                           double timeout_seconds);

} // namespace switchboard
