#!/usr/bin/env bash
# test_live_faults.sh - `ratelab run --live` against a Redis that misbehaves from outside the
# run: a wrong password (one line, exit 2, nothing written), a server killed mid-run or frozen
# for good (the run carries on, reports the store errors, ends within its duration plus the grace
# period of docs/RELIABILITY.md, and touches no key outside its own prefix); a server out of
# memory (the run is written, exit 3, the server's words); a server on IPv6.
# Refused at start is in test_live_run.sh; outages ratelab plays itself and a server that is not
# Redis are in tests/unit/test_live_run.c.
# usage: test_live_faults.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib/checks.sh"
scenario=$source_dir/tests/data/live_small.yaml # 4 s of 20 pods through one shared token bucket
DURATION_S=4
GRACE_S=10 # docs/RELIABILITY.md: a live run ends within its duration plus 10 s

# start_redis [ARGS...]: starts a redis-server of our own on a free port; sets $port and $pid.
start_redis() {
  for attempt in $(seq 1 20); do
    port=$((20000 + (RANDOM * 7 + attempt * 131) % 40000))
    # Started from a subshell: not a job of this shell, which would report its death.
    (redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$work" --logfile "$work/redis-$port.log" "$@" &
      echo $! >"$work/redis.pid")
    pid=$(cat "$work/redis.pid")
    for _ in $(seq 1 50); do
      # Ours, not someone else's that already held the port: the server names its own pid.
      if redis-cli -p "$port" "${auth[@]}" info server 2>/dev/null | tr -d '\r' |
        grep -qx "process_id:$pid"; then
        servers+=("$pid")
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  echo "could not start redis-server" >&2
  exit 1
}

# A wrong password: refused before anything runs; one line, exit 2, no folder, no secret shown.
auth=(-a right-secret --no-auth-warning)
start_redis --requirepass right-secret
status=0
"$ratelab" run "$scenario" --redis "redis://:wrong-secret@127.0.0.1:$port/0" --out "$work/auth" \
  >"$work/auth.out" 2>&1 || status=$?
check "wrong password: exit 2, got $status" test "$status" -eq 2
check "wrong password: one line" test "$(wc -l <"$work/auth.out")" -eq 1
check "wrong password: says the server refused the credentials" \
  grep -q "127.0.0.1:$port/0 refused the credentials" "$work/auth.out"
check "wrong password: no password printed" bash -c "! grep -q secret '$work/auth.out'"
check "wrong password: no results folder" test ! -e "$work/auth"
REDISCLI_AUTH=right-secret "$ratelab" run "$scenario" --redis "redis://127.0.0.1:$port/0" \
  --set duration=1s --out "$work/auth_ok" --quiet
check "the right password (REDISCLI_AUTH) runs" grep -q '"partial": false' "$work/auth_ok/summary.json"

# fault_mid_run NAME SIGNAL: a run against our server, which gets SIGNAL 1.5 s in and never
# comes back; the run must carry on to its end, count the errors and leave other keys alone.
auth=()
fault_mid_run() {
  local name=$1 signal=$2 out="$work/$1"
  start_redis
  redis-cli -p "$port" set someone:else precious >/dev/null
  local started status=0
  started=$(date +%s)
  "$ratelab" run "$scenario" --redis "redis://127.0.0.1:$port/0" --out "$out" \
    >"$out.stdout" 2>"$out.stderr" &
  local run=$!
  sleep 1.5
  kill "-$signal" "$pid"
  wait "$run" || status=$?
  local took=$(($(date +%s) - started))
  check "$name: the run ends normally (exit $status)" test "$status" -eq 0
  check "$name: within duration + grace (${took} s)" test "$took" -le $((DURATION_S + GRACE_S))
  check "$name: whole results" grep -q '"partial": false' "$out/summary.json"
  local errors
  errors=$(($(sed -n '/"errors"/,/}/p' "$out/summary.json" | grep -o '[0-9]\+' | paste -sd+)))
  check "$name: store errors reported ($errors)" test "$errors" -gt 0
  check "$name: the keys could not be deleted, and it says so" \
    grep -q "^keys: could not delete this run's keys" "$out.stdout"
  check "$name: nothing on stderr" test ! -s "$out.stderr"
}

fault_mid_run killed KILL

fault_mid_run frozen STOP
kill -CONT "$pid"
check "frozen: the other key is untouched" \
  test "$(redis-cli -p "$port" get someone:else)" = precious
others=$(redis-cli -p "$port" --scan | grep -v '^someone:else$' | grep -cv '^ratelab:[0-9a-f]\{16\}:' || true)
check "frozen: every other key is under a run's prefix ($others outside)" test "$others" -eq 0

# Redis out of memory (maxmemory 1 byte, noeviction): every call is refused with OOM. The run
# completes and writes its results, but exits 3 saying so in the server's own words; the console
# counts error replies apart from answers.
start_redis --maxmemory 1 --maxmemory-policy noeviction
status=0
"$ratelab" run "$scenario" --redis "redis://127.0.0.1:$port/0" --set duration=1s \
  --out "$work/oom" >"$work/oom.stdout" 2>"$work/oom.stderr" || status=$?
check "out of memory: exit 3, got $status" test "$status" -eq 3
check "out of memory: stderr has the server's words" \
  grep -q "OOM command not allowed" "$work/oom.stderr"
check "out of memory: stderr says nothing was answered" \
  grep -q "the store answered none of [0-9]* commands well" "$work/oom.stderr"
check "out of memory: one line on stderr" test "$(wc -l <"$work/oom.stderr")" -eq 1
check "out of memory: the console counts error replies" \
  grep -q " 0 answered, [1-9][0-9]* error replies" "$work/oom.stdout"
check "out of memory: results written" test -f "$work/oom/live_store.json"
check "out of memory: live_store.json has the error" \
  grep -q '"first_error": "the server answered: OOM' "$work/oom/live_store.json"

# IPv6: a server on ::1 reached as redis://[::1]:PORT (and named so on the console).
start_redis --bind "127.0.0.1 ::1"
"$ratelab" run "$scenario" --redis "redis://[::1]:$port/0" --set duration=1s --out "$work/v6" \
  >"$work/v6.stdout"
check "IPv6: the run used [::1]" grep -q "^store: redis://\[::1\]:$port/0, " "$work/v6.stdout"
check "IPv6: answered" grep -q " 0 error replies, 0 refused, 0 timed out" "$work/v6.stdout"

checks_finish
