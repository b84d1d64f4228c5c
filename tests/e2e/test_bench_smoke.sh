#!/usr/bin/env bash
# test_bench_smoke.sh - `ratelab bench` at its smallest size: it completes and its output parses.
# No speed threshold: a slow or busy machine must pass.
# usage: test_bench_smoke.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"

"$ratelab" bench --dir "$source_dir/scenarios/bench" --sizes 1k --csv >"$work/bench.csv"
cat "$work/bench.csv"
expected_header="scenario,pods,events,jobs,events_per_s,jobs_per_s,wall_s,wall_min_s,wall_max_s,runs,peak_rss_bytes,bytes_per_pod,steady_events,steady_allocations,pending_max,ns_per_event,steady_ns_per_event"
check "header names every column" test "$(head -n 1 "$work/bench.csv")" = "$expected_header"
check "one row for the one size" test "$(wc -l <"$work/bench.csv")" -eq 2
# Every field after the name is a non-negative number; the run did work and used memory.
check "the row parses" awk -F, 'NR == 2 {
    if (NF != 17 || $1 != "bench_1k" || $2 != 1000) exit 1
    for (i = 2; i <= NF; i++) if ($i !~ /^[0-9]+(\.[0-9]+)?$/) exit 1
    if ($3 <= 0 || $4 <= 0 || $5 <= 0 || $11 <= 0 || $13 <= 0 || $15 < 1000 || $17 <= 0) exit 1
  }' "$work/bench.csv"
check "the steady state allocates nothing" awk -F, 'NR == 2 { exit $14 != 0 }' "$work/bench.csv"

# The table form has the same row; bad input exits 2.
"$ratelab" bench --dir "$source_dir/scenarios/bench" --sizes 1k >"$work/bench.txt"
check "table has a header and a row" grep -q '^bench_1k  *1000 ' "$work/bench.txt"
set +e
"$ratelab" bench --dir "$source_dir/scenarios/bench" --sizes nosuchsize >/dev/null 2>"$work/err"
check "a missing scenario exits 2" test $? -eq 2
"$ratelab" bench --repeat 0 >/dev/null 2>&1; check "--repeat 0 exits 2" test $? -eq 2
"$ratelab" bench --frobnicate >/dev/null 2>&1; check "an unknown option exits 2" test $? -eq 2
set -e
check "the missing scenario is named" grep -q "bench_nosuchsize.yaml" "$work/err"
check "bench --help exits 0" "$ratelab" bench --help

checks_finish
