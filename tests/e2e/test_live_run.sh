#!/usr/bin/env bash
# test_live_run.sh - `ratelab run --live` end to end: it starts its own redis-server, runs,
# reports with world "live", deletes its keys, stops the server; SIGINT gives partial results;
# --plots draws the figures and the report page as a simulated run does.
# usage: test_live_run.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work/tmp" # where the embedded server's folder goes: it must be gone after
mkdir -p "$TMPDIR"
source "$(dirname "$0")/lib/checks.sh"
server_gone() { # server_gone OUTPUT_FILE: the redis-server named in the output has exited
  local port
  port=$(sed -n 's|.*redis://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1" | head -1)
  [ -n "$port" ] && ! pgrep -f "redis-server 127.0.0.1:$port" >/dev/null
}

# A short run of a seed scenario: starts Redis, runs, reports, cleans up, leaves nothing.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --live --set duration=3s --out "$work/demo" \
  >"$work/demo.out"
check "prints a row for powerbi" grep -q '^powerbi ' "$work/demo.out"
check "summary.json says live" grep -q '"world": "live"' "$work/demo/summary.json"
check "summary.json is complete" grep -q '"partial": false' "$work/demo/summary.json"
check "the run's keys are deleted" grep -q '^keys: deleted 2 ' "$work/demo.out"
check "the embedded server is stopped" server_gone "$work/demo.out"
check "no temporary redis folder left" bash -c "! ls -d '$TMPDIR'/ratelab-redis-* 2>/dev/null"
# Provenance: the world is live, with the server and its version (from INFO server).
check "provenance.json says live" grep -q '"kind": "live"' "$work/demo/provenance.json"
check "provenance.json names the Redis version" \
  grep -Eq '"redis_version": "[0-9]+\.[0-9]+' "$work/demo/provenance.json"
check "provenance.json names the server" \
  grep -q '"redis_server": "redis://127.0.0.1:' "$work/demo/provenance.json"
check "scenario.yaml has the --set duration" grep -q '^duration: 3s' "$work/demo/scenario.yaml"

# --plots: the figures and the report page, inside the folder, as for a simulated run.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --live --set duration=2s --plots \
  --out "$work/plots" >"$work/plots.out"
check "run --live --plots names the report" grep -q "^report: $work/plots/report.md" "$work/plots.out"
check "the report page says live" grep -q '^live, 10 pods' "$work/plots/report.md"
check "the report page embeds the figures" grep -q '(plots/timeseries_powerbi.png)' "$work/plots/report.md"
if command -v gnuplot >/dev/null; then
  check "run --live --plots drew the figures" test -s "$work/plots/plots/timeseries_powerbi.png"
fi

# SIGINT: stop cleanly, results marked partial, keys deleted, server stopped; exit code 4.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --live --out "$work/int" >"$work/int.out" 2>&1 &
pid=$!
sleep 2
kill -INT "$pid"
status=0
wait "$pid" || status=$?
check "interrupted run exits 4" test "$status" -eq 4
check "interrupted summary is partial" grep -q '"partial": true' "$work/int/summary.json"
check "interrupted run deletes its keys" grep -q '^keys: deleted 2 ' "$work/int.out"
check "interrupted run stops its server" server_gone "$work/int.out"

# A bad URL is bad input, and the password is never printed.
status=0
"$ratelab" run "$source_dir/scenarios/demo.yaml" --redis "redis://u:s3cret@127.0.0.1:1/0" \
  --out "$work/bad" >"$work/bad.out" 2>&1 || status=$?
check "unreachable server: nothing run, exit 2" test "$status" -eq 2
check "unreachable server: one line" test "$(wc -l <"$work/bad.out")" -eq 1
check "unreachable server: no results folder" test ! -e "$work/bad"
check "the password is not printed" bash -c "! grep -q s3cret '$work/bad.out'"

checks_finish
