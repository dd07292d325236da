# Turns INPUT (the dashboard page) into OUTPUT, a C++ source defining
# switchboard::web_dashboard_page(). Run as `cmake -DINPUT=... -DOUTPUT=... -P embed.cmake`.
file(READ "${INPUT}" bytes HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${bytes}")
string(REGEX REPLACE "(('[^']*',){24})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from monitor/web/index.html by monitor/web/embed.cmake; edit the page.
#include \"monitor/web_page.hpp\"

namespace switchboard {

namespace {

const char page[] = {
    ${bytes}'\\0'};

} // namespace

std::string_view web_dashboard_page() noexcept {
  return {page, sizeof(page) - 1};
}

} // namespace switchboard
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
