#!/usr/bin/env bash
# test_deb.sh - the Debian package as a new user gets it: cpack builds ratelab_VERSION_amd64.deb,
# its Depends and Recommends are Debian 12's packages, it unpacks into a clean root (dpkg -x),
# and the ratelab inside runs from directories outside the source tree, with the source tree and
# the build folder hidden where the machine allows it: --version, a shipped example with --plots
# from an empty directory, and --live with a redis-server it starts on a free loopback port.
# The Containerfile's package lists are checked against the .deb's.
# usage: test_deb.sh RATELAB_BINARY BUILD_DIR SOURCE_DIR
set -uo pipefail
built_ratelab=$(realpath "$1")
build_dir=$(realpath "$2")
source_dir=$(realpath "$3")
source "$source_dir/tests/e2e/lib/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work/tmp" # the embedded redis-server's folder goes here
mkdir -p "$TMPDIR"

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
check "the package has a version" test -n "$version"
check "the build's ratelab --version names it" \
  bash -c "'$built_ratelab' --version | grep -qE '^ratelab $version([^0-9.]|\$)'"
if ! cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work/pkg" >"$work/cpack.out" 2>&1
then
  cat "$work/cpack.out"
  echo "FAILED: cpack could not build the package"
  exit 1
fi
deb="$work/pkg/ratelab_${version}_amd64.deb"
check "cpack wrote ratelab_${version}_amd64.deb" test -s "$deb"

# names FIELD: the package names of a relation field of the .deb, sorted, one a line (versions
# and alternatives' bars dropped).
names() {
  dpkg-deb -f "$deb" "$1" | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g' | grep -v '^$' | sort -u
}
check "Package is ratelab" test "$(dpkg-deb -f "$deb" Package)" = ratelab
check "Version is $version" test "$(dpkg-deb -f "$deb" Version)" = "$version"
check "Architecture is amd64" test "$(dpkg-deb -f "$deb" Architecture)" = amd64
expected_depends=$'libc6\nlibhiredis0.14\nlibhttp-parser2.9\nlibjansson4\nlibjemalloc2\nlibuv1\nlibyaml-0-2'
check "Depends: exactly the libraries ratelab links" test "$(names Depends)" = "$expected_depends"
check "Recommends: gnuplot-nox, redis-server" \
  test "$(names Recommends)" = $'gnuplot-nox\nredis-server'
# Each name is a real Debian 12 package (apt's cache of the machine's sources).
for package in $(names Depends) $(names Recommends); do
  check "$package is a package of this Debian" bash -c "apt-cache show '$package' >/dev/null 2>&1"
done

# The Containerfile's runtime stage installs the .deb with every package it depends on (but
# libc6, in every Debian image) or recommends; its build stage only what scripts/setup.sh has.
# stage_packages N: the packages named in the apt-get install of the Containerfile's Nth stage.
stage_packages() {
  awk -v stage="$1" '/^FROM /{n++} n==stage' "$source_dir/Containerfile" |
    sed -n '/apt-get install/,/&&.*rm -rf/p' | tr ' \\' '\n\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vxE 'apt-get|install|rm|rf' | sort -u
}
runtime_expected=$( (names Depends | grep -vx libc6; names Recommends) | sort -u)
check "Containerfile runtime packages = Depends (but libc6) + Recommends" \
  test "$(stage_packages 2)" = "$runtime_expected"
check "Containerfile runtime stage installs the .deb itself" \
  grep -q 'apt-get install .*/tmp/ratelab.deb' "$source_dir/Containerfile"
setup_packages=$(sed -n '/^PACKAGES=(/,/^)/p' "$source_dir/scripts/setup.sh" | tr ' ' '\n' |
  grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
build_packages=$(stage_packages 1)
check "Containerfile build stage names packages" test -n "$build_packages"
check "Containerfile build packages are all in scripts/setup.sh" \
  test -z "$(comm -23 <(echo "$build_packages") <(echo "$setup_packages"))"

# Unpacked into a clean root, run from outside the source tree. hidden_source CMD ARGS... runs
# CMD where the source tree and the build folder are empty (a private mount namespace with a
# tmpfs over each), so that nothing there can be read; where namespaces are not allowed, CMD
# runs as it is.
if unshare --mount true 2>/dev/null; then
  hidden_source() {
    unshare --mount bash -c 'mount -t tmpfs none "$1" && mount -t tmpfs none "$2" || exit 125
      shift 2; exec "$@"' hide "$build_dir" "$source_dir" "$@"
  }
  check "hidden_source hides the source tree" hidden_source test ! -e "$source_dir/CMakeLists.txt"
else
  echo "note: no mount namespace here; the runs below can see the source tree"
  hidden_source() { "$@"; }
fi
root="$work/root"
dpkg -x "$deb" "$root"
ratelab="$root/usr/bin/ratelab"
examples="$root/usr/share/ratelab/examples"
check "the man page is in the package" test -s "$root/usr/share/man/man1/ratelab.1.gz"
check "man ratelab shows the commands" bash -c \
  "MANPATH='$root/usr/share/man' MANWIDTH=100 man ratelab 2>/dev/null | grep -q '^   bench-live'"
check "--version names the version" \
  bash -c "'$ratelab' --version | grep -qE '^ratelab $version([^0-9.]|\$)'"

mkdir -p "$work/empty"
cd "$work/empty" || exit 1
hidden_source "$ratelab" run "$examples/stampede.yaml" --plots >"$work/run.out" 2>&1
status=$?
check "run of the shipped stampede from an empty directory exits 0" test "$status" -eq 0
run_dir="$work/empty/results/runs/stampede-seed1"
check "results go to ./results/runs/" test -s "$run_dir/summary.json"
check "the report page is written" test -s "$run_dir/report.html"
if command -v gnuplot >/dev/null; then
  check "the figures are drawn" test -s "$run_dir/plots/timeseries_powerbi_local.png"
fi
# The seed examples with the baseline shipped beside them: no figure worse.
(cd "$examples/seed" && hidden_source "$ratelab" compare ./*.yaml --baseline baseline.json) \
  >"$work/seed.md" 2>"$work/seed.err"
check "shipped seed examples meet their shipped baseline" test $? -eq 0

if command -v redis-server >/dev/null; then
  mkdir -p "$work/live"
  cd "$work/live" || exit 1
  hidden_source "$ratelab" run "$examples/demo.yaml" --live --set duration=2s \
    >"$work/live.out" 2>&1
  status=$?
  check "run --live from outside the source tree exits 0" test "$status" -eq 0
  check "the live run's summary says live" \
    grep -q '"world": "live"' "$work/live/results/runs/demo-seed1/summary.json"
else
  echo "FAILED: redis-server is not installed (scripts/setup.sh installs it)"
  failures=$((failures + 1))
fi
if ((failures > 0)); then
  cat "$work/run.out" "$work/seed.err" "$work/live.out" 2>/dev/null
fi
checks_finish
