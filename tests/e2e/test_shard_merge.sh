#!/usr/bin/env bash
# test_shard_merge.sh - a sweep split across machines (docs/SCALE.md): the same sweep run whole,
# and as --shard 1/3, 2/3, 3/3 started at once with xargs -P 3 (as on three machines) then
# merged, gives the same results folder byte for byte: every file but provenance.json, which is
# the same but for "command" (the merge's own) and "merged_from" (each shard's command). Then
# the bad inputs of docs/RELIABILITY.md: malformed --shard, more shards than runs, merging
# overlapping, missing, mismatched or cut-short shards: each exit 2, one clear line, no folder.
# usage: test_shard_merge.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"

# 5 points x 2 replications = 10 runs: the shards hold 4, 3 and 3 (runs 0,3,6,9 / 1,4,7 / 2,5,8).
# Some of the scenario's claims fail at these rates (exit 1): the merge must say the same.
scenario=scenarios/seed/1_stampede.yaml
sweep=(--sweep limiters.shared_gcra.rate=6/s,8/s,9/s,10/s,12/s --replications 2)
whole_status=0
"$ratelab" run "$scenario" "${sweep[@]}" --jobs 2 --out "$work/whole" --quiet 2>/dev/null ||
  whole_status=$?
check "the whole run: some claims fail (exit 1)" test "$whole_status" -eq 1
printf '%s\n' 1/3 2/3 3/3 | xargs -P 3 -I{} sh -c \
  '"$0" run "$1" --sweep "$2" --replications 2 --jobs 1 --shard {} --out "$3/shard-$(echo {} | tr / -)" --quiet' \
  "$ratelab" "$scenario" limiters.shared_gcra.rate=6/s,8/s,9/s,10/s,12/s "$work"
check "each shard wrote a partial folder" \
  test -s "$work/shard-1-3/shard_runs.csv" -a -s "$work/shard-2-3/shard_runs.csv" -a \
  -s "$work/shard-3-3/shard_runs.csv"
check "a shard has no estimates (no summary.json)" test ! -e "$work/shard-2-3/summary.json"
check "a shard says which it is" \
  grep -q '^# ratelab shard 2/3 of 10 runs (5 points x 2 replications)$' "$work/shard-2-3/shard_runs.csv"
check "shard 1/3 holds runs 0, 3, 6, 9" \
  test "$(tail -n +3 "$work/shard-1-3/shard_runs.csv" | cut -d, -f1 | tr '\n' ' ')" = "0 3 6 9 "
check "provenance.json of a shard records it" \
  python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); sys.exit(p["shard"]!={"index":3,"count":3})' \
  "$work/shard-3-3/provenance.json"

# Merged in any order: the same folder as the whole run.
merge_status=0
"$ratelab" merge "$work/shard-3-3" "$work/shard-1-3" "$work/shard-2-3" --out "$work/merged" \
  >"$work/merge.stdout" || merge_status=$?
check "merge exits as the whole run did (1: claims failed)" test "$merge_status" -eq "$whole_status"
check "merged and whole hold the same files" \
  diff <(ls -A "$work/whole") <(ls -A "$work/merged")
for file in $(ls -A "$work/whole"); do
  [ "$file" = provenance.json ] && continue
  check "merged $file is byte for byte the whole run's" cmp "$work/whole/$file" "$work/merged/$file"
done
check "expectations.csv is among them" test -s "$work/merged/expectations.csv"
same_provenance() {
  python3 - "$work/whole/provenance.json" "$work/merged/provenance.json" <<'PY'
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:])
assert "merged_from" not in whole and "shard" not in whole and "shard" not in merged
assert merged["command"][:2] == ["ratelab", "merge"], merged["command"]
assert [m["shard"]["index"] for m in merged["merged_from"]] == [1, 2, 3]
assert all("--shard" in m["command"] for m in merged["merged_from"])
for p in (whole, merged):
    del p["command"]
    p.pop("merged_from", None)
assert list(whole) == list(merged), (list(whole), list(merged))
assert whole == merged, (whole, merged)
PY
}
check "provenance.json: the same but for command and merged_from" same_provenance
check "merge prints the sweep's table" grep -q 'limiters.shared_gcra.rate=12/s' "$work/merge.stdout"
"$ratelab" run "$scenario" "${sweep[@]}" --jobs 2 --out "$work/whole-table" >"$work/whole.stdout" || true
check "merge prints what the whole run printed (but its first line)" \
  diff <(tail -n +2 "$work/whole.stdout" | sed "s|$work/whole-table|DIR|") \
  <(tail -n +2 "$work/merge.stdout" | sed "s|$work/merged|DIR|")

