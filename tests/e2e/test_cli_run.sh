#!/usr/bin/env bash
# test_cli_run.sh - `ratelab run` end to end: table, results folder, determinism, exit codes.
# usage: test_cli_run.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"

# The demo runs, prints one row per API and writes the three files.
"$ratelab" run "$source_dir/scenarios/demo.yaml" --out "$work/demo" >"$work/demo.out"
check "demo prints a row for powerbi" grep -q '^powerbi ' "$work/demo.out"
check "demo prints a row for llm" grep -q '^llm ' "$work/demo.out"
for file in summary.json timeseries.csv latency_histogram.csv; do
  check "demo wrote $file" test -s "$work/demo/$file"
done
check "no temporary folder left" bash -c "! ls -d '$work'/demo.tmp-* 2>/dev/null"

# Same scenario and seed: byte-identical summary.json and timeseries.csv.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/a" --quiet
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/b" --quiet
check "summary.json is deterministic" cmp -s "$work/a/summary.json" "$work/b/summary.json"
check "timeseries.csv is deterministic" cmp -s "$work/a/timeseries.csv" "$work/b/timeseries.csv"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/c" --seed 2 --quiet
check "another seed gives other figures" bash -c "! cmp -s '$work/a/timeseries.csv' '$work/c/timeseries.csv'"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/a" --quiet >"$work/quiet.out"
check "--quiet prints nothing" test ! -s "$work/quiet.out"
check "rerun replaced the folder" test -s "$work/a/summary.json"

# A queued job whose time-to-live runs out while it waits for a slow local limiter is abandoned
# once (it aborted in stream_unqueue before the job state machine had one door: a job taken off
# its queue was abandoned and taken off again).
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/slow" --quiet \
  --set limiters.per_pod_gcra.rate=1/min && slow_rc=0 || slow_rc=$?
check "a limiter slower than the jobs' time-to-live runs to the end (exit 0)" test "$slow_rc" -eq 0
check "... its jobs expire in the queue and are counted (ttl_expired)" grep -q '"ttl_expired": [1-9]' "$work/slow/summary.json"

# The data loss of issue 22: a folder that merely holds a summary.json, with a user's work in it
# (three levels deep), is not replaced: exit 2 before anything runs, every file still there.
mkdir -p "$work/mine/src/a/b"
echo '{}' >"$work/mine/summary.json"
echo 'int main(void);' >"$work/mine/src/a/b/main.c"
set +e
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/mine" --quiet 2>"$work/mine.err"
check "a folder ratelab did not write is refused with 2" test $? -eq 2
set -e
check "the refusal says why" grep -q 'not a ratelab results folder (no .ratelab-results marker)' \
  "$work/mine.err"
check "the user's files are all there" test -s "$work/mine/src/a/b/main.c" -a -s "$work/mine/summary.json"
echo 'my notes' >"$work/a/notes.txt"
set +e
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/a" --quiet 2>"$work/notes.err"
check "a results folder someone added to is refused with 2" test $? -eq 2
set -e
check "the refusal names the file" grep -q 'holds notes.txt, which ratelab did not write' "$work/notes.err"
check "the added file is still there" test -s "$work/a/notes.txt"
rm "$work/a/notes.txt"
check "nothing left beside them" bash -c "! ls -d '$work'/mine.* '$work'/a.* 2>/dev/null"

# Replacing a results folder is never silent; --out edge cases (a trailing slash names the
# folder itself; an empty path is bad input).
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/a" >/dev/null 2>"$work/replaced.err"
check "a replaced results folder is named" grep -q "replaced the earlier ratelab results in $work/a" \
  "$work/replaced.err"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/slash/" --quiet
check "--out new/ writes the folder new" test -s "$work/slash/summary.json"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/slash/" --quiet
check "--out old/ replaces the folder old" test -s "$work/slash/summary.json"
check "--out old/ leaves nothing inside or beside it" \
  bash -c "! ls -d '$work'/slash/slash* '$work'/slash.* 2>/dev/null"
