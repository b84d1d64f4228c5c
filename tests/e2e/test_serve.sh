#!/usr/bin/env bash
# test_serve.sh - `ratelab serve` with real clients on loopback: curl and a fleet of Python
# processes (requests). Checks that the server's books match what the clients saw, exactly;
# that a naive fleet (retrying at once) gets the 429s and a polite one (paced, honouring
# Retry-After) gets none; the results folder ("world": "serve", clients.csv); and that SIGTERM
# writes partial results and exits 4. Nothing here depends on timing: the APIs'
# windows are wide enough that a loaded machine sends the same requests into them.
# usage: test_serve.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
serve_pid=""
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/serve_start.sh"
scenario=$source_dir/tests/data/serve_small.yaml
client=$source_dir/tests/e2e/lib/serve_client.py

# 0. Bad input: exit 2 with one line, nothing served, no results folder.
refused() { # refused NAME EXPECTED_TEXT ARGS...
  local name=$1 text=$2 status=0
  shift 2
  "$ratelab" serve "$scenario" --out "$work/$name" "$@" >/dev/null 2>"$work/$name.err" || status=$?
  check "$name: exit 2 (got $status)" test "$status" -eq 2
  check "$name: says '$text'" grep -qF -e "$text" "$work/$name.err"
  check "$name: no results folder" test ! -e "$work/$name"
}
refused bad_listen "--listen nonsense: HOST:PORT" --listen nonsense
refused bad_host "'999.1.1.1' is not an IPv4 or IPv6 address" --listen 999.1.1.1:80
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >"$work/busy.port" &
busy_pid=$!
for _ in $(seq 1 100); do [ -s "$work/busy.port" ] && break; sleep 0.1; done
refused port_in_use "address already in use" --listen "127.0.0.1:$(cat "$work/busy.port")"
kill "$busy_pid"
refused bad_connections "--max-connections 0: a whole number from 1" --max-connections 0
refused bad_timeout "--header-timeout soon: a duration" --header-timeout soon

# 1. curl: a burst of 12 against 5 per 10 s, and single calls; the server ends by itself after
# its duration (15 s: room for every call below on a loaded machine).
serve_start "$work/curl" "$scenario" --duration 15s --out "$work/curl_results" --quiet --plots
for i in $(seq 1 12); do
  curl -s -o /dev/null -D "$work/headers.$i" -w '%{http_code}\n' "$serve_url/curl/item/$i" \
    >"$work/status.$i" &
done
wait_status=0
for job in $(jobs -p); do
  [ "$job" = "$serve_pid" ] || wait "$job" || wait_status=$?
done
check "every curl call finished" test "$wait_status" -eq 0
ok_count=$(cat "$work"/status.* | grep -c '^200$' || true)
refused_count=$(cat "$work"/status.* | grep -c '^429$' || true)
check "curl saw 5 answers of 200 (got $ok_count)" test "$ok_count" -eq 5
check "curl saw 7 answers of 429 (got $refused_count)" test "$refused_count" -eq 7
for i in $(seq 1 12); do
  if grep -q '^HTTP/1.1 429' "$work/headers.$i"; then
    retry_after=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$work/headers.$i")
    check "429 number $i has Retry-After >= 1 ($retry_after)" test "${retry_after:-0}" -ge 1
    check "429 number $i has X-RateLimit-Limit: 600" grep -q '^X-RateLimit-Limit: 600' \
      "$work/headers.$i"
    check "429 number $i has X-RateLimit-Remaining" grep -q '^X-RateLimit-Remaining: ' \
      "$work/headers.$i"
  fi
done
# Token costs from X-Ratelab-Cost against 1,000 tokens a minute: 600 fits, 600 more does not,
# 300 more does; a cost that is not a count is refused before the model.
cost_statuses=$(for cost in 600 600 300 lots; do
  curl -s -o "$work/cost.$cost" -w '%{http_code} ' -H "X-Ratelab-Cost: $cost" "$serve_url/tokens/chat"
done)
check "costs 600, 600, 300, lots get 200 429 200 400 (got $cost_statuses)" \
  test "$cost_statuses" = "200 429 200 400 "
