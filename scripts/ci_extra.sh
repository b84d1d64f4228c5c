#!/usr/bin/env bash
# ci_extra.sh - the reliability stages of CI, after the README's test command (.ci/run):
#
#   release   a Release build (-O3, link-time optimisation) with -Werror, and its unit tests
#   asan      the whole test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer
#   valgrind  memcheck over one small scenario run with the normal build (build/ratelab)
#   fuzz      each libFuzzer target from its committed corpus: the scenario loader's two for
#             FUZZ_SECONDS (default 60), the five file readers' for FUZZ_READER_SECONDS (45)
#
#   scripts/ci_extra.sh [STAGE ...]     the stages named, or all four in that order
#
# Needs scripts/setup.sh to have run (packages, and build/ for valgrind). Build folders:
# RELEASE_BUILD_DIR (default build-release), ASAN_BUILD_DIR (default build-asan),
# FUZZ_BUILD_DIR (default build-fuzz), BUILD_DIR (build).
# Prints how long each stage took. Exit codes: 0 all stages passed, 1 a stage failed, 2 usage.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
RELEASE_BUILD_DIR=${RELEASE_BUILD_DIR:-build-release}
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_READER_SECONDS=${FUZZ_READER_SECONDS:-45}
jobs=$(nproc)
werror=OFF
if [ "${CI:-}" = "true" ]; then
  werror=ON
fi

# Sanitizer settings for the tests (the same as the asan test preset of CMakePresets.json), and
# why:
# - detect_leaks=1: LeakSanitizer checks every test process at exit (the default on x86-64
#   Linux, written out so that it stays on).
# - allocator_may_return_null=1: an allocation that cannot be served returns NULL, as in the
#   normal build, so the out-of-memory paths (RL_ERR_NOMEM, exit 3) run as they would, instead
#   of ASan stopping the process at a size above its limit.
# - abort_on_error=0: a report ends the process with exit code 1, not a core dump.
# Forked processes need nothing more: ratelab's children (redis-server, gnuplot) and the tests'
# (fake servers) either exec a program not built with ASan, which ignores ASAN_OPTIONS, or end
# with _exit, so LeakSanitizer never runs in a child, where the parent's heap, no longer
# referenced from the threads it had, would look leaked.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:abort_on_error=0
# Every UBSan report stops the program (the build has -fno-sanitize-recover=all) with its stack.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Each stage checks every step itself (|| return 1): it runs as the condition of an `if`, where
# set -e does not apply.
# Release optimises harder (and across files), which finds warnings the default build does not
# (-Wformat-truncation, -Wmaybe-uninitialized): warnings are errors here whatever CI says.
# Assertions stay on in Release (CMakeLists.txt), so the unit tests check the optimised code.
stage_release() {
  cmake -S . -B "$RELEASE_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DRATELAB_WERROR=ON \
    >/dev/null || return 1
  cmake --build "$RELEASE_BUILD_DIR" --parallel "$jobs" >/dev/null || return 1
  ctest --test-dir "$RELEASE_BUILD_DIR" --output-on-failure -L unit
}

stage_asan() {
  cmake --preset asan -B "$ASAN_BUILD_DIR" -DRATELAB_WERROR="$werror" >/dev/null || return 1
  cmake --build "$ASAN_BUILD_DIR" --parallel "$jobs" >/dev/null || return 1
  ctest --test-dir "$ASAN_BUILD_DIR" --output-on-failure
}

stage_valgrind() {
  local work
  work=$(mktemp -d) || return 1
  # ratelab's malloc is jemalloc's: --soname-synonyms lets memcheck replace it, or it would see
  # no allocation at all. Any error, or any leaked block, fails the stage.
  valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --soname-synonyms='somalloc=*jemalloc*' \
    "$BUILD_DIR/ratelab" run scenarios/demo.yaml --out "$work/demo" --quiet
  local status=$?
  if [ "$status" -eq 0 ] && [ ! -s "$work/demo/summary.json" ]; then
    status=1 # under valgrind, the run must still have done its work
  fi
  rm -rf "$work"
  return "$status"
}

# fuzz_target NAME SECONDS MAX_LEN DICT: runs tests/fuzz/fuzz_NAME for SECONDS over a scratch
# copy of its corpus (new inputs go there, the committed corpus is read only), with inputs of at
# most MAX_LEN bytes and the dictionary tests/fuzz/DICT. A crash leaves its input in
# $FUZZ_BUILD_DIR/artifacts/ to commit under tests/fuzz/regressions/NAME/ once fixed.
fuzz_target() {
  local name=$1 seconds=$2 max_len=$3 dict=$4 scratch log
  scratch=$(mktemp -d) || return 1
  log="$FUZZ_BUILD_DIR/fuzz_$name.log"
  mkdir -p "$FUZZ_BUILD_DIR/artifacts" || return 1
  local status=0
  "$FUZZ_BUILD_DIR/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -dict="tests/fuzz/$dict" -print_final_stats=1 \
    -artifact_prefix="$FUZZ_BUILD_DIR/artifacts/$name-" \
    "$scratch" "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name" >"$log" 2>&1 || status=$?
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    grep -a -A40 -E '^==[0-9]+==|fuzz_check:' "$log" | head -80
    echo "ci_extra: fuzz_$name failed; the input is in $FUZZ_BUILD_DIR/artifacts/"
    return 1
  fi
  grep -a -E '^(Done|stat::number_of_executed_units)' "$log" | sed "s/^/  fuzz_$name: /"
}

# The readers of files ratelab did not just write (a results folder's files, a baseline): each
# for FUZZ_READER_SECONDS, inputs up to 16 KiB (a summary.json is about 5 KiB).
FUZZ_READERS=(timeseries_read latency_read faults_read summary_read baseline_read provenance_read)

stage_fuzz() {
  cmake --preset fuzz -B "$FUZZ_BUILD_DIR" -DRATELAB_WERROR="$werror" >/dev/null || return 1
  local targets=(fuzz_scenario_load fuzz_scenario_override) reader
  for reader in "${FUZZ_READERS[@]}"; do
    targets+=("fuzz_$reader")
  done
  cmake --build "$FUZZ_BUILD_DIR" --parallel "$jobs" --target "${targets[@]}" >/dev/null ||
    return 1
  fuzz_target scenario_load "$FUZZ_SECONDS" 4096 scenario.dict || return 1
  fuzz_target scenario_override "$FUZZ_SECONDS" 4096 scenario.dict || return 1
  for reader in "${FUZZ_READERS[@]}"; do
    fuzz_target "$reader" "$FUZZ_READER_SECONDS" 16384 results.dict || return 1
  done
}

stages=("$@")
if ((${#stages[@]} == 0)); then
  stages=(release asan valgrind fuzz)
fi
for stage in "${stages[@]}"; do
  case $stage in
    release | asan | valgrind | fuzz) ;;
    *) echo "ci_extra.sh: unknown stage $stage (release, asan, valgrind, fuzz)" >&2; exit 2 ;;
  esac
done
for stage in "${stages[@]}"; do
  started=$SECONDS
  echo "ci_extra: stage $stage"
  if ! "stage_$stage"; then
    echo "ci_extra: stage $stage FAILED after $((SECONDS - started)) s"
    exit 1
  fi
  echo "ci_extra: stage $stage passed in $((SECONDS - started)) s"
done
