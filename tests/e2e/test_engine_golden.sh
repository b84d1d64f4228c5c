#!/usr/bin/env bash
# test_engine_golden.sh - the engine gives byte-identical results to the one it replaced.
#
# tests/e2e/golden/engine.sha256 holds the sha256 of summary.json and timeseries.csv for the
# shipped scenarios and the smaller benchmark scenarios, seeds 1 and 2, as the binary-heap engine
# of main (627eec3) wrote them before the radix-heap queue replaced it (summary.json regenerated
# when it gained the per-API limiter and the store failure counters; every timeseries.csv kept
# its hash). Any change to the event
# queue, the engine or the memory layout must keep them. A deliberate change of results (a
# correction of the model) regenerates the file, says why in its commit, and is checked by hand:
#   tests/e2e/test_engine_golden.sh build/ratelab . --regenerate
# usage: test_engine_golden.sh RATELAB_BINARY SOURCE_DIR [--regenerate]
set -euo pipefail
ratelab=$(realpath "$1")
source_dir=$2
mode=${3:-check}
golden="$source_dir/tests/e2e/golden/engine.sha256"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Paths are relative to the source folder: summary.json records the scenario's path as given.
cd "$source_dir"
# Each line: scenario, seeds, then --set overrides. bench_100k, cut to 20 s, runs the
# prefetch hints of large fleets (sim_run.c); they must not change a byte either.
runs=(
  "scenarios/demo.yaml 1,2"
  "scenarios/stampede.yaml 1,2"
  "scenarios/bench/bench_1k.yaml 1,2"
  "scenarios/bench/bench_10k_local.yaml 1,2"
  "scenarios/bench/bench_100k.yaml 1 duration=20s"
)
for run in "${runs[@]}"; do
  read -r scenario seeds overrides <<<"$run"
  sets=()
  for override in $overrides; do sets+=(--set "$override"); done
  for seed in ${seeds//,/ }; do
    name=$(basename "$scenario" .yaml)-seed$seed
    "$ratelab" run "$scenario" --seed "$seed" --out "$work/$name" --quiet "${sets[@]}"
    (cd "$work" && sha256sum "$name/summary.json" "$name/timeseries.csv") >>"$work/actual.sha256"
  done
done

if [ "$mode" = "--regenerate" ]; then
  cp "$work/actual.sha256" "$golden"
  echo "wrote $golden"
  exit 0
fi
if diff -u "$golden" "$work/actual.sha256"; then
  echo "ok: $(wc -l <"$golden") files byte-identical to the recorded engine's"
  exit 0
fi
echo "FAILED: results differ from the recorded engine's (lines above)"
exit 1
