#!/usr/bin/env bash
# test_interrupt.sh - SIGINT and SIGTERM during a long simulated `ratelab run`: the run stops
# within a grace period, writes what it has as a complete folder marked partial, says so in one
# line and exits 4; no temporary folder is left.
# usage: test_interrupt.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
# Seconds a stopped run may take to write its results and exit (sanitizer builds are slower).
GRACE_S=10

# The demo with ten times its pods over a week of virtual time: about a minute of work, far
# longer than the test waits.
long_run() { # long_run OUT_DIR: starts the run in the background; its pid in $pid
  "$ratelab" run "$source_dir/scenarios/demo.yaml" --set duration=7d --set bin=1s \
    --set pods.workers.count=100 --out "$1" \
    >"$1.stdout" 2>"$1.stderr" &
  pid=$!
}

# interrupt SIGNAL NAME: runs, sends SIGNAL after 2 s, checks the outcome.
interrupt() {
  local signal=$1 name=$2 out="$work/$2"
  long_run "$out"
  sleep 2
  check "$name: still running after 2 s" kill -0 "$pid"
  local sent status=0
  sent=$(date +%s)
  kill "-$signal" "$pid"
  wait "$pid" || status=$?
  local took=$(($(date +%s) - sent))
  check "$name: exits 4 (interrupted), got $status" test "$status" -eq 4
  check "$name: stops within ${GRACE_S} s (took ${took} s)" test "$took" -le "$GRACE_S"
  check "$name: summary.json says partial" grep -q '"partial": true' "$out/summary.json"
  local end_us
  end_us=$(sed -n 's/^ *"end_us": \([0-9]*\).*/\1/p' "$out/summary.json" | head -1)
  check "$name: ends before the week is over ($end_us us)" test "$end_us" -lt 604800000000
  check "$name: ends after it started" test "$end_us" -gt 0
  # The time series stops where the run did: one row per API per bin, up to end_us.
  local rows expected
  rows=$(($(wc -l <"$out/timeseries.csv") - 1))
  expected=$((2 * ((end_us + 999999) / 1000000)))
  check "$name: timeseries.csv has the bins up to the end ($rows rows, $expected expected)" \
    test "$rows" -eq "$expected"
  check "$name: latency_histogram.csv is there" test -s "$out/latency_histogram.csv"
  check "$name: one line on stderr" test "$(wc -l <"$out.stderr")" -eq 1
  check "$name: it says interrupted" grep -q '^ratelab run: interrupted at .* partial results in ' "$out.stderr"
  check "$name: the table says partial" grep -q 'interrupted at .*: partial results' "$out.stdout"
  check "$name: no temporary folder left" bash -c "! ls -d '$out'.tmp-* 2>/dev/null"
}

interrupt INT sigint
interrupt TERM sigterm

# A sweep interrupted: the runs under way stop, nothing is written, one line, exit 4.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --set duration=7d --set bin=1s \
  --sweep pods.workers.count=50,100 --replications 2 --jobs 2 --out "$work/sweep" \
  >"$work/sweep.stdout" 2>"$work/sweep.stderr" &
pid=$!
sleep 2
kill -INT "$pid"
status=0
sent=$(date +%s)
wait "$pid" || status=$?
took=$(($(date +%s) - sent))
check "sweep: exits 4, got $status" test "$status" -eq 4
check "sweep: stops within ${GRACE_S} s (took ${took} s)" test "$took" -le "$GRACE_S"
check "sweep: says what was done" grep -q '^ratelab run: interrupted after 0 of 4 runs; nothing written' \
  "$work/sweep.stderr"
check "sweep: no folder, temporary or not" bash -c "! ls -d '$work'/sweep '$work'/sweep.tmp-* 2>/dev/null"

# Ctrl-C while --plots draws (issue 22: was exit 3 "gnuplot failed", the folder not partial):
# the terminal sends SIGINT to the whole process group, ratelab and gnuplot alike. A stand-in
# gnuplot that waits makes the moment certain; it says when it started.
mkdir -p "$work/bin"
cat >"$work/bin/gnuplot" <<'SH'
#!/bin/sh
: >"$RATELAB_TEST_GNUPLOT_STARTED"
exec sleep 60
SH
chmod +x "$work/bin/gnuplot"
export RATELAB_TEST_GNUPLOT_STARTED="$work/gnuplot.started"
PATH="$work/bin:$PATH" setsid "$ratelab" run "$source_dir/scenarios/stampede.yaml" --plots \
  --out "$work/drawing" >"$work/drawing.stdout" 2>"$work/drawing.stderr" &
pid=$!
for _ in $(seq 1 100); do
  [ -e "$RATELAB_TEST_GNUPLOT_STARTED" ] && break
  sleep 0.1
done
check "drawing: gnuplot started" test -e "$RATELAB_TEST_GNUPLOT_STARTED"
kill -INT -- "-$pid" # the process group, as Ctrl-C does
status=0
wait "$pid" || status=$?
check "drawing: exits 4, got $status" test "$status" -eq 4
check "drawing: summary.json says partial" grep -q '"partial": true' "$work/drawing/summary.json"
check "drawing: it says interrupted while drawing" \
  grep -q '^ratelab run: interrupted while drawing the figures; partial results in ' \
  "$work/drawing.stderr"
check "drawing: no gnuplot-failed message" bash -c "! grep -q 'gnuplot' '$work/drawing.stderr'"
check "drawing: no temporary folder left" bash -c "! ls -d '$work'/drawing.tmp-* 2>/dev/null"

# A run that ends by itself is not partial and exits 0.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --set duration=5s --out "$work/whole" --quiet
check "a whole run is not partial" grep -q '"partial": false' "$work/whole/summary.json"

checks_finish
