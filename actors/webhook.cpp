#include "actors/webhook.hpp"

#include <chrono>

#include <httplib.h>

namespace switchboard {

http_post_result post_json(const std::string& url, const std::string& body,
                           double timeout_seconds) {
  http_post_result result;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos
      || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    result.error = "webhook url '" + url + "' does not start with http:// or https://";
    return result;
  }
  auto path_start = url.find('/', scheme_end + 3);
  auto origin = url.substr(0, path_start);
  auto path = path_start == std::string::npos ? std::string{"/"} : url.substr(path_start);
  if (origin.size() <= scheme_end + 3) {
    result.error = "webhook url '" + url + "' names no host";
    return result;
  }
  httplib::Client client{origin};
  if (!client.is_valid()) {
    result.error = "webhook url '" + url + "' cannot be used by the HTTP client";
    return result;
  }
  auto timeout = std::chrono::duration<double>{timeout_seconds > 0 ? timeout_seconds : 1.0};
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
  client.set_connection_timeout(micros);
  client.set_read_timeout(micros);
  client.set_write_timeout(micros);
  auto res = client.Post(path.c_str(), body, "application/json");
  if (!res) {
    result.error = "POST " + url + " failed: " + httplib::to_string(res.error());
    return result;
  }
  result.status = res->status;
  if (!result.ok())
    result.error = "POST " + url + " answered HTTP " + std::to_string(res->status);
  return result;
}

} // namespace switchboard
