#!/usr/bin/env bash
# callgrind_per_event.sh - instructions per simulated event, counted by valgrind's callgrind.
#
# Instruction counts do not depend on the machine's load, so a change that slows the engine
# shows up here as a number even on a noisy machine. Counts only sim_run (the simulation:
# set-up, events, closing the books), not loading the scenario or writing the results.
#
#   scripts/callgrind_per_event.sh [BINARY [SCENARIO [--set KEY=VALUE ...]]]
#
# Defaults: build-release/ratelab and scenarios/bench/bench_10k.yaml. Prints one line:
#   SCENARIO events=N instructions=N instructions_per_event=X
# Needs valgrind (callgrind_annotate comes with it). Takes about 50 times the run's time.
set -euo pipefail
cd "$(dirname "$0")/.."
ratelab=${1:-build-release/ratelab}
scenario=${2:-scenarios/bench/bench_10k.yaml}
shift $(($# > 2 ? 2 : $#))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --toggle-collect=sim_run \
  "$ratelab" run "$scenario" --out "$work/run" --quiet "$@" 2>"$work/valgrind.log"
events=$(grep -o '"events": *[0-9]*' "$work/run/summary.json" | grep -o '[0-9]*$')
instructions=$(callgrind_annotate "$work/callgrind.out" 2>/dev/null |
  awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
if [ -z "$events" ] || [ -z "$instructions" ] || [ "$events" -eq 0 ]; then
  echo "callgrind_per_event: no figures (see $work/valgrind.log)" >&2
  cat "$work/valgrind.log" >&2
  exit 1
fi
awk -v s="$scenario" -v e="$events" -v i="$instructions" \
  'BEGIN { printf "%s events=%.0f instructions=%.0f instructions_per_event=%.1f\n", s, e, i, i / e }'
