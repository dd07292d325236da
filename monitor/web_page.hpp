#pragma once

#include <string_view>

namespace switchboard {

/// The web dashboard page (monitor/web/index.html), compiled into the binary.
std::string_view web_dashboard_page() noexcept;

} // namespace switchboard
