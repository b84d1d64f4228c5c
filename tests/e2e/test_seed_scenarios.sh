#!/usr/bin/env bash
# test_seed_scenarios.sh - every scenario of scenarios/seed/ runs and its expectations hold;
# and a copy of each with one expectation turned around fails, so the check can fail.
# usage: test_seed_scenarios.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"

# The six failure modes of the first seed and the dual gate, one file each.
shopt -s nullglob
files=("$source_dir"/scenarios/seed/*.yaml)
check "seven seed scenarios" test "${#files[@]}" -eq 7
for n in 1_stampede 2_lock_contention 3_burst_intolerance 4_quota_misalignment \
  5_store_downtime 6_misconfigured_quota 7_dual_gate; do
  check "scenarios/seed/$n.yaml exists" test -f "$source_dir/scenarios/seed/$n.yaml"
done

for file in "${files[@]}"; do
  name=$(basename "$file" .yaml)
  set +e
  "$ratelab" run "$file" --quiet --out "$work/$name" >"$work/$name.out" 2>"$work/$name.err"
  status=$?
  set -e
  check "$name: exit 0 (every expectation holds)" test "$status" -eq 0
  if [ "$status" -ne 0 ]; then cat "$work/$name.out" "$work/$name.err"; fi
  check "$name: has expectations" grep -q '^expect:' "$file"
  check "$name: expectations.csv says true (passed)" \
    awk -F, 'NR > 1 { rows++; if ($NF != "true") bad++ } END { exit !(rows > 0 && bad == 0) }' \
    "$work/$name/expectations.csv"

  # Turn the first inequality of the expect: block around (< into >=, <= into >, > into <=,
  # >= into <): the copy must fail that one condition and exit 1.
  awk '
    /^expect:/ { in_expect = 1 }
    in_expect && !done && /^  - / {
      if (sub(/ <= /, " > ") || sub(/ >= /, " < ") || sub(/ < /, " >= ") || sub(/ > /, " <= ")) {
        done = 1
      }
    }
    { print }
  ' "$file" >"$work/$name.flipped.yaml"
  check "$name: one condition turned around" \
    test "$(diff "$file" "$work/$name.flipped.yaml" | grep -c '^>')" -eq 1
  set +e
  "$ratelab" run "$work/$name.flipped.yaml" --quiet --out "$work/$name.flipped" \
    >"$work/$name.flipped.out" 2>"$work/$name.flipped.err"
  status=$?
  set -e
  check "$name: the turned-around copy exits 1" test "$status" -eq 1
  check "$name: the failure is named" grep -q '^  FAIL ' "$work/$name.flipped.err"
  check "$name: only that one fails" test "$(grep -c '^  FAIL ' "$work/$name.flipped.err")" -eq 1
done

checks_finish
