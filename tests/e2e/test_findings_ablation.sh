#!/usr/bin/env bash
# test_findings_ablation.sh - `ratelab findings` flags a claim that credits an algorithm when the
# scenario's ablation shows the burst tolerance decides (seed 3: the same leaky bucket holding 1
# is clean, a GCRA holding 20 bursts like the meter), and not when the claim names no algorithm
# or there is no ablation.
# usage: test_findings_ablation.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"

"$ratelab" findings scenarios/seed/3_burst_intolerance.yaml --replications 3 >"$work/seed3.md"
check "seed 3: the claim is flagged" grep -q '^\*\*Ablation check: FLAGGED.\*\*' "$work/seed3.md"
check "seed 3: the same algorithm, two tolerances, differ" \
  grep -q "leaky_bucket_meter with burst 20 (\`powerbi_meter\`.*and leaky_bucket_meter with "\
"burst 1 (\`powerbi_meter_tight\`.*differ" "$work/seed3.md"
check "seed 3: two algorithms at one tolerance are alike" \
  grep -q 'gcra_pace with burst 20 (`powerbi_gcra_loose`.*are alike' "$work/seed3.md"

# The same scenario with a claim that credits the tolerance, not an algorithm: not flagged.
new_claim='  A limiter with no burst tolerance spaces requests evenly; one that tolerates
  bursts lets 20 pods send together.'
awk -v claim="$new_claim" '/^claim: \|/ { print; print claim; skip = 1; next }
     skip && /^  / { next } { skip = 0; print }' scenarios/seed/3_burst_intolerance.yaml \
  >"$work/tolerance_claim.yaml"
"$ratelab" findings "$work/tolerance_claim.yaml" --replications 3 >"$work/tolerance.md"
check "a claim on the tolerance: not flagged" \
  grep -q '^\*\*Ablation check:\*\* the ablation does not contradict the claim' "$work/tolerance.md"

"$ratelab" findings scenarios/seed/1_stampede.yaml --replications 2 >"$work/seed1.md"
check "no ablation: said so" grep -q '^\*\*Ablation check:\*\* no ablation here' "$work/seed1.md"
checks_finish