set +e
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "" 2>"$work/empty.err"
check "--out '' exits 2" test $? -eq 2
"$ratelab" validate "$source_dir/scenarios/stampede.yaml" --out x 2>"$work/validate_out.err"
check "validate --out exits 2" test $? -eq 2
set -e
check "--out '' says why" grep -q 'an empty path' "$work/empty.err"
check "validate --out says it is an option of run" \
  grep -q "'--out' is an option of run, not of validate" "$work/validate_out.err"

# Two runs at once with the same --out, 40 times: both succeed (the later replaces the earlier
# whole), or one is refused with a reason; nothing is lost and nothing is left beside it.
race_failures=0
for i in $(seq 1 40); do
  "$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/race" --quiet 2>>"$work/concurrent.err" &
  first=$!
  "$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/race" --quiet --seed 2 \
    2>>"$work/concurrent.err" &
  second=$!
  wait "$first" || race_failures=$((race_failures + 1))
  wait "$second" || race_failures=$((race_failures + 1))
done
check "concurrent runs: every run succeeded" test "$race_failures" -eq 0
check "concurrent runs: nothing on stderr" test ! -s "$work/concurrent.err"
check "concurrent runs: the folder is whole" test -s "$work/race/summary.json" -a -s "$work/race/timeseries.csv"
check "concurrent runs: nothing left beside it" bash -c "! ls -d '$work'/race.* 2>/dev/null"

# Output that cannot be written (a full disk; /dev/full) is a failed run: exit 3 with the reason
# (was: exit 0 and an empty file).
for command in "run $source_dir/scenarios/stampede.yaml --out $work/full" \
  "compare $source_dir/scenarios/stampede.yaml" "list" "--version" "help" "run --help"; do
  set +e
  # shellcheck disable=SC2086 # the command's words are meant to split
  "$ratelab" $command >/dev/full 2>"$work/full.err"
  status=$?
  set -e
  check "$command > /dev/full exits 3" test "$status" -eq 3
  check "$command > /dev/full says why" \
    grep -q 'cannot write the output to stdout: No space left on device' "$work/full.err"
done

# --set changes the scenario: with one pod per fleet there is no stampede.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/one" --set pods.local.count=1 \
  --set pods.shared.count=1 >"$work/one.out"
check "--set applied (pods in the header)" grep -q ': 2 pods' "$work/one.out"

# A malformed scenario: exit 2, one line naming file:line and the key, no results folder.
cat >"$work/bad.yaml" <<'YAML'
name: bad
duration: 10s
apis:
  x:
    model: burst_intolerant
    limit: 10/sec
pods:
  p:
    count: 1
    traffic:
      - api: x
        workload: {kind: poisson, rate: 1/s}
YAML
set +e
"$ratelab" run "$work/bad.yaml" --out "$work/bad" >"$work/bad.out" 2>"$work/bad.err"
status=$?
set -e
check "malformed scenario exits 2" test "$status" -eq 2
check "error names file:line and key" grep -q "bad.yaml:6: apis.x.limit" "$work/bad.err"
check "error is one line" test "$(wc -l <"$work/bad.err")" -eq 1
check "no results folder for a bad scenario" test ! -e "$work/bad"

# Usage errors exit 2; help exits 0; version names jemalloc.
set +e
"$ratelab" run >/dev/null 2>&1; check "run without FILE exits 2" test $? -eq 2
"$ratelab" run "$work/bad.yaml" --frobnicate >/dev/null 2>&1; check "unknown option exits 2" test $? -eq 2
"$ratelab" nonsense >/dev/null 2>&1; check "unknown command exits 2" test $? -eq 2
"$ratelab" run "$work/missing.yaml" >/dev/null 2>"$work/missing.err"; check "missing file exits 2" test $? -eq 2
set -e
check "missing file is named" grep -q "missing.yaml" "$work/missing.err"
for command in run validate list; do
  check "$command --help exits 0" "$ratelab" "$command" --help
done
for command in run validate compare findings plot list bench bench-live; do
  check "help $command equals $command --help" \
    bash -c "cmp -s <('$ratelab' help $command) <('$ratelab' $command --help)"
