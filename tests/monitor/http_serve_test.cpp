// Serves the fake backend for looking at the web dashboard by hand:
//   SWITCHBOARD_SERVE_SECONDS=60 ./build/tests/monitor_test '[.serve]'
// Set SWITCHBOARD_SERVE_NO_STREAM=1 for headless screenshots. Hidden from normal runs; prints the URL and publishes an alert or notification a second.

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "http_test_support.hpp"

using namespace switchboard;
using namespace switchboard::testing;

TEST_CASE("serve the fake backend for manual inspection", "[.serve]") {
  const char* seconds_text = std::getenv("SWITCHBOARD_SERVE_SECONDS");
  int seconds = seconds_text != nullptr ? std::atoi(seconds_text) : 30;
  served_fake served;
  // Headless Chromium's virtual time stands still while a stream is open; screenshots
  // taken with --virtual-time-budget need the page without one.
  served.backend->no_stream = std::getenv("SWITCHBOARD_SERVE_NO_STREAM") != nullptr;
  std::cout << "serving " << served.url() << "/ for " << seconds << " s" << std::endl;
  for (int i = 0; i < seconds; ++i) {
    if (i % 3 == 0)
      served.backend->publish_alert(i % 2 == 0 ? "high_error_rate" : "queue_backlog",
                                    i % 2 == 0 ? "critical" : "warning");
    else
      served.backend->publish_notification("task task-" + std::to_string(i) + " completed");
    std::this_thread::sleep_for(std::chrono::seconds{1});
  }
  CHECK(served.server->running());
}
