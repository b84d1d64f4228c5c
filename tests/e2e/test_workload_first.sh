#!/usr/bin/env bash
# test_workload_first.sh - `first:` of Poisson and constant workloads: `now` (the default) sends
# every pod's first job at wake-up, `random` one gap later as drawn; gather refuses the key.
# usage: test_workload_first.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"
scenario=tests/data/hourly_poisson.yaml
first=pods.workers.traffic.0.workload.first

# Attempts in the first 10 s of the run (timeseries.csv: time_s, api, attempts, ...).
early() { awk -F, 'NR > 1 && $1 < 10 { n += $3 } END { print n + 0 }' "$1/timeseries.csv"; }

"$ratelab" run "$scenario" --out "$work/now" --quiet
check "default (now): all 100 first jobs in the first 10 s" test "$(early "$work/now")" -eq 100
"$ratelab" run "$scenario" --set "$first=now" --out "$work/now2" --quiet
check "first: now is the default" cmp -s "$work/now/summary.json" "$work/now2/summary.json"
"$ratelab" run "$scenario" --set "$first=random" --out "$work/random" --quiet
# One job an hour each: P(first within 10 s) = 1 - exp(-10/3600), about 0.3 of 100 pods.
check "random: at most 3 first jobs in the first 10 s" test "$(early "$work/random")" -le 3
check "random: the jobs still come (about 200 in 2 h)" \
  bash -c "grep -q '\"jobs_created\": 1[5-9][0-9]\|\"jobs_created\": 2[0-4][0-9]' '$work/random/summary.json'"
"$ratelab" run "$scenario" --set pods.workers.traffic.0.workload.kind=constant \
  --set "$first=random" --out "$work/constant" --quiet
check "constant, random: at most 3 first jobs in the first 10 s" test "$(early "$work/constant")" -le 3
"$ratelab" run "$scenario" --set pods.workers.traffic.0.workload.kind=constant --out "$work/c0" --quiet
check "constant, now: all 100 in the first 10 s" test "$(early "$work/c0")" -eq 100

"$ratelab" validate "$scenario" --set "$first=later" 2>"$work/bad.err" >/dev/null
check "a bad value: exit 2" test $? -eq 2
check "a bad value: one line naming the allowed ones" grep -q 'first: "later" is not allowed; write one of now, random' "$work/bad.err"
"$ratelab" validate scenarios/stampede.yaml --set pods.local.traffic.0.workload.first=random \
  2>"$work/gather.err" >/dev/null
check "gather: first is refused, exit 2" test $? -eq 2
check "gather: the line says where first applies" grep -q 'first: only for kinds poisson and constant' "$work/gather.err"
checks_finish
