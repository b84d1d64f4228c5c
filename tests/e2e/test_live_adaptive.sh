#!/usr/bin/env bash
# test_live_adaptive.sh - an adaptive limiter shared in the store learns live as it does
# simulated: the pods' outcomes reach Redis as one fire-and-forget script call each, and the
# selector (tests/data/live_selector.yaml) turns to pacing after the first burst's 429s, while
# the same GCRA that does not learn keeps bursting into 429s (the control: the check can fail).
# Asserted on what does not depend on timing: which 1 s bins hold refusals, and how many
# observe calls reached Redis against the attempts the selector allowed.
# usage: test_live_adaptive.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
source "$(dirname "$0")/lib/checks.sh"
scenario=$source_dir/tests/data/live_selector.yaml

# refusals_from WORLD API FROM_S: 429s and drops of API in the bins from FROM_S on
refusals_from() {
  awk -F, -v api="$2" -v from="$3" 'NR > 1 && $2 == api && $1 + 0 >= from { n += $5 + $6 }
    END { print n + 0 }' "$work/$1/timeseries.csv"
}

for world in sim live; do
  flag=()
  if [ "$world" = live ]; then flag=(--live); fi
  "$ratelab" run "$scenario" "${flag[@]}" --out "$work/$world" >"$work/$world.out"
  check "$world: the first burst gets refusals" test "$(refusals_from "$world" api_selector 0)" -gt 0
  check "$world: the selector paces after it (no refusal from 2 s on)" \
    test "$(refusals_from "$world" api_selector 2)" -eq 0
  check "$world: the GCRA that does not learn keeps bursting into refusals (5 s on)" \
    test "$(refusals_from "$world" api_static 5)" -gt 5
done

# Live: every answered request of the selector sent one observe script call (the static GCRA
# sends none): commands = answered limiter calls (store ops) + observes. A call still out at
# the end sends none, hence the margin below.
commands=$(sed -n 's|.*now stopped), \([0-9]*\) commands:.*|\1|p' "$work/live.out")
ops=$(sed -n 's|^store: \([0-9]*\) ops .*|\1|p' "$work/live.out")
attempts=$(awk '$1 == "api_selector" { print $4 }' "$work/live.out")
observes=$((commands - ops))
echo "live: $commands commands, $ops ops, $attempts selector attempts, $observes observes"
check "live: one observe per attempt of the selector, none for the static GCRA" \
  test "$observes" -le "$attempts" -a "$observes" -ge $((attempts - 5)) -a "$observes" -gt 0
checks_finish
