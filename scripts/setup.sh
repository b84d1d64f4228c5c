#!/usr/bin/env bash
# setup.sh - installs what ratelab needs on Debian 12 (only what is missing), then builds it.
#
#   scripts/setup.sh             install missing packages, configure and build into build/
#   BUILD_DIR=dir scripts/setup.sh   build elsewhere
#
# Packages come from Debian's archive only. As root it runs apt-get directly; otherwise
# through sudo. In CI (CI=true) warnings are errors. clang (with libclang-rt-14-dev for
# libFuzzer) and valgrind serve scripts/ci_extra.sh; gcc's own ASan and UBSan come with
# build-essential. procps gives the live tests pgrep; man-db the package tests `man`; file
# is what cpack uses to find the binaries whose libraries make the package's Depends.
# libhttp-parser-dev is `ratelab serve`'s HTTP parser; curl and python3-requests are the real
# clients of its end-to-end test, wrk its benchmark. chromium renders the report page in
# tests/e2e/test_report_chromium.sh (headless).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

PACKAGES=(
  build-essential cmake pkg-config file
  libyaml-dev libjansson-dev libjemalloc-dev libcmocka-dev
  libuv1-dev libhiredis-dev libhttp-parser-dev
  redis-server redis-tools gnuplot-nox procps man-db
  clang libclang-rt-14-dev valgrind
  curl python3 python3-requests wrk chromium
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

werror=OFF
if [ "${CI:-}" = "true" ]; then
  werror=ON
fi
cmake -S . -B "$BUILD_DIR" -DRATELAB_WERROR="$werror" >/dev/null
cmake --build "$BUILD_DIR" --parallel "$(nproc)" >/dev/null
echo "setup: built $BUILD_DIR/ratelab"
