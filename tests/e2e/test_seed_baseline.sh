#!/usr/bin/env bash
# test_seed_baseline.sh - CI's regression gate: the seed scenarios compared with the committed
# baseline (results/baseline.json) must show no figure worse than its tolerance. After a
# deliberate change of the model, refresh it and say why in the commit:
#   build/ratelab compare scenarios/seed/*.yaml --baseline results/baseline.json \
#     --write-baseline results/baseline.json
# usage: test_seed_baseline.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$(realpath "$1")
cd "$2"
if ! "$ratelab" compare scenarios/seed/*.yaml --baseline results/baseline.json >/dev/null; then
  echo "FAILED: the seed scenarios are worse than results/baseline.json (lines above)"
  exit 1
fi
echo "ok: no figure worse than the committed baseline"
# The gate can close: the stampede's shared GCRA given a burst of 5 (the fix behaving like the
# broken set-up), beside the other seed files as they are, must fail against the same baseline.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed '/^  shared_gcra:/,/^  [a-z_]*:$/ s/^    burst: 1$/    burst: 5/' scenarios/seed/1_stampede.yaml \
  >"$work/1_stampede.yaml"
if cmp -s scenarios/seed/1_stampede.yaml "$work/1_stampede.yaml"; then
  echo "FAILED: could not edit the stampede's shared GCRA (its burst is no longer 1?)"
  exit 1
fi
others=(scenarios/seed/[2-9]*.yaml)
"$ratelab" compare "$work/1_stampede.yaml" "${others[@]}" --baseline results/baseline.json \
  >/dev/null 2>"$work/worse.err"
status=$?
if [ "$status" -ne 1 ] || ! grep -q 'WORSE  *seed1_stampede / as written / powerbi_shared' \
  "$work/worse.err"; then
  cat "$work/worse.err"
  echo "FAILED: a worse shared limiter was not caught (exit $status)"
  exit 1
fi
grep 'WORSE' "$work/worse.err"
echo "ok: a worse limiter fails the comparison with exit 1"
