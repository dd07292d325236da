#include <string>

#include <boost/json.hpp>
#include <httplib.h>

#include "events/error.hpp"
#include "http_test_support.hpp"

using namespace switchboard;
using namespace switchboard::testing;

namespace {

const httplib::Headers auth = {{"Authorization", "Bearer s3cret-token"}};

boost::json::value body_of(const httplib::Result& res) {
  REQUIRE(res);
  return boost::json::parse(res->body);
}

/// Checks the uniform error body `{"error": "...", "status": N}` and returns the text.
std::string error_of(const httplib::Result& res, int status) {
  REQUIRE(res);
  CHECK(res->status == status);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  auto doc = boost::json::parse(res->body).as_object();
  CHECK(doc.at("status").to_number<int>() == status);
  REQUIRE(doc.at("error").is_string());
  CHECK(!doc.at("error").as_string().empty());
  return std::string{doc.at("error").as_string()};
}

} // namespace

TEST_CASE("listen addresses parse or name what is wrong", "[http]") {
  auto ok = parse_listen_address("127.0.0.1:8080");
  REQUIRE(ok);
  CHECK(ok->host == "127.0.0.1");
  CHECK(ok->port == 8080);
  auto v6 = parse_listen_address("[::1]:0");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  for (auto bad : {"127.0.0.1", ":8080", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000",
                   "::1:8080", "[::1]8080", "[::1:8080", "127.0.0.1:-1"}) {
    auto res = parse_listen_address(bad);
    REQUIRE(!res);
    CHECK(res.error() == http_errc::bad_address);
    CHECK(error_text(res.error()).find(bad) != std::string::npos);
  }
}

TEST_CASE("token comparison accepts only the exact token", "[http]") {
  CHECK(constant_time_equal("abc123", "abc123"));
  CHECK(!constant_time_equal("abc124", "abc123"));
  CHECK(!constant_time_equal("abc12", "abc123"));
  CHECK(!constant_time_equal("abc1234", "abc123"));
  CHECK(!constant_time_equal("", "abc123"));
  CHECK(!constant_time_equal(std::string_view{"abc\0" "23", 6}, "abc123"));
}

TEST_CASE("the server binds a picked port, refuses a taken one and stops", "[http]") {
  served_fake first;
  CHECK(first.server->running());
  http_server_config cfg;
  cfg.address = "127.0.0.1:" + std::to_string(first.server->port());
  http_server second{first.backend, cfg};
  auto err = second.start();
  REQUIRE(err);
  CHECK(err == http_errc::cannot_listen);
  CHECK(error_text(err).find(cfg.address) != std::string::npos);
  CHECK(first.server->start() == http_errc::already_running);
  cfg.address = "localhost";
  http_server third{first.backend, cfg};
  CHECK(third.start() == http_errc::bad_address);
  first.server->stop();
  CHECK(!first.server->running());
  CHECK(first.server->port() == 0);
  first.server->stop();
}

TEST_CASE("GET endpoints answer with the backend's documents", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};

  auto dash = cli.Get("/api/dashboard");
  REQUIRE(dash);
  CHECK(dash->status == 200);
  CHECK(dash->get_header_value("Content-Type") == "application/json");
  auto first = body_of(dash).as_object();
  auto eps1 = first.at("metrics").at("events_per_second").as_double();
  auto second = body_of(cli.Get("/api/dashboard")).as_object();
  auto eps2 = second.at("metrics").at("events_per_second").as_double();
  auto served_eps = served.backend->served_events_per_second();
  REQUIRE(served_eps.size() == 2);
  CHECK(eps1 == served_eps[0]);
  CHECK(eps2 == served_eps[1]);
  CHECK(eps1 != eps2);
  CHECK(second.at("component_health").at("agent_processor").at("status") == "degraded");

  auto health = cli.Get("/api/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(body_of(health).at("status") == "alive");

  auto ready = cli.Get("/api/ready");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(body_of(ready).at("ready") == true);

  auto metrics = cli.Get("/api/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(body_of(metrics).at("counters").at("events_total") == 15000);

  auto prom = cli.Get("/metrics");
  REQUIRE(prom);
  CHECK(prom->status == 200);
  CHECK(prom->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(prom->body.find("# TYPE switchboard_events_total counter") != std::string::npos);

  auto alerts = cli.Get("/api/alerts");
  REQUIRE(alerts);
  CHECK(alerts->status == 200);
  CHECK(body_of(alerts).at("active").as_array().size() == 1);

  auto rules = cli.Get("/api/alerts/rules");
  REQUIRE(rules);
  CHECK(body_of(rules).at("rules").as_array().at(0).at("name") == "high_error_rate");

  auto routes = cli.Get("/api/routes");
  REQUIRE(routes);
  CHECK(body_of(routes).at("routes").as_array().at(0).at("name") == "documents");

  auto page = cli.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body.find("<title>switchboard") != std::string::npos);
  CHECK(page->body.find("/api/events/stream") != std::string::npos);
  CHECK(!page->get_header_value("Content-Security-Policy").empty());
}

TEST_CASE("readiness and timeouts turn into 503 with a reason", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};
  served.backend->not_ready = true;
  auto ready = cli.Get("/api/ready");
  auto text = error_of(ready, 503);
  CHECK(text.find(served.backend->not_ready_reason) != std::string::npos);
  CHECK(body_of(ready).at("ready") == false);
  CHECK(body_of(ready).at("reason").as_string() == served.backend->not_ready_reason.c_str());

  served.backend->stall = true;
  for (auto path : {"/api/dashboard", "/api/health", "/api/metrics", "/metrics", "/api/alerts",
                    "/api/alerts/rules", "/api/routes", "/api/ready"}) {
    INFO(path);
    auto res = cli.Get(path);
    auto msg = error_of(res, 503);
    CHECK(msg.find("100 ms") != std::string::npos);
    CHECK(res->get_header_value("Retry-After") == "1");
  }
  auto post = cli.Post("/api/alerts/rules", auth,
                       R"({"name":"x","metric":"m","condition":"gt","threshold":1})",
                       "application/json");
  error_of(post, 503);
  served.backend->stall = false;
  CHECK(cli.Get("/api/dashboard")->status == 200);
}