done
check "help alone is the usage" bash -c "'$ratelab' help | grep -q '^usage: ratelab COMMAND'"
set +e
"$ratelab" help nonsense >/dev/null 2>&1; check "help of an unknown command exits 2" test $? -eq 2
set -e
check "--version names jemalloc" bash -c "'$ratelab' --version | grep -q jemalloc"
check "list names gcra" bash -c "'$ratelab' list | grep -q '^  gcra '"
# list --presets prints every preset's settings: a scenario with those settings written out runs
# exactly as one naming the preset (the same summary.json).
"$ratelab" list --presets >"$work/presets.txt"
for preset in $("$ratelab" list | sed -n '/^api presets:/,$p' | awk 'NR > 1 {print $1}'); do
  {
    printf 'name: p\nduration: 20s\napis:\n  a:\n'
    sed -n "/^  $preset:/,/^  [a-z_]*:/p" "$work/presets.txt" | sed '1d;/^  [a-z_]*:/d;/^    #/d'
    printf 'pods:\n  g:\n    count: 2\n    traffic:\n      - api: a\n'
    printf '        workload: {kind: poisson, rate: 4/s}\n'
  } >"$work/written-$preset.yaml"
  sed '/^  a:/,/^pods:/{/^    /d}; s|^  a:|  a:\n    preset: '"$preset"'|' "$work/written-$preset.yaml" \
    >"$work/named-$preset.yaml"
  "$ratelab" run "$work/written-$preset.yaml" --out "$work/written-$preset" --quiet >/dev/null
  "$ratelab" run "$work/named-$preset.yaml" --out "$work/named-$preset" --quiet >/dev/null
  check "list --presets: $preset written out runs as preset: $preset" \
    cmp -s "$work/written-$preset/summary.json" "$work/named-$preset/summary.json"
  check "list --presets: $preset cites its source and date" \
    grep -q "^    # source: https://.* (as of 20[0-9][0-9])" <(sed -n "/^  $preset:/,+1p" "$work/presets.txt")
done
check "validate accepts the demo" "$ratelab" validate "$source_dir/scenarios/demo.yaml"
set +e
"$ratelab" validate "$work/bad.yaml" >/dev/null 2>&1; check "validate refuses a bad file with 2" test $? -eq 2
set -e

# Expectations: printed with their measured value; a failed one exits 1, results still written.
cp "$source_dir/scenarios/stampede.yaml" "$work/claims.yaml"
printf 'expect:\n  - powerbi_shared.rate_429 < 0.001\n  - powerbi_local.rate_429 < 0.001\n' \
  >>"$work/claims.yaml"
set +e
"$ratelab" run "$work/claims.yaml" --out "$work/claims" >"$work/claims.out" 2>&1
status=$?
set -e
check "a failed expectation exits 1" test "$status" -eq 1
check "the claim that holds is PASS" grep -q 'PASS  powerbi_shared.rate_429 < 0.001' "$work/claims.out"
check "the claim that fails is FAIL" grep -q 'FAIL  powerbi_local.rate_429 < 0.001 .*measured 73' \
  "$work/claims.out"
check "expectations.csv written" grep -q ',false$' "$work/claims/expectations.csv"
"$ratelab" run "$work/claims.yaml" --out "$work/claims" --set pods.local.count=1 --quiet
check "claims that hold exit 0" test $? -eq 0

# Sweeps and replications: one table, the same figures whatever --jobs is.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --sweep pods.local.count=1,20 \
  --replications 3 --jobs 1 --out "$work/sweep1" >"$work/sweep.out"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --sweep pods.local.count=1,20 \
  --replications 3 --jobs 2 --out "$work/sweep2" --quiet
check "sweep prints each point" grep -q '^pods.local.count=20' "$work/sweep.out"
check "sweep reports intervals" grep -q '95% confidence interval over 3 seeds' "$work/sweep.out"
check "runs.csv has 2 points x 3 seeds x 2 APIs" test "$(tail -n +2 "$work/sweep1/runs.csv" | wc -l)" -eq 12
check "--jobs does not change the figures" cmp -s "$work/sweep1/runs.csv" "$work/sweep2/runs.csv"
set +e
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --sweep pods.local.count >/dev/null 2>&1
check "a --sweep without values exits 2" test $? -eq 2
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --sweep pods.local.count=1,x --quiet \
  2>"$work/sweep.err"
check "a bad sweep value exits 2" test $? -eq 2
check "a bad sweep value is named" grep -q 'pods.local.count=x' "$work/sweep.err"
set -e

checks_finish
