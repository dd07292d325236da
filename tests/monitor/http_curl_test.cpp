// The HTTP API seen from outside: curl, promtool and raw sockets as clients.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include <boost/json.hpp>

#include "http_test_support.hpp"

using namespace switchboard;
using namespace switchboard::testing;

namespace {

/// `curl` printing the body, then a last line with the status code.
std::string curl(const std::string& args) {
  return "curl -s -S --max-time 10 -w '\\n%{http_code}' " + args;
}

struct curl_reply {
  int status = 0;
  std::string body;
};

curl_reply call(const std::string& args) {
  auto res = run_command(curl(args));
  curl_reply reply;
  auto nl = res.out.rfind('\n');
  REQUIRE(nl != std::string::npos);
  reply.status = std::stoi(res.out.substr(nl + 1));
  reply.body = res.out.substr(0, nl);
  return reply;
}

int error_status(const curl_reply& reply) {
  auto doc = boost::json::parse(reply.body).as_object();
  CHECK(doc.at("error").is_string());
  return doc.at("status").to_number<int>();
}

/// Sends raw bytes on a fresh connection and returns what comes back until close;
/// `half_close` also ends the sending side so a server waiting for more bytes stops.
std::string raw_exchange(uint16_t port, const std::string& bytes, bool half_close = true) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      break;
    sent += static_cast<std::size_t>(n);
  }
  if (half_close)
    ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

} // namespace

TEST_CASE("curl reaches every endpoint with the expected status", "[http][curl]") {
  REQUIRE(have_program("curl"));
  served_fake served;
  auto url = served.url();
  const std::string bearer = "-H 'Authorization: Bearer s3cret-token' ";
  const std::string json = "-H 'Content-Type: application/json' ";

  for (auto path : {"/api/dashboard", "/api/health", "/api/ready", "/api/metrics", "/metrics",
                    "/api/alerts", "/api/alerts/rules", "/api/routes", "/"}) {
    INFO(path);
    CHECK(call(url + path).status == 200);
  }
  auto dash = boost::json::parse(call(url + "/api/dashboard").body);
  CHECK(dash.at("metrics").at("events_per_second").as_double()
        == served.backend->served_events_per_second().back());

  auto added = call("-X POST " + bearer + json + "-d '{\"name\":\"backlog\",\"metric\":"
                    "\"queue_depth\",\"condition\":\"gte\",\"threshold\":100}' "
                    + url + "/api/alerts/rules");
  CHECK(added.status == 201);
  CHECK(call("-X DELETE " + bearer + url + "/api/alerts/rules/backlog").status == 200);
  auto gone = call("-X DELETE " + bearer + url + "/api/alerts/rules/backlog");
  CHECK(gone.status == 404);
  CHECK(error_status(gone) == 404);
  auto put = call("-X PUT " + bearer + json + "-d '{\"routes\":[{\"name\":\"all\"}]}' " + url
                  + "/api/routes");
  CHECK(put.status == 200);

  auto no_auth = call("-X DELETE " + url + "/api/alerts/rules/high_error_rate");
  CHECK(no_auth.status == 401);
  CHECK(error_status(no_auth) == 401);
  auto bad_auth = call("-X PUT -H 'Authorization: Bearer nope' " + json + "-d '{}' " + url
                       + "/api/routes");
  CHECK(bad_auth.status == 401);
  auto bad_json = call("-X POST " + bearer + json + "-d '{\"name\":' " + url
                       + "/api/alerts/rules");
  CHECK(bad_json.status == 400);
  CHECK(bad_json.body.find("invalid JSON") != std::string::npos);
  auto not_found = call(url + "/nope");
  CHECK(not_found.status == 404);
  CHECK(error_status(not_found) == 404);
  auto wrong_method = run_command(curl("-i -X DELETE " + bearer + url + "/api/dashboard"));
  CHECK(wrong_method.out.find("405") != std::string::npos);
  CHECK(wrong_method.out.find("Allow: GET, HEAD, OPTIONS") != std::string::npos);
  auto trace = call("-X TRACE " + url + "/api/health");
  CHECK(trace.status == 405);
  auto empty_post = call("-X POST " + bearer + url + "/api/alerts/rules");
  CHECK(empty_post.status == 400);
}