TEST_CASE("mutating calls need the bearer token", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};
  const std::string rule = R"({"name":"slow","metric":"avg_latency_ms","condition":"gt","threshold":50})";

  auto missing = cli.Post("/api/alerts/rules", rule, "application/json");
  CHECK(error_of(missing, 401).find("Authorization") != std::string::npos);
  CHECK(missing->get_header_value("WWW-Authenticate") == "Bearer");

  auto wrong = cli.Post("/api/alerts/rules", {{"Authorization", "Bearer s3cret-tokem"}}, rule,
                        "application/json");
  CHECK(error_of(wrong, 401) == "invalid API token");
  auto prefix = cli.Post("/api/alerts/rules", {{"Authorization", "Bearer s3cret"}}, rule,
                         "application/json");
  error_of(prefix, 401);
  auto basic = cli.Post("/api/alerts/rules", {{"Authorization", "Basic czNjcmV0LXRva2Vu"}}, rule,
                        "application/json");
  error_of(basic, 401);
  auto del = cli.Delete("/api/alerts/rules/high_error_rate");
  error_of(del, 401);
  auto put = cli.Put("/api/routes", R"({"routes":[]})", "application/json");
  error_of(put, 401);
  // Nothing changed through the refused calls.
  CHECK(body_of(cli.Get("/api/alerts/rules")).at("rules").as_array().size() == 1);

  auto right = cli.Post("/api/alerts/rules", {{"Authorization", "bearer s3cret-token"}}, rule,
                        "application/json");
  REQUIRE(right);
  CHECK(right->status == 201);
  CHECK(body_of(right).at("name") == "slow");
  CHECK(body_of(cli.Get("/api/alerts/rules")).at("rules").as_array().size() == 2);
}

TEST_CASE("without a configured token mutating calls are forbidden", "[http]") {
  served_fake served{""};
  httplib::Client cli{"127.0.0.1", served.server->port()};
  auto post = cli.Post("/api/alerts/rules", auth, R"({"name":"a"})", "application/json");
  CHECK(error_of(post, 403).find("SWITCHBOARD_API_TOKEN") != std::string::npos);
  auto del = cli.Delete("/api/alerts/rules/high_error_rate", auth);
  CHECK(error_of(del, 403).find("SWITCHBOARD_API_TOKEN") != std::string::npos);
  CHECK(cli.Get("/api/alerts/rules")->status == 200);
}

TEST_CASE("alert rules are added, validated, conflicted and deleted", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};

  auto invalid = cli.Post("/api/alerts/rules", auth, R"({"name":"x","condition":"bigger"})",
                          "application/json");
  error_of(invalid, 400);
  auto errors = body_of(invalid).at("errors").as_array();
  CHECK(errors.size() == 3);
  CHECK(std::string{errors.at(0).as_string()}.rfind("alert_rule.metric", 0) == 0);

  auto dup = cli.Post("/api/alerts/rules", auth,
                      R"({"name":"high_error_rate","metric":"m","condition":"gt","threshold":1})",
                      "application/json");
  CHECK(error_of(dup, 409).find("exists already") != std::string::npos);

  auto del = cli.Delete("/api/alerts/rules/high_error_rate", auth);
  REQUIRE(del);
  CHECK(del->status == 200);
  CHECK(body_of(del).at("removed") == "high_error_rate");
  auto again = cli.Delete("/api/alerts/rules/high_error_rate", auth);
  CHECK(error_of(again, 404).find("high_error_rate") != std::string::npos);

  cli.Post("/api/alerts/rules", auth,
           R"({"name":"two words","metric":"m","condition":"lt","threshold":1})",
           "application/json");
  auto encoded = cli.Delete("/api/alerts/rules/two%20words", auth);
  REQUIRE(encoded);
  CHECK(encoded->status == 200);

  cli.Post("/api/alerts/rules", auth,
           R"({"name":"q","metric":"m","condition":"lt","threshold":1})", "application/json");
  auto by_query = cli.Delete("/api/alerts/rules?name=q", auth);
  REQUIRE(by_query);
  CHECK(by_query->status == 200);
  auto no_name = cli.Delete("/api/alerts/rules", auth);
  CHECK(error_of(no_name, 400).find("name") != std::string::npos);
  CHECK(body_of(cli.Get("/api/alerts/rules")).at("rules").as_array().empty());
}

