#!/usr/bin/env bash
# test_progress.sh - many runs show a progress line on stderr when it is a terminal (a pty made
# by `script`), nothing when it is not or with --quiet; --quiet lines name their sweep point.
# usage: test_progress.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"
if ! command -v script >/dev/null; then
  echo "skipped: no script(1) (util-linux) to make a terminal"
  exit 0
fi
# Enough runs to last well over half a second on an idle machine too (the line stays away from
# work that takes a moment): 600 stampedes took 0.46 s on an idle 2-core machine, and the test
# failed there; 40 runs of 10,000 pods take about 2 s.
many=(run scenarios/bench/bench_10k_local.yaml --replications 40 --jobs 2)

script -qec "'$ratelab' ${many[*]} --out '$work/tty' >/dev/null" "$work/tty.log" >/dev/null
check "terminal: the line counts runs and points" grep -aq 'runs 40/40, points 1/1' "$work/tty.log"
check "terminal: the line says elapsed" grep -aq 'elapsed' "$work/tty.log"
check "terminal: an estimate of what is left was shown" grep -aq 'left' "$work/tty.log"

"$ratelab" "${many[@]}" --out "$work/pipe" >/dev/null 2>"$work/pipe.err"
check "not a terminal: nothing on stderr" test ! -s "$work/pipe.err"
script -qec "'$ratelab' ${many[*]} --quiet --out '$work/quiet'" "$work/quiet.log" >/dev/null
check "--quiet on a terminal: no progress" bash -c "! grep -aq 'runs ' '$work/quiet.log'"

script -qec "'$ratelab' compare scenarios/bench/bench_10k_local.yaml --replications 40 --jobs 2 \
  >/dev/null" \
  "$work/compare.log" >/dev/null
check "compare: the line names the file and the variant" \
  grep -aq 'bench_10k_local.yaml (variant 1 of 1): runs 40/40' "$work/compare.log"

# One run: how far in virtual time, elapsed, the estimate left.
script -qec "'$ratelab' run scenarios/stampede.yaml --out '$work/one' >/dev/null" "$work/one.log" \
  >/dev/null
check "one run: the line ends at 100% with elapsed and left" \
  grep -aq '180.0 / 180.0 s virtual (100%), [0-9.]* s elapsed, about 0 s left' "$work/one.log"

# --quiet in a sweep: a failed claim's lines say which point they belong to.
"$ratelab" run scenarios/seed/3_burst_intolerance.yaml --sweep limiters.leaky_meter.burst=20,1 \
  --quiet --out "$work/sweep" >"$work/sweep.out" 2>"$work/sweep.err"
check "sweep --quiet: exit 1 (a claim failed)" test $? -eq 1
check "sweep --quiet: the failed line names its point" \
  grep -q '^\[limiters.leaky_meter.burst=1\]   FAIL  powerbi_meter.rate_429 > 0.2' "$work/sweep.err"
check "sweep --quiet: the point that held prints nothing" \
  bash -c "! grep -q 'burst=20\]' '$work/sweep.err'"
checks_finish
