#!/usr/bin/env bash
# test_bad_input.sh - the bad input table of docs/RELIABILITY.md through the real binary: every
# bad scenario or option gets exit 2 and one line naming FILE:LINE, the key and what is allowed;
# no crash (a sanitizer report or a signal is another exit code) and no results folder.
# usage: test_bad_input.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

# A valid scenario to edit: line 6 is the API's limit, line 9 the group's count.
good() {
  cat <<'YAML'
name: t
duration: 10s
apis:
  a:
    model: burst_intolerant
    limit: 10/s
pods:
  g:
    count: 2
    traffic:
      - api: a
        workload: {kind: poisson, rate: 5/s}
YAML
}

# refused NAME PREFIX [ARGS...]: `ratelab run $work/NAME.yaml ARGS` exits 2 with one line that
# starts with PREFIX (FILE stands for the file's path) and says what is allowed (after "; ",
# or as "expected ..."),
# and leaves no results folder, temporary or not.
refused() {
  local name=$1 prefix=$2
  shift 2
  local file="$work/$name.yaml" out="$work/out-$name" status=0
  "$ratelab" run "$file" --out "$out" "$@" >"$work/$name.stdout" 2>"$work/$name.stderr" || status=$?
  local message
  message=$(cat "$work/$name.stderr")
  prefix=${prefix//FILE/$file}
  if [ "$status" -ne 2 ]; then
    fail "$name: exit $status, not 2: $message"
  elif [ "$(wc -l <"$work/$name.stderr")" -ne 1 ]; then
    fail "$name: not one line: $message"
  elif [[ $message != "$prefix"* ]]; then
    fail "$name: \"$message\" does not start with \"$prefix\""
  elif [[ $message != *"; "* && $message != *": expected "* ]]; then
    fail "$name: \"$message\" does not say what is allowed"
  elif [ -e "$out" ] || compgen -G "$out.tmp-*" >/dev/null; then
    fail "$name: a results folder was written"
  elif [ -s "$work/$name.stdout" ]; then
    fail "$name: printed to stdout"
  else
    echo "ok: $name"
  fi
}

# edited NAME FIND REPLACE: writes the good scenario with FIND replaced into NAME.yaml.
edited() {
  good | sed "s|$2|$3|" >"$work/$1.yaml"
}

: >"$work/empty.yaml"
refused empty "FILE:1: empty file; a scenario needs name, duration, apis and pods"

printf '\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe' >"$work/binary.yaml"
refused binary "FILE:1: a NUL byte; a scenario file is UTF-8 text, not binary"
{ printf '\xff'; LC_ALL=C awk 'BEGIN { x = 7; for (i = 0; i < 300; i++) {
  x = (x * 1103515245 + 12345) % 2147483648; printf "%c", 1 + int(x / 65536) % 255 } }'; } \
  >"$work/garbage.yaml" # fixed pseudo-random bytes, no NUL, after a byte that is never UTF-8
refused garbage "FILE:1: byte 0xFF is not valid UTF-8"

edited wrong_type "count: 2" "count: [2]"
refused wrong_type "FILE:9: pods.g.count: expected a whole number such as 20, got a list"
edited wrong_type_rate "limit: 10/s" "limit: fast"
refused wrong_type_rate "FILE:6: apis.a.limit: \"fast\" is not a rate"

edited negative_rate "limit: 10/s" "limit: -5/s"
refused negative_rate "FILE:6: apis.a.limit: \"-5/s\" is not a rate"
edited zero_rate "limit: 10/s" "limit: 0/s"
refused zero_rate "FILE:6: apis.a.limit: \"0/s\" has a count of 0"
edited zero_period "rate: 5/s" "rate: 5/0s"
refused zero_period "FILE:12: pods.g.traffic.0.workload.rate: \"5/0s\" has a period of 0"

edited zero_pods "count: 2" "count: 0"
refused zero_pods "FILE:9: pods.g.count: 0 is out of range; allowed 1 to 10000000"
edited too_many_pods "count: 2" "count: 10_000_001"
refused too_many_pods "FILE:9: pods.g.count: 10000001 is out of range"

