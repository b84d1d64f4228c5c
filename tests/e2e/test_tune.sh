#!/usr/bin/env bash
# test_tune.sh - `ratelab tune` end to end: the stampede's highest safe shared rate (the README's
# and docs/TUNE.md's example, with its number of runs), the results folder and its figure, a
# constraint nothing satisfies (exit 1), and each bad input of docs/RELIABILITY.md (exit 2, one
# line, nothing run, no results folder).
# usage: test_tune.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
stampede="$source_dir/scenarios/stampede.yaml"

"$ratelab" tune "$stampede" --limiter shared_gcra --vary rate=1/s..20/s \
  --constraint 'powerbi_shared.rate_429 < 0.001' --objective latency_p99 --jobs 2 \
  --out "$work/tuned" >"$work/tune.out" 2>"$work/tune.err"
check "tune exits 0" test $? -eq 0
check "the highest safe rate is 9/s" grep -q '^best: rate=9/s$' "$work/tune.out"
check "its figures carry intervals" grep -q 'powerbi_shared.latency_p99 .* ±' "$work/tune.out"
check "why not higher: 10/s is unsafe" grep -q 'one step higher, rate=10/s, is unsafe' "$work/tune.out"
check "40 runs: 8 points x 5 replications" grep -q '^runs: 40 (8 points x 5 replications)' "$work/tune.out"
check "bisection was used" grep -q 'bisection on the boundary' "$work/tune.out"
check "the frontier is listed: 9/s, 10/s, 20/s" test "$(grep -A3 '^frontier (' "$work/tune.out" | grep -c '^  rate=\(9\|10\|20\)/s ')" -eq 3
check "points.csv has a row per point" test "$(($(wc -l <"$work/tuned/points.csv") - 1))" -eq 8
check "frontier.csv has the frontier" test "$(($(wc -l <"$work/tuned/frontier.csv") - 1))" -eq 3
check "summary.json names the best" grep -q '"rate": "9/s"' "$work/tuned/summary.json"
if command -v gnuplot >/dev/null; then
  check "the frontier figure is drawn" test -s "$work/tuned/plots/frontier.png"
fi

# The same search on 2 threads or 1: the same answer and the same files.
"$ratelab" tune "$stampede" --limiter shared_gcra --vary rate=1/s..20/s \
  --constraint 'powerbi_shared.rate_429 < 0.001' --jobs 1 --quiet --out "$work/one"
check "quiet prints nothing and exits 0" test $? -eq 0
check "one thread: the same points" cmp -s "$work/one/points.csv" "$work/tuned/points.csv"

# Every local pod at 1/s or more is 20/s or more together: nothing is safe.
"$ratelab" tune "$stampede" --limiter per_pod_gcra --vary rate=1/s..20/s \
  --constraint 'powerbi_local.rate_429 < 0.001' --out "$work/none" >"$work/none.out" 2>&1
check "no safe point exits 1" test $? -eq 1
check "and says so" grep -q '^no point satisfies the constraint' "$work/none.out"

# refused NAME PREFIX ARGS...: exit 2, one line starting with PREFIX, nothing on stdout, no folder.
refused() {
  local name=$1 prefix=$2 status=0
  shift 2
  "$ratelab" tune "$stampede" --out "$work/out-$name" "$@" >"$work/$name.stdout" \
    2>"$work/$name.stderr" || status=$?
  local message
  message=$(cat "$work/$name.stderr")
  if [ "$status" -ne 2 ]; then
    echo "FAILED: $name: exit $status, not 2: $message"; failures=$((failures + 1))
  elif [ "$(wc -l <"$work/$name.stderr")" -ne 1 ]; then
    echo "FAILED: $name: not one line: $message"; failures=$((failures + 1))
  elif [[ $message != "$prefix"* ]]; then
    echo "FAILED: $name: \"$message\" does not start with \"$prefix\""; failures=$((failures + 1))
  elif [ -e "$work/out-$name" ] || [ -s "$work/$name.stdout" ]; then
    echo "FAILED: $name: wrote a folder or printed"; failures=$((failures + 1))
  else
    echo "ok: $name"
  fi
}
p="ratelab tune: $stampede:"
refused empty_range "$p --vary rate=20/s..1/s: the range is empty (20/s is above 1/s); write LO..HI with LO <= HI" \
  --limiter shared_gcra --vary rate=20/s..1/s
refused no_range "$p --vary rate=5/s: expected a range LO..HI" --limiter shared_gcra --vary rate=5/s
refused zero_rate "$p --vary rate=0/s..3/s: \"0/s\" has a count of 0" --limiter shared_gcra --vary rate=0/s..3/s
refused bad_burst "$p --vary: rate=9/s burst=0 is not a valid setting of shared_gcra (gcra_pace): burst must be at least 1" \
  --limiter shared_gcra --vary burst=0..3
refused unknown_setting "$p --vary max_wait=1..2: expected rate=LO..HI or burst=LO..HI" \
  --limiter shared_gcra --vary max_wait=1..2
refused unknown_limiter "$p --limiter: no limiter \"nope\" in stampede; limiters: per_pod_gcra, shared_gcra" \
  --limiter nope --vary rate=1/s..2/s
refused objective "$p --objective speed: no such figure; figures of an API: rate_429," \
  --limiter shared_gcra --vary rate=1/s..20/s --objective speed
refused constraint "$p --constraint powerbi.rate_429 < 1: no API \"powerbi\"; subjects: powerbi_local, powerbi_shared, store" \
  --limiter shared_gcra --vary rate=1/s..20/s --constraint 'powerbi.rate_429 < 1'
refused budget "$p --budget 30: the search needs at least 35 runs (7 points x 5 replications for the boundary's bisection); allowed: 35 to 10000" \
  --limiter shared_gcra --vary rate=1/s..20/s --constraint 'powerbi_shared.rate_429 < 0.001' --budget 30
refused replications "ratelab tune: --replications 1: a whole number from 2 to 1000" \
  --limiter shared_gcra --vary rate=1/s..20/s --replications 1
# SIGINT during a long tune (the demo over a week with 100 pods: about a minute per run): the
# runs under way stop, nothing is written, one line, exit 4.
"$ratelab" tune "$source_dir/scenarios/demo.yaml" --limiter powerbi_gcra --vary rate=1/s..20/s \
  --set duration=7d --set bin=1s --set pods.workers.count=100 --jobs 2 --out "$work/long" \
  >"$work/long.stdout" 2>"$work/long.stderr" &
pid=$!
sleep 2
check "a long tune is still running after 2 s" kill -0 "$pid"
kill -INT "$pid"
status=0
wait "$pid" || status=$?
check "interrupted: exits 4, got $status" test "$status" -eq 4
check "interrupted: one line" test "$(wc -l <"$work/long.stderr")" -eq 1
check "interrupted: says nothing was written" \
  grep -q '^ratelab tune: interrupted after 0 runs; nothing written' "$work/long.stderr"
check "interrupted: no folder, temporary or not" bash -c "! ls -d '$work'/long '$work'/long.tmp-* 2>/dev/null"

"$ratelab" tune "$stampede" --vary rate=1/s..2/s >/dev/null 2>&1
check "no --limiter exits 2" test $? -eq 2
check "tune --help exits 0" bash -c "'$ratelab' tune --help >/dev/null"
checks_finish