# The Kubernetes example's pod command (examples/kubernetes/sweep-indexed-job.yaml, its folded
# `args` block), run as the Indexed Job's three pods would: JOB_COMPLETION_INDEX 0, 1, 2, with
# the volumes' paths moved here; its merge equals the whole run of the same sweep.
manifest=examples/kubernetes/sweep-indexed-job.yaml
pod_command=$(sed -n '/^            - >-$/,/^          resources:/p' "$manifest" | sed '1d;$d' |
  sed 's/^ *//' | tr '\n' ' ' | sed "s|^ratelab |\"$ratelab\" |; s|/scenarios/|scenarios/seed/|g; s|/results/|$work/k8s/|g")
check "the Kubernetes example's pod command was found" grep -q -- '--shard' <<<"$pod_command"
for index in 0 1 2; do
  JOB_COMPLETION_INDEX=$index sh -c "$pod_command --quiet"
done
"$ratelab" run scenarios/seed/1_stampede.yaml \
  $(grep -o -- '--sweep [^ ]*' <<<"$pod_command") $(grep -o -- '--replications [0-9]*' <<<"$pod_command") \
  --out "$work/k8s-whole" --quiet 2>/dev/null || true
"$ratelab" merge "$work/k8s/shard-1" "$work/k8s/shard-2" "$work/k8s/shard-3" --out "$work/k8s/merged" \
  --quiet 2>/dev/null || true
check "Kubernetes example: merged summary.json equals the whole run's" \
  cmp "$work/k8s-whole/summary.json" "$work/k8s/merged/summary.json"
check "Kubernetes example: merged runs.csv equals the whole run's" \
  cmp "$work/k8s-whole/runs.csv" "$work/k8s/merged/runs.csv"

# Replications alone shard too; one shard per run is the most.
"$ratelab" run "$scenario" --replications 3 --out "$work/reps" --quiet
for k in 1 2 3; do
  "$ratelab" run "$scenario" --replications 3 --shard $k/3 --out "$work/reps-$k" --quiet
done
"$ratelab" merge "$work/reps-1" "$work/reps-2" "$work/reps-3" --out "$work/reps-merged" --quiet
check "replications alone: summary.json the same" cmp "$work/reps/summary.json" "$work/reps-merged/summary.json"
check "replications alone: runs.csv the same" cmp "$work/reps/runs.csv" "$work/reps-merged/runs.csv"

# Whether FILE is one line that matches the extended regular expression PATTERN.
one_line_matching() { test "$(wc -l <"$2")" -eq 1 && grep -Eq -- "$1" "$2"; }

# refused WHAT PATTERN COMMAND...: exit 2, one line on stderr matching PATTERN, no folder at
# $work/refused (nor a temporary one beside it).
refused() {
  local what=$1 pattern=$2 status=0
  shift 2
  "$@" >"$work/refused.stdout" 2>"$work/refused.stderr" || status=$?
  check "$what: exit 2" test "$status" -eq 2
  check "$what: one line saying why" one_line_matching "$pattern" "$work/refused.stderr"
  check "$what: no folder written" bash -c "! ls -d '$work'/refused* 2>/dev/null | grep -v 'refused\.std'"
}
for bad in 0/3 4/3 3 a/b 1/0 1/3x /3 -1/3 1/10001; do
  refused "--shard $bad" "--shard $bad: (expected K/N|shard [0-9]+ of [0-9]+ does not exist)" \
    "$ratelab" run "$scenario" "${sweep[@]}" --shard "$bad" --out "$work/refused"
done
refused "--shard 11/11 of a 10-run grid" "^ratelab run: --shard 11/11: the grid has only 10 runs.*at most 10 shards" \
  "$ratelab" run "$scenario" "${sweep[@]}" --shard 11/11 --out "$work/refused"
refused "--shard on a single run" "--shard 1/2 splits a sweep's runs; this is one run" \
  "$ratelab" run "$scenario" --shard 1/2 --out "$work/refused"

m=("$ratelab" merge --out "$work/refused")
refused "merge: the same shard twice" "both shard 1/3 \\(overlapping\\)" \
  "${m[@]}" "$work/shard-1-3" "$work/shard-1-3" "$work/shard-2-3"