# Counts each within bounds, together beyond any memory: 10 million pods gathering a million
# requests each. Refused before anything is allocated, with the estimate.
edited too_big "kind: poisson, rate: 5/s" "kind: gather, requests: 1000000"
sed -i 's|count: 2|count: 10_000_000|' "$work/too_big.yaml"
refused too_big "FILE:12: pods.g.traffic.0.workload.requests: the run needs about "
check_says() { # check_says NAME TEXT: NAME's message holds TEXT
  if grep -qF -- "$2" "$work/$1.stderr"; then echo "ok: $1 says $2"; else fail "$1: no \"$2\""; fi
}
check_says too_big "PiB of memory (pods "
check_says too_big "(MemAvailable in /proc/meminfo); about "
# The same check against --memory-limit, for a scenario that fits any machine.
good >"$work/over_limit.yaml"
refused over_limit "FILE:2: duration: the run needs about " --memory-limit 1MiB
check_says over_limit "more than the 1.0 MiB available (--memory-limit)"
# A quota window per microsecond over a week: fine as a number, terabytes as memory.
good | sed 's|duration: 10s|duration: 7d\nbin: 1s|; s|limit: 10/s|limit: 1/1us|' >"$work/windows.yaml"
refused windows "FILE:7: apis.a.limit: the run needs about 8.8 TiB of memory"

edited unknown_algorithm "pods:" "limiters:\n  l: {algorithm: gcrq, scope: local, rate: 1/s}\npods:"
refused unknown_algorithm "FILE:8: limiters.l.algorithm: \"gcrq\" is not a known algorithm; write one of"
edited unknown_model "model: burst_intolerant" "model: burst"
refused unknown_model "FILE:5: apis.a.model: \"burst\" is not a model; write burst_intolerant, quota_bound or leaky_bucket"
edited unknown_preset "model: burst_intolerant" "preset: shopify"
sed -i '/limit: 10\/s/d' "$work/unknown_preset.yaml"
refused unknown_preset "FILE:5: apis.a.preset: \"shopify\" is not a preset; allowed: powerbi, github, shopify_rest"
edited preset_other_model "limit: 10/s" "preset: llm"
refused preset_other_model "FILE:5: apis.a.model: the preset is model quota_bound; leave model out or write quota_bound"
edited bucket_missing "model: burst_intolerant" "model: leaky_bucket"
refused bucket_missing "FILE:5: apis.a.bucket: missing; a leaky_bucket API needs bucket"
edited bucket_elsewhere "limit: 10/s" "limit: 10/s\n    bucket: 40"
refused bucket_elsewhere "FILE:7: apis.a.bucket: only for model leaky_bucket; this API is burst_intolerant"
edited burst_in_bucket "limit: 10/s" "limit: 2/s\n    bucket: 40\n    burst: 5/s"
sed -i 's|model: burst_intolerant|model: leaky_bucket|' "$work/burst_in_bucket.yaml"
refused burst_in_bucket "FILE:8: apis.a.burst: not for model leaky_bucket, whose bucket is the burst it allows"
edited unknown_scope "pods:" "limiters:\n  l: {algorithm: gcra, scope: global, rate: 1/s}\npods:"
refused unknown_scope "FILE:8: limiters.l.scope: \"global\" is not allowed; write one of local, redis, redis_lock"

edited unknown_key "limit: 10/s" "limt: 10/s"
refused unknown_key "FILE:6: apis.a.limt: unknown key; allowed here: model, limit, burst"
edited duplicate_key "count: 2" "count: 2\n    count: 3"
refused duplicate_key "FILE:10: pods.g.count: duplicate key (first at line 9); each key may appear once"

edited duration_overflow "duration: 10s" "duration: 99999999999999999999d"
refused duration_overflow "FILE:2: duration: \"99999999999999999999d\" is too long; durations are at most 2^40 us"
edited duration_too_long "duration: 10s" "duration: 13d"
refused duration_too_long "FILE:2: duration: \"13d\" is too long"
edited duration_week "duration: 10s" "duration: 8d"
refused duration_week "FILE:2: duration: 8d is out of range; allowed 1us to 7d"