TEST_CASE("curl uploads over 1 MiB get 413 with a JSON body", "[http][curl]") {
  REQUIRE(have_program("curl"));
  served_fake served;
  auto path = std::string{"/tmp/switchboard_http_big_"} + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out{path};
    out << "{\"name\":\"" << std::string(std::size_t{1} << 20, 'x') << "\"}";
  }
  const std::string bearer = "-H 'Authorization: Bearer s3cret-token' ";
  auto fixed = call("-X POST " + bearer + "--data-binary @" + path + " " + served.url()
                    + "/api/alerts/rules");
  CHECK(fixed.status == 413);
  CHECK(error_status(fixed) == 413);
  auto chunked = call("-X POST " + bearer + "-H 'Transfer-Encoding: chunked' --data-binary @"
                      + path + " " + served.url() + "/api/alerts/rules");
  CHECK(chunked.status == 413);
  std::remove(path.c_str());
  CHECK(call(served.url() + "/api/health").status == 200);
}

TEST_CASE("an SSE client receives a published alert", "[http][curl][sse]") {
  REQUIRE(have_program("curl"));
  served_fake served;
  auto cmd = "curl -s -N -i --max-time 3 " + served.url() + "/api/events/stream";
  auto reader = std::async(std::launch::async, [&] { return run_command(cmd); });
  // The alert is published once curl's subscription exists, so it must arrive.
  std::size_t reached = 0;
  for (int i = 0; i < 2000 && reached == 0; ++i) {
    reached = served.backend->hub.subscribers() > 0
                ? served.backend->publish_alert("queue_backlog", "critical")
                : 0;
    if (reached == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  REQUIRE(reached == 1);
  served.backend->publish_notification("task t-1 completed");
  auto out = reader.get().out;
  CHECK(out.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(out.find("event: alert\n") != std::string::npos);
  CHECK(out.find("\"name\":\"queue_backlog\"") != std::string::npos);
  CHECK(out.find("event: notification\n") != std::string::npos);
  CHECK(out.find("data: {\"event_type\":\"user_notification\"") != std::string::npos);
  CHECK(out.find("\n: keep-alive\n") != std::string::npos);
}

TEST_CASE("event stream clients beyond the limit get 503 and stop ends streams",
          "[http][curl][sse]") {
  REQUIRE(have_program("curl"));
  served_fake served;
  auto limit = served.server->config().max_stream_clients;
  std::vector<std::future<command_result>> readers;
  for (std::size_t i = 0; i < limit; ++i)
    readers.push_back(std::async(std::launch::async, [&] {
      return run_command("curl -s -N --max-time 60 " + served.url() + "/api/events/stream");
    }));
  for (int i = 0; i < 5000 && served.server->stream_clients() < limit; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  REQUIRE(served.server->stream_clients() == limit);
  auto refused = call(served.url() + "/api/events/stream");
  CHECK(refused.status == 503);
  CHECK(refused.body.find("too many event stream clients") != std::string::npos);
  // Polling still works while every stream slot is taken.
  CHECK(call(served.url() + "/api/dashboard").status == 200);
  served.server->stop();
  for (auto& r : readers) {
    auto res = r.get();
    CHECK(res.status == 0);
    CHECK(res.out.find(": connected") != std::string::npos);
  }
}

TEST_CASE("/metrics passes promtool check metrics", "[http][curl][promtool]") {
  REQUIRE(have_program("curl"));
  if (!have_program("promtool")) {
    WARN("promtool not installed (Debian package prometheus); skipping the format check");
    return;
  }
  served_fake served;
  auto res = run_command("curl -s -f " + served.url() + "/metrics | promtool check metrics 2>&1");
  INFO(res.out);
  CHECK(res.status == 0);
}

TEST_CASE("malformed requests never take the server down", "[http][robustness]") {
  served_fake served;
  auto port = served.server->port();
  const std::vector<std::string> garbage = {
    "\r\n\r\n",
    "GARBAGE\r\n\r\n",
    "GET\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n",
    "BREW /api/dashboard HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1.1\r\n" + std::string(9000, 'h') + ": v\r\n\r\n",
    "POST /api/alerts/rules HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "POST /api/alerts/rules HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "POST /api/alerts/rules HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "POST /api/alerts/rules HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{\"a\"",
    "GET /api/alerts/rules/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /api/%00dashboard HTTP/1.1\r\nHost: x\r\n\r\n",
    "DELETE /api/alerts/rules/%2F HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-token\r\n\r\n",
    std::string("GET /\0 HTTP/1.1\r\n\r\n", 20),
  };
  for (auto& request : garbage) {
    auto reply = raw_exchange(port, request);
    INFO(request.substr(0, 80));
    if (!reply.empty())
      CHECK(reply.rfind("HTTP/1.1 ", 0) == 0);
  }
  auto ok = raw_exchange(port, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                         false);
  INFO(ok);
  CHECK(ok.rfind("HTTP/1.1 200", 0) == 0);
  auto bad_line = raw_exchange(port, "GARBAGE\r\n\r\n", false);
  CHECK(bad_line.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(bad_line.find("\"status\":400") != std::string::npos);
}