check "the accepted answer names its cost" grep -q '"cost_tokens":300' "$work/cost.300"
# A leaky bucket 3 deep leaking 1 a minute: each answer reports the fill, as Shopify's does;
# the fourth call finds it full (429, Retry-After up to a minute, X-RateLimit-Limit the size).
for i in 1 2 3 4; do
  curl -s -o /dev/null -D "$work/bucket.$i" "$serve_url/bucket/orders/$i"
done
bucket_seen=$(for i in 1 2 3 4; do
  sed -n 's/^HTTP\/1.1 \([0-9]*\).*/\1/p; s/^X-Shopify-Shop-Api-Call-Limit: \([0-9/]*\).*/\1/p' \
    "$work/bucket.$i" | tr -d '\r' | tr '\n' ' '
done)
check "leaky bucket: 200 1/3, 200 2/3, 200 3/3, 429 3/3 (got $bucket_seen)" \
  test "$bucket_seen" = "200 1/3 200 2/3 200 3/3 429 3/3 "
check "leaky bucket: X-RateLimit-Limit is its size" grep -q '^X-RateLimit-Limit: 3' "$work/bucket.4"
check "leaky bucket: X-RateLimit-Remaining is 0 when full" \
  grep -q '^X-RateLimit-Remaining: 0' "$work/bucket.4"
bucket_retry=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$work/bucket.4")
check "leaky bucket: Retry-After is the time one unit takes to leak (got $bucket_retry s)" \
  test "${bucket_retry:-0}" -ge 1 -a "${bucket_retry:-99}" -le 60
check "other models send no X-Shopify-Shop-Api-Call-Limit" \
  bash -c "! grep -q '^X-Shopify' '$work/headers.1'"
# A POST whose client waits for "100 Continue" gets it at once, then its answer.
head -c 5000 /dev/zero | tr '\0' a >"$work/body.txt"
curl -sv -H 'Expect: 100-continue' -H 'X-Ratelab-Cost: 0' --data-binary @"$work/body.txt" \
  "$serve_url/tokens/post" 2>"$work/continue.log" >/dev/null || true
check "Expect: 100-continue gets 100 Continue, then 200" \
  test "$(grep -o '^< HTTP/1.1 [0-9]*' "$work/continue.log" | tr '\n' ' ')" = \
  "< HTTP/1.1 100 < HTTP/1.1 200 "
# A dropped request: the connection closes with no answer (curl's exit 52, "empty reply").
curl -s -o /dev/null "$serve_url/dropper/a"
drop_status=0
curl -s --max-time 20 -o /dev/null "$serve_url/dropper/b" || drop_status=$?
check "a dropped request gets no answer (curl exit 52, got $drop_status)" test "$drop_status" -eq 52
# Pipelined behind a drop, a request the API would accept is closed unanswered with it.
behind_drop=$(python3 - "${serve_url##*:}" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20) as s:
    s.sendall(b"GET /dropper/c HTTP/1.1\r\nHost: x\r\n\r\nGET /polite/x HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
print(len(got))
PY
)
check "a request pipelined behind a drop gets no answer either (got $behind_drop bytes)" \
  test "$behind_drop" -eq 0
# The window's count: the 200s leave 599, 598, ..., 595 of 600; every 429 says 595.
remaining_ok=$(for i in $(seq 1 12); do
  if grep -q '^HTTP/1.1 200' "$work/headers.$i"; then
    sed -n 's/^X-RateLimit-Remaining: \([0-9]*\).*/\1/p' "$work/headers.$i"
  fi
done | sort -n | tr '\n' ' ')
check "the 200s say X-RateLimit-Remaining 595 to 599 ($remaining_ok)" \
  test "$remaining_ok" = "595 596 597 598 599 "
check "every 429 says X-RateLimit-Remaining: 595" \
  test "$(grep -l '^HTTP/1.1 429' "$work"/headers.* | xargs grep -h '^X-RateLimit-Remaining' |
    tr -d '\r' | sort -u)" = "X-RateLimit-Remaining: 595"
status=0
wait "$serve_pid" || status=$?
serve_pid=""
summary=$work/curl_results/summary.json
check "serve exits 0 at the end of its duration (got $status)" test "$status" -eq 0
check "summary.json says world serve" grep -q '"world": "serve"' "$summary"
check "summary.json is not partial" grep -q '"partial": false' "$summary"
check "the server counted 12 attempts" test "$(json_get "$summary" apis curl attempts)" -eq 12
check "the server's 429 count is curl's, exactly" \
  test "$(json_get "$summary" apis curl rejected_429)" -eq "$refused_count"
