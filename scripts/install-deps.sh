#!/usr/bin/env bash
# Installs the Debian packages switchboard needs to build and test; quick when all are present.
set -euo pipefail

packages=(
  cmake g++ make pkg-config ccache
  libcaf-dev librdkafka-dev libsimdjson-dev libspdlog-dev libboost-json1.81-dev
  libcli11-dev libcpp-httplib-dev catch2 libgoogle-perftools-dev
  kcat curl
  prometheus  # promtool checks the /metrics exposition format
  chromium    # headless checks of the web dashboard
  wrk         # HTTP load in `switchboard bench http`
)
packages+=(${SWITCHBOARD_EXTRA_PACKAGES:-})

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