refused "merge: a shard missing" "2 of 3 shards given; shard 2/3 is missing" \
  "${m[@]}" "$work/shard-1-3" "$work/shard-3-3"
refused "merge: no shard folder" "no shard folder given" "${m[@]}"
refused "merge: a folder that is not a shard" "whole/shard_runs.csv: .*not a shard" \
  "${m[@]}" "$work/whole" "$work/shard-2-3" "$work/shard-3-3"
"$ratelab" run "$scenario" "${sweep[@]}" --shard 1/2 --out "$work/half-1" --quiet
refused "merge: different shard counts" "shard 1/2 of 10 runs.*not the shards of one sweep split one way" \
  "${m[@]}" "$work/half-1" "$work/shard-2-3" "$work/shard-3-3"
"$ratelab" run "$scenario" "${sweep[@]}" --seed 7 --shard 1/3 --out "$work/seed7-1" --quiet
refused "merge: different seeds" 'differ in "seeds" \(different seeds or replications\)' \
  "${m[@]}" "$work/seed7-1" "$work/shard-2-3" "$work/shard-3-3"
"$ratelab" run "$scenario" --sweep limiters.shared_gcra.rate=6/s,8/s,9/s,10/s,13/s \
  --replications 2 --shard 1/3 --out "$work/other-1" --quiet
refused "merge: different settings" 'differ in "overrides" \(different --set or --sweep settings\)' \
  "${m[@]}" "$work/other-1" "$work/shard-2-3" "$work/shard-3-3"
cp -r "$work/shard-2-3" "$work/oldrev-2"
sed -i 's/"revision": "[^"]*"/"revision": "0000000-older"/' "$work/oldrev-2/provenance.json"
refused "merge: a different revision" 'differ in "revision" \(made by different builds of ratelab\)' \
  "${m[@]}" "$work/shard-1-3" "$work/oldrev-2" "$work/shard-3-3"
for k in 1 2 3; do
  cp -r "$work/shard-$k-3" "$work/allold-$k"
  sed -i 's/"revision": "[^"]*"/"revision": "0000000-older"/' "$work/allold-$k/provenance.json"
done
refused "merge: shards of another build than the merge's" \
  "was made by ratelab .* \\(revision 0000000-older\\), this is ratelab .*merge with the build that ran the shards" \
  "${m[@]}" "$work/allold-1" "$work/allold-2" "$work/allold-3"
cp -r "$work/shard-1-3" "$work/short-1"
sed -i '$d' "$work/short-1/shard_runs.csv"
refused "merge: a shard cut short" "holds 3 of its shard's 4 runs \\(cut short\\?\\)" \
  "${m[@]}" "$work/short-1" "$work/shard-2-3" "$work/shard-3-3"
cp -r "$work/shard-1-3" "$work/moved-1"
sed -i 's/^3,/4,/' "$work/moved-1/shard_runs.csv"
refused "merge: a run not of its shard" "run 4 is not of shard 1/3" \
  "${m[@]}" "$work/moved-1" "$work/shard-2-3" "$work/shard-3-3"
cp -r "$work/shard-1-3" "$work/twice-1"
sed -n 3p "$work/twice-1/shard_runs.csv" >>"$work/twice-1/shard_runs.csv"
refused "merge: a run twice in a shard file" "run 0 is given twice \\(overlapping shards\\)" \
  "${m[@]}" "$work/twice-1" "$work/shard-2-3" "$work/shard-3-3"
status=0
"$ratelab" merge "$work/shard-1-3" "$work/shard-2-3" "$work/shard-3-3" --out "$work/shard-2-3/" \
  >/dev/null 2>"$work/into.stderr" || status=$?
check "merge: --out one of the shards: exit 2" test "$status" -eq 2
check "merge: --out one of the shards: says why" \
  one_line_matching "is one of the shard folders; the merge would replace it" "$work/into.stderr"
check "merge: --out one of the shards: the shard is left whole" test -s "$work/shard-2-3/shard_runs.csv"
mkdir "$work/mine"
echo "keep" >"$work/mine/notes.txt"
status=0
"$ratelab" merge "$work/shard-1-3" "$work/shard-2-3" "$work/shard-3-3" --out "$work/mine" \
  >/dev/null 2>"$work/mine.stderr" || status=$?
check "merge: --out a folder ratelab did not write: exit 2" test "$status" -eq 2
check "merge: that folder is left alone" test "$(cat "$work/mine/notes.txt")" = keep
checks_finish