check "the server's accepted count is curl's" \
  test "$(json_get "$summary" apis curl accepted)" -eq "$ok_count"
check "clients.csv has curl's peer address with 12 attempts" \
  grep -q '^127\.0\.0\.1,curl,12,5,7,0,' "$work/curl_results/clients.csv"
check "the server counted the token refusal" \
  test "$(json_get "$summary" apis tokens rejected_429)" -eq 1
check "the server counted the two drops" test "$(json_get "$summary" apis dropper dropped)" -eq 2
check "and the request behind one as dropped" \
  test "$(json_get "$summary" apis polite dropped)" -eq 1
check "timeseries.csv was written" test -s "$work/curl_results/timeseries.csv"
check "--plots: the report page was written" test -s "$work/curl_results/report.md"
if command -v gnuplot >/dev/null; then
  check "--plots: the time series of the curl API was drawn" \
    test -s "$work/curl_results/plots/timeseries_curl.png"
fi

# 2. Two fleets of four Python processes at once, each on its own API; then SIGTERM.
serve_start "$work/fleet" "$scenario" --duration 10min --out "$work/fleet_results" --quiet
fleet_pids=()
for k in 1 2 3 4; do
  python3 "$client" "$serve_url/naive/job" "naive-$k" naive 5 >"$work/naive-$k.json" &
  fleet_pids+=($!)
  python3 "$client" "$serve_url/polite/job" "polite-$k" polite 5 >"$work/polite-$k.json" &
  fleet_pids+=($!)
done
fleet_status=0
for p in "${fleet_pids[@]}"; do
  wait "$p" || fleet_status=$?
done
check "every Python client finished" test "$fleet_status" -eq 0
kill -TERM "$serve_pid"
status=0
wait "$serve_pid" || status=$?
serve_pid=""
results=$work/fleet_results
check "SIGTERM: serve exits 4 (got $status)" test "$status" -eq 4
check "SIGTERM: summary.json is partial" grep -q '"partial": true' "$results/summary.json"
check "SIGTERM: says where the partial results are" grep -q 'partial results in' \
  "$work/fleet.stderr"

# Each client's own counts against the server's row for it in clients.csv.
compare_client() { # compare_client NAME API
  python3 - "$work/$1.json" "$results/clients.csv" "$1" "$2" <<'PY'
import csv, json, sys
seen = json.load(open(sys.argv[1]))
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["client"] == sys.argv[3]]
assert len(rows) == 1 and rows[0]["api"] == sys.argv[4], rows
row = rows[0]
assert int(row["attempts"]) == seen["requests"], (row, seen)
assert int(row["accepted"]) == seen["200"], (row, seen)
assert int(row["rejected_429"]) == seen["429"], (row, seen)
assert seen["other"] == 0 and seen["retry_after_missing"] == 0, seen
PY
}
for k in 1 2 3 4; do
  check "naive-$k: the server's figures are what it saw" compare_client "naive-$k" naive
  check "polite-$k: the server's figures are what it saw" compare_client "polite-$k" polite
done
naive_rate=$(json_get "$results/summary.json" apis naive rate_429)
polite_refused=$(json_get "$results/summary.json" apis polite rejected_429)
polite_accepted=$(json_get "$results/summary.json" apis polite accepted)
check "the naive fleet gets the 429s (rate $naive_rate > 0.5)" \
  python3 -c "import sys; sys.exit(0 if $naive_rate > 0.5 else 1)"
check "the polite fleet gets none (got $polite_refused)" test "$polite_refused" -eq 0
check "the polite fleet's 20 jobs were accepted (got $polite_accepted)" \
  test "$polite_accepted" -eq 20
naive_seen_ok=$(cat "$work"/naive-*.json | python3 -c 'import json,sys
print(sum(json.loads(line)["200"] for line in sys.stdin))')
check "summary.json's naive accepted is the fleet's 200s ($naive_seen_ok)" \
  test "$(json_get "$results/summary.json" apis naive accepted)" -eq "$naive_seen_ok"

checks_finish
