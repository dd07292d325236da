// The web dashboard in a real browser: headless Chromium loads the page from the
// server, runs its scripts against the fake backend and the DOM must show the figures.

#include <cmath>
#include <future>
#include <regex>
#include <thread>

#include "http_test_support.hpp"

using namespace switchboard;
using namespace switchboard::testing;

namespace {

/// `1794.3` -> `1,794` as the page's en-US formatter shows events/s.
std::string thousands(double value) {
  auto digits = std::to_string(static_cast<long long>(std::llround(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace

TEST_CASE("the dashboard page shows the backend's live figures", "[http][page]") {
  if (!have_program("chromium")) {
    WARN("chromium is not installed (scripts/install-deps.sh installs it); skipping the page "
         "check");
    return;
  }
  served_fake served;
  auto backend = served.backend;
  // Headless Chromium's virtual time stands still while the event stream is open: once
  // the page has its snapshot and the published alert, the stream is closed so the
  // budget can run out and the DOM is dumped.
  auto driver = std::async(std::launch::async, [backend] {
    using namespace std::chrono_literals;
    bool delivered = false;
    for (int i = 0; i < 30000 && !delivered; ++i) {
      auto sub = backend->last_subscription();
      if (sub && backend->steps() >= 1) {
        backend->publish_alert("page_test_alert", "critical");
        for (int j = 0; j < 5000 && sub->size() > 0; ++j)
          std::this_thread::sleep_for(1ms);
        delivered = sub->size() == 0;
      } else {
        std::this_thread::sleep_for(1ms);
      }
    }
    std::this_thread::sleep_for(200ms);
    backend->hub.close_all();
    return delivered;
  });
  auto cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic "
             "--no-first-run --disable-background-networking --disable-component-update "
             "--disable-sync --user-data-dir=$(mktemp -d) --virtual-time-budget=3000 "
             "--window-size=1400,900 --dump-dom "
             + served.url() + "/ 2>/dev/null";
  auto dom = run_command(cmd);
  bool delivered = driver.get();
  REQUIRE(dom.status == 0);
  CHECK(delivered);

  std::smatch m;
  REQUIRE(std::regex_search(dom.out, m,
                            std::regex{R"re(id="kpi-eps" data-value="([0-9.]+)">([^<]*)<)re"}));
  double shown = std::stod(m[1].str());
  auto served_eps = backend->served_events_per_second();
  REQUIRE(!served_eps.empty());
  CHECK(std::find(served_eps.begin(), served_eps.end(), shown) != served_eps.end());
  CHECK(m[2].str() == thousands(shown));

  CHECK(std::regex_search(dom.out,
                          std::regex{R"re(class="component status-warn" data-component="agent_processor")re"}));
  CHECK(std::regex_search(dom.out,
                          std::regex{R"re(class="component status-good" data-component="dispatcher")re"}));
  for (auto proc : {"document", "task", "agent", "analytics", "notification"})
    CHECK(dom.out.find(std::string{"data-processor=\""} + proc + "\"") != std::string::npos);
  CHECK(dom.out.find("data-alert=\"high_error_rate\"") != std::string::npos);
  CHECK(dom.out.find("page_test_alert") != std::string::npos);
  CHECK(dom.out.find("class=\"banner show\"") == std::string::npos);
}
