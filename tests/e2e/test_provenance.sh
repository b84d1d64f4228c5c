#!/usr/bin/env bash
# test_provenance.sh - every results folder records how it was made (scenario.yaml,
# provenance.json), and rerunning its scenario.yaml reproduces summary.json byte for byte:
# single runs of every shipped scenario (with --set, --seed), a sweep with replications, and
# `ratelab --version` naming the revision and the random-stream version.
# usage: test_provenance.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"

version=$("$ratelab" --version)
check "--version names the version" grep -q '^ratelab [0-9]' <<<"$version"
check "--version names the revision" grep -Eq '^revision: [A-Za-z0-9._+:~-]+$' <<<"$version"
check "--version names the random-stream version" grep -q '^random streams: v[0-9]' <<<"$version"

# Reruns DIR/scenario.yaml into DIR-again (with extra arguments) and compares summary.json.
rerun_matches() {
  local dir=$1
  shift
  "$ratelab" run "$dir/scenario.yaml" --out "$dir-again" --quiet "$@" >/dev/null 2>&1 || true
  cmp -s "$dir/summary.json" "$dir-again/summary.json"
}

for scenario in scenarios/*.yaml scenarios/seed/*.yaml; do
  name=$(basename "$scenario" .yaml)
  "$ratelab" run "$scenario" --seed 3 --out "$work/$name" --quiet >/dev/null 2>&1 || true
  check "$name: scenario.yaml and provenance.json written" \
    test -s "$work/$name/scenario.yaml" -a -s "$work/$name/provenance.json"
  check "$name: rerunning scenario.yaml gives the same summary.json" rerun_matches "$work/$name"
done

# --set overrides are in the effective scenario and listed in provenance.json.
"$ratelab" run scenarios/stampede.yaml --set limiters.shared_gcra.rate=10/s \
  --set pods.local.count=7 --out "$work/set" --quiet
check "--set: rerun gives the same summary.json" rerun_matches "$work/set"
check "--set: the new value is in scenario.yaml" grep -q 'rate: 10/s' "$work/set/scenario.yaml"
check "--set: provenance.json lists the override" \
  grep -q '"path": "pods.local.count"' "$work/set/provenance.json"
check "--set: provenance.json has the command line" \
  grep -q '"limiters.shared_gcra.rate=10/s"' "$work/set/provenance.json"
check "--set: provenance.json says the description may differ" \
  grep -q '"description_may_differ": true' "$work/set/provenance.json"
check "provenance.json has the revision" grep -q '"revision": "' "$work/set/provenance.json"
check "provenance.json has the world" grep -q '"kind": "simulation"' "$work/set/provenance.json"
check "no --set: the description matches" \
  grep -q '"description_may_differ": false' "$work/demo/provenance.json"

# An API given by a preset, with a key beside it and a --set over the preset's settings: the
# effective scenario keeps the preset line, and rerunning it gives the same summary.json.
cat >"$work/preset.yaml" <<'YAML'
name: preset_rerun
duration: 30s
apis:
  shop:
    preset: shopify_rest
    latency: 20ms
  chat:
    preset: llm
pods:
  g:
    count: 3
    traffic:
      - api: shop
        workload: {kind: poisson, rate: 3/s}
      - api: chat
        workload: {kind: poisson, rate: 2/s}
YAML
"$ratelab" run "$work/preset.yaml" --set apis.chat.limit=60/min --out "$work/preset" --quiet
check "preset: scenario.yaml keeps the preset" grep -q 'preset: shopify_rest' "$work/preset/scenario.yaml"
check "preset: scenario.yaml has the --set value" grep -q 'limit: 60/min' "$work/preset/scenario.yaml"
check "preset: rerun gives the same summary.json" rerun_matches "$work/preset"
same_settings() { # same_settings A B: the two scenario.yaml files match but for their header
  cmp -s <(grep -v '^#' "$1") <(grep -v '^#' "$2")
}
check "preset: rerun gives the same scenario.yaml (but its header)" \
  same_settings "$work/preset/scenario.yaml" "$work/preset-again/scenario.yaml"

# The report page shows the overrides above the description, and says it may not match.
"$ratelab" run scenarios/stampede.yaml --set limiters.shared_gcra.rate=10/s --plots \
  --out "$work/page" --quiet >/dev/null 2>&1
check "report.md shows the override" grep -q '^- `limiters.shared_gcra.rate=10/s`' "$work/page/report.md"
check "report.md warns the description may not match" \
  grep -q 'may no longer match' "$work/page/report.md"
check "report.html shows the override" grep -q 'limiters.shared_gcra.rate=10/s' "$work/page/report.html"
"$ratelab" plot "$work/demo" >/dev/null 2>&1 || true
check "a run without --set has no override note" bash -c "! grep -q 'Overrides' '$work/demo/report.md'"

# A provenance.json that is not JSON: plot refuses with one line naming the file, exit 2.
cp -r "$work/demo" "$work/badprov"
echo '[1,2' >"$work/badprov/provenance.json"
status=0
"$ratelab" plot "$work/badprov" >/dev/null 2>"$work/badprov.err" || status=$?
check "bad provenance.json: exit 2" test "$status" -eq 2
check "bad provenance.json: one line naming it" \
  bash -c "test \$(wc -l <'$work/badprov.err') -eq 1 && grep -q 'provenance.json:2:' '$work/badprov.err'"

# A sweep with replications: the sweep is written into scenario.yaml, replications in its header.
"$ratelab" run scenarios/stampede.yaml --sweep limiters.shared_gcra.rate=8/s,10/s \
  --replications 2 --jobs 2 --out "$work/sweep" --quiet
check "sweep: scenario.yaml holds the sweep" grep -q '^sweep:' "$work/sweep/scenario.yaml"
check "sweep: its header says how many replications" \
  grep -q 'replications 2' "$work/sweep/scenario.yaml"
check "sweep: rerun gives the same summary.json" rerun_matches "$work/sweep" --replications 2
check "sweep: provenance.json counts the seeds" grep -q '"count": 2' "$work/sweep/provenance.json"
checks_finish
