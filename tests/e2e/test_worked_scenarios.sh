#!/usr/bin/env bash
# test_worked_scenarios.sh - the worked scenarios of scenarios/ (not seed/) that carry
# expectations run with every one holding; and with the API model changed the way a regression
# would change it, the expectations fail, so they can.
# usage: test_worked_scenarios.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"

shopify="$source_dir/scenarios/shopify_bucket.yaml"
check "shopify_bucket: has expectations" grep -q '^expect:' "$shopify"
check "shopify_bucket: every expectation holds (exit 0)" \
  "$ratelab" run "$shopify" --out "$work/shopify" --quiet
check "shopify_bucket: the mirror's 429 share is measured below 0.25%" \
  grep -q '^"shop_mirrored.rate_429 < 0.25%",.*true' "$work/shopify/expectations.csv"

# fails_with NAME TEXT SETS...: the scenario with --set SETS exits 1 and TEXT is a failed claim.
fails_with() {
  local name=$1 text=$2
  shift 2
  local status=0
  "$ratelab" run "$shopify" "$@" --out "$work/$name" --quiet 2>"$work/$name.err" || status=$?
  test "$status" -eq 1 && grep -qF -- "FAIL  $text" "$work/$name.err"
}
every_api() { # every_api KEY=VALUE: --set for each of the scenario's three APIs
  for api in shop_mirrored shop_fast shop_unlimited; do printf -- '--set\napis.%s.%s\n' "$api" "$1"; done
}
mapfile -t shallower < <(every_api bucket=39)
check "a bucket of 39 instead of 40 fails the mirror's claim" \
  fails_with shallower "shop_mirrored.rate_429 < 0.25%" "${shallower[@]}"
mapfile -t faster < <(every_api limit=5/2s)
check "a bucket leaking 2.5/s instead of 2/s fails the too-fast fleet's claim" \
  fails_with faster "shop_fast.rate_429 > 5%" "${faster[@]}"
mapfile -t deeper < <(every_api bucket=60)
check "a bucket of 60 fails the unlimited fleet's claim" \
  fails_with deeper "shop_unlimited.rate_429 > 50%" "${deeper[@]}"
# The old approximation of the preset (40 per sliding 20 s, 120 per minute).
sed -e 's|    preset: shopify_rest|    model: burst_intolerant\n    limit: 120/min\n    burst: 40/20s|' \
  "$shopify" >"$work/approximated.yaml"
status=0
"$ratelab" run "$work/approximated.yaml" --out "$work/approximated" --quiet 2>"$work/approx.err" ||
  status=$?
check "the sliding-window approximation fails the mirror's claim" \
  bash -c "test $status -eq 1 && grep -qF 'FAIL  shop_mirrored.rate_429 < 0.25%' '$work/approx.err'"
checks_finish
