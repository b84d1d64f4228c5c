#!/usr/bin/env bash
# test_engine_golden.sh - the engine gives byte-identical results to the one it replaced.
#
# tests/e2e/golden/engine.sha256 holds the sha256 of summary.json and timeseries.csv for the
# shipped scenarios and the smaller benchmark scenarios, seeds 1 and 2, as the binary-heap engine
# of main (627eec3) wrote them before the radix-heap queue replaced it. Any change to the event
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
scenarios=(scenarios/demo.yaml scenarios/stampede.yaml scenarios/bench/bench_1k.yaml
  scenarios/bench/bench_10k_local.yaml)
for scenario in "${scenarios[@]}"; do
  for seed in 1 2; do
    name=$(basename "$scenario" .yaml)-seed$seed
    "$ratelab" run "$scenario" --seed "$seed" --out "$work/$name" --quiet
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
