#!/usr/bin/env bash
# test_compare.sh - `ratelab compare` end to end: the table in each format, a baseline written
# and met, a worse figure caught with exit 1, bad input with exit 2, and the comparison figure.
# usage: test_compare.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
files=("$source_dir/scenarios/stampede.yaml" "$source_dir/scenarios/demo.yaml")

"$ratelab" compare "${files[@]}" >"$work/table.md" 2>"$work/table.err"
check "compare exits 0" test $? -eq 0
check "markdown header, done ratio first" \
  grep -q '^| scenario | variant | api | done_ratio | abandoned_ratio | rate_429 |' "$work/table.md"
# A row per scenario and API (4), then the store's figures once per scenario and variant (2).
check "a row per scenario and API, and per run" \
  test "$(grep -c '^| stampede \|^| demo ' "$work/table.md")" -eq 6
check "store figures in their own table" grep -q '^| scenario | variant | store_ops |' "$work/table.md"
check "no store column on API rows" bash -c "! grep -q '| api |.*store_' '$work/table.md'"

"$ratelab" compare "${files[@]}" --format csv >"$work/table.csv"
check "csv has the plot columns" grep -q 'rate_429_mean,rate_429_ci95' "$work/table.csv"
"$ratelab" compare "${files[@]}" --format json >"$work/table.json"
# (test_compare_table.c parses the JSON back with jansson; here: one object per row.)
check "json has a row per scenario and API" test "$(grep -c '"api": ' "$work/table.json")" -eq 4
check "json is one document" bash -c "head -c1 '$work/table.json' | grep -q '{' && tail -n1 '$work/table.json' | grep -q '^}'"

# Algorithms named: each scenario under each; one that cannot take a key is skipped with a note.
"$ratelab" compare "${files[0]}" --algorithms gcra,token_bucket,leaky_bucket_queue \
  --replications 2 --write-baseline "$work/baseline.json" >"$work/algorithms.md" 2>"$work/algorithms.err"
check "algorithms: exit 0" test $? -eq 0
# Two API rows and one store row per algorithm.
check "algorithms: rows per algorithm" test "$(grep -c 'algorithm=gcra \|algorithm=gcra |' "$work/algorithms.md")" -eq 3
check "algorithms: intervals shown" grep -q ' ± ' "$work/algorithms.md"
check "algorithms: skipped one is named" grep -q 'under leaky_bucket_queue: skipped' "$work/algorithms.err"
check "baseline written" test -s "$work/baseline.json"

"$ratelab" compare "${files[0]}" --algorithms gcra,token_bucket --replications 2 \
  --baseline "$work/baseline.json" >/dev/null 2>"$work/same.err"
check "the same figures meet the baseline" test $? -eq 0
# A worse limiter (a burst of 5 in the shared GCRA) makes the comparison fail.
"$ratelab" compare "${files[0]}" --algorithms gcra,token_bucket --replications 2 \
  --set limiters.shared_gcra.burst=5 --baseline "$work/baseline.json" >/dev/null 2>"$work/worse.err"
check "a worse figure exits 1" test $? -eq 1
"$ratelab" compare "${files[0]}" --algorithms gcra,token_bucket --replications 2 --format json \
  --set limiters.shared_gcra.burst=5 --baseline "$work/baseline.json" >"$work/worse.json" 2>/dev/null
check "json carries the baseline's verdict" grep -q '"verdict": "worse"' "$work/worse.json"
check "json names the worse figure" grep -q '"finding": "worse"' "$work/worse.json"
check "the worse figure is named" grep -q 'WORSE .*powerbi_shared: rate_429' "$work/worse.err"
"$ratelab" compare "${files[0]}" --algorithms gcra --replications 2 \
  --baseline "$work/baseline.json" >/dev/null 2>"$work/missing.err"
check "a missing row exits 1" test $? -eq 1
check "the missing row is named" grep -q 'MISSING .*algorithm=token_bucket' "$work/missing.err"

"$ratelab" compare >/dev/null 2>&1
check "no file exits 2" test $? -eq 2
"$ratelab" compare "${files[0]}" --algorithms magic >/dev/null 2>&1
check "unknown algorithm exits 2" test $? -eq 2
"$ratelab" compare "${files[0]}" --format xml >/dev/null 2>&1
check "unknown format exits 2" test $? -eq 2
echo '{"rows": []}' >"$work/bad.json"
"$ratelab" compare "${files[0]}" --baseline "$work/bad.json" >/dev/null 2>&1
check "a file that is not a baseline exits 2" test $? -eq 2
check "compare --help exits 0" "$ratelab" compare --help

# --algorithms repeated adds up (was: the second list overwrote the first one's names, so
# token_bucket ran twice and gcra never); an empty name or one named twice is refused with why.
"$ratelab" compare "${files[0]}" --algorithms gcra --algorithms token_bucket --format csv \
  >"$work/repeated.csv"
check "repeated --algorithms: gcra ran" grep -q '^[^,]*,algorithm=gcra,gcra,' "$work/repeated.csv"
check "repeated --algorithms: token_bucket ran" \
  grep -q '^[^,]*,algorithm=token_bucket,token_bucket,' "$work/repeated.csv"
for list in '' ',' 'gcra,' 'gcra,,token_bucket'; do
  "$ratelab" compare "${files[0]}" --algorithms "$list" >/dev/null 2>"$work/empty_list.err"
  check "--algorithms '$list' exits 2" test $? -eq 2
  check "--algorithms '$list' says why" grep -q 'an empty name; write names separated by commas' \
    "$work/empty_list.err"
done
"$ratelab" compare "${files[0]}" --algorithms gcra --algorithms gcra >/dev/null 2>"$work/twice.err"
check "an algorithm named twice exits 2" test $? -eq 2
check "an algorithm named twice is named" grep -q 'gcra is named twice' "$work/twice.err"

if command -v gnuplot >/dev/null; then
  "$ratelab" compare "${files[@]}" --plots "$work/plots" >/dev/null 2>&1
  check "--plots draws the comparison" test -s "$work/plots/comparison.png"
fi

checks_finish
