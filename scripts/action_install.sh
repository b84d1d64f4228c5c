#!/usr/bin/env bash
# action_install.sh - the install step of the GitHub Action (action.yml): installs ratelab's
# Debian package on a Debian 12 runner (a job with `container: debian:12`), with what it
# depends on and recommends (gnuplot-nox draws the figure). Inputs, as action.yml passes them:
#
#   INPUT_DEB            a ratelab_VERSION_amd64.deb to install: a path, or an https:// URL (such
#                        as a release's asset); empty: build the package from the action's own
#                        source, GITHUB_ACTION_PATH (the tag the workflow names), then install it
#   RUNNER_TEMP          where to download or build (set by GitHub; default: a new temporary folder)
#
# As root it runs apt-get directly, otherwise through sudo. Exit codes: 0 installed, 1 failed.
set -euo pipefail

# The packages the build needs (file: cpack's dpkg-shlibdeps step uses it): the Containerfile's
# build stage has the same list (tests/package/test_action.sh checks it).
BUILD_PACKAGES=(
  build-essential cmake pkg-config file
  libyaml-dev libjansson-dev libjemalloc-dev libcmocka-dev libuv1-dev libhiredis-dev
  libhttp-parser-dev
)

work=${RUNNER_TEMP:-$(mktemp -d)}/ratelab-install
mkdir -p "$work"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
apt_install() { # apt_install PACKAGE_OR_DEB...
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "$@" >/dev/null
}
"${sudo_cmd[@]}" apt-get update -qq

deb=${INPUT_DEB:-}
case $deb in
  https://*)
    apt_install curl ca-certificates
    curl --fail --silent --show-error --location --output "$work/ratelab.deb" "$deb"
    deb=$work/ratelab.deb
    ;;
  "")
    source_dir=${GITHUB_ACTION_PATH:?"no INPUT_DEB and no GITHUB_ACTION_PATH to build from"}
    echo "ratelab action: building the package from $source_dir"
    apt_install "${BUILD_PACKAGES[@]}"
    cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$work/build" --parallel "$(nproc)" >/dev/null
    (cd "$work/build" && cpack -G DEB -B "$work/package" >/dev/null)
    debs=("$work"/package/ratelab_*_amd64.deb)
    deb=${debs[0]}
    ;;
esac
if [ ! -f "$deb" ]; then
  echo "ratelab action: no package at '$deb' (input deb)" >&2
  exit 1
fi
# apt-get takes a local package only as a path with a slash.
case $deb in
  /* | ./*) ;;
  *) deb=./$deb ;;
esac
apt_install "$deb" gnuplot-nox
ratelab --version