printf 'name: %s\n' "$(printf '[%.0s' {1..40})$(printf ']%.0s' {1..40})" >"$work/deep.yaml"
refused deep "FILE:1: name.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0: nested deeper than 32 levels"

# A sweep holds at most 4 keys of 16 values (65,536 runs); one of millions cannot be written.
{ good; echo "sweep:"; for key in pods.g.count apis.a.limit pods.g.start store.command store.script; do
  echo "  $key: [$(seq -s ', ' 1 16)]"; done; } >"$work/sweep_keys.yaml"
refused sweep_keys "FILE:13: sweep: 5 keys; a sweep has 1 to 4"
{ good; echo "sweep:"; echo "  pods.g.count: [$(seq -s ', ' 1 17)]"; } >"$work/sweep_values.yaml"
refused sweep_values "FILE:14: sweep.pods.g.count: expected a list of 1 to 16 values"
# The largest sweep the format allows, 4 keys of 16 values (65,536 points), times 2 seeds is
# more runs than one command runs at once: refused before anything runs.
values16() { # values16 UNIT: [1UNIT, 2UNIT, ..., 16UNIT]
  local out="" i
  for i in $(seq 1 16); do out+="${out:+, }$i$1"; done
  echo "[$out]"
}
{ good; echo "sweep:"; echo "  pods.g.count: $(values16 '')"; echo "  apis.a.limit: $(values16 /s)"
  echo "  store.command: $(values16 us)"; echo "  store.script: $(values16 us)"; } >"$work/sweep_runs.yaml"
refused sweep_runs "ratelab run: 65536 points x 2 replications = 131072 runs; at most 100000" \
  --replications 2

{ good; printf 'faults:\n  - {kind: pod_restart, at: 1s, group: ghosts}\n'; } >"$work/fault_group.yaml"
refused fault_group "FILE:14: faults.0.group: no pod group \"ghosts\"; groups: g"
{ good; printf 'expect:\n  - b.rate_429 < 1%%\n'; } >"$work/expect_api.yaml"
refused expect_api "FILE:14: expect.0: no API \"b\"; subjects: a, store"
{ good; printf 'expect:\n  - a.speed < 1\n'; } >"$work/expect_figure.yaml"
refused expect_figure "FILE:14: expect.0: no figure \"speed\" for an API; figures: rate_429"

# --set values are checked like the file's; a path holding a control byte is refused plainly.
good >"$work/set_value.yaml"
refused set_value "--set:pods.g.count: 0 is out of range" --set pods.g.count=0
good >"$work/set_path.yaml"
refused set_path "--set \"pods.g\" then byte 0x0A: not allowed in a path; write keys" \
  --set $'pods.g\nx.count=1'

# Options: one line, exit 2, no folder.
# A workload faster than the simulation's time step (was: validated, then memory grew at
# 150 MB/s without progress).
edited rate_1e12 "rate: 5/s" "rate: 1000000000000/s"
refused rate_1e12 "FILE:12: pods.g.traffic.0.workload.rate: more than one job per microsecond per pod; at most 1000000/s"

# Options that would be silently ignored (was: the --set dropped, the --live-outage ignored).
good >"$work/set_and_sweep.yaml"
refused set_and_sweep "ratelab run: --set pods.g.count: the sweep also sets pods.g.count" \
  --set pods.g.count=3 --sweep pods.g.count=1,2
{ good; printf 'sweep:\n  pods.g.count: [1, 2]\n'; } >"$work/set_and_file_sweep.yaml"
refused set_and_file_sweep "ratelab run: --set pods.g.count: the sweep also sets pods.g.count" \
  --set pods.g.count=3
good >"$work/outage_without_live.yaml"
refused outage_without_live "ratelab run: --live-outage says how a live run plays store outages" \
  --live-outage pause

good >"$work/bad_limit.yaml"
refused bad_limit "ratelab run: --memory-limit: \"lots\" is not a size" --memory-limit lots

checks_finish