TEST_CASE("an invalid route config is refused and the running routes stay", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};
  auto bad = cli.Put("/api/routes", auth, R"({"routes":[{"name":"a"},{"name":"a"},{}]})",
                     "application/json");
  error_of(bad, 400);
  auto errors = body_of(bad).at("errors").as_array();
  REQUIRE(errors.size() == 2);
  CHECK(errors.at(0) == "routes[1].name: duplicate route name 'a'");
  CHECK(errors.at(1) == "routes[2].name: expected a string");
  CHECK(body_of(cli.Get("/api/routes")).at("routes").as_array().at(0).at("name") == "documents");

  auto good = cli.Put("/api/routes", auth, R"({"routes":[{"name":"a"},{"name":"b"}]})",
                      "application/json");
  REQUIRE(good);
  CHECK(good->status == 200);
  CHECK(body_of(good).at("routes") == 2);
  CHECK(body_of(cli.Get("/api/routes")).at("routes").as_array().at(1).at("name") == "b");
}

TEST_CASE("bad bodies, unknown paths and wrong methods get JSON errors", "[http]") {
  served_fake served;
  httplib::Client cli{"127.0.0.1", served.server->port()};

  auto broken = cli.Post("/api/alerts/rules", auth, "{\"name\": \"x\",\n  \"metric\": }",
                         "application/json");
  auto why = error_of(broken, 400);
  CHECK(why.find("line 2") != std::string::npos);
  CHECK(why.find("syntax error") != std::string::npos);
  auto empty = cli.Post("/api/alerts/rules", auth, "", "application/json");
  CHECK(error_of(empty, 400).find("empty") != std::string::npos);
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto too_deep = cli.Put("/api/routes", auth, deep, "application/json");
  error_of(too_deep, 400);

  std::string big(served.server->config().max_body_bytes + 1, ' ');
  auto large = cli.Post("/api/alerts/rules", auth, big, "application/json");
  CHECK(error_of(large, 413).find("too large") != std::string::npos);
  std::string limit(served.server->config().max_body_bytes - 2, ' ');
  auto at_limit = cli.Post("/api/alerts/rules", auth, "{}" + limit, "application/json");
  error_of(at_limit, 400);

  auto unknown = cli.Get("/api/nothing");
  CHECK(error_of(unknown, 404) == "no such endpoint: /api/nothing");
  error_of(cli.Get("/api/dashboard/"), 404);
  error_of(cli.Get("/api/alerts/rules/a/b"), 404);

  struct wrong_method {
    const char* method;
    const char* path;
    const char* allow;
  };
  for (auto [method, path, allow] :
       {wrong_method{"POST", "/api/dashboard", "GET, HEAD, OPTIONS"},
        wrong_method{"PUT", "/api/alerts/rules", "GET, HEAD, POST, DELETE, OPTIONS"},
        wrong_method{"GET", "/api/alerts/rules/high_error_rate", "DELETE, OPTIONS"},
        wrong_method{"PATCH", "/api/routes", "GET, HEAD, PUT, OPTIONS"}}) {
    INFO(method << " " << path);
    httplib::Request req;
    req.method = method;
    req.path = path;
    req.headers = auth;
    if (std::string{method} != "GET")
      req.body = "{}";
    auto res = cli.send(req);
    error_of(res, 405);
    CHECK(res->get_header_value("Allow") == allow);
  }

  auto options = cli.Options("/api/routes");
  REQUIRE(options);
  CHECK(options->status == 204);
  CHECK(options->get_header_value("Allow") == "GET, HEAD, PUT, OPTIONS");
  auto head = cli.Head("/api/dashboard");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("the event stream answers 503 when the backend has none", "[http]") {
  served_fake served;
  served.backend->no_stream = true;
  httplib::Client cli{"127.0.0.1", served.server->port()};
  auto res = cli.Get("/api/events/stream");
  CHECK(error_of(res, 503).find("not available") != std::string::npos);
  CHECK(served.server->stream_clients() == 0);
}
