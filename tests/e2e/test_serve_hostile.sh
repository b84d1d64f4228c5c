#!/usr/bin/env bash
# test_serve_hostile.sh - hostile clients against `ratelab serve` on loopback (malformed HTTP,
# 40 KB of headers, a 50 MB body, bad header values, slowloris, a flood of 10,000
# connections over a bound of 2,000): each gets its error answer or is closed, serve.json counts
# each exactly, the server's memory stays bounded, and it still answers afterwards.
# Also: 200 requests pipelined at once against a bound of 128, wrk as a load test (the books hold every answer it got), and three pipelined requests in one write get their answers in order.
# usage: test_serve_hostile.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
serve_pid=""
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
source "$(dirname "$0")/lib/serve_start.sh"
SLOWLORIS=50
BOUND=2000
# 10,000 connections, or what the hard limit on open files lets this shell's children hold.
hard=$(ulimit -Hn)
FLOOD=10000
if [ "$hard" != unlimited ] && [ "$hard" -lt 10300 ]; then
  FLOOD=$((hard - 300))
fi

echo "flood: $FLOOD connections against a bound of $BOUND (hard limit on open files: $hard)"
serve_start "$work/serve" "$source_dir/tests/data/serve_small.yaml" --duration 10min \
  --header-timeout 1s --max-connections "$BOUND" --out "$work/results" --quiet
port=${serve_url##*:}
python3 "$source_dir/tests/e2e/lib/serve_hostile.py" 127.0.0.1 "$port" "$serve_pid" \
  "$SLOWLORIS" "$FLOOD" >"$work/seen.json"
cat "$work/seen.json"
seen() { json_get "$work/seen.json" "$1"; }
pipelined=$(python3 -c 'import json,sys; print("|".join(json.load(open(sys.argv[1]))["pipelined"]))' \
  "$work/seen.json")
check "three pipelined requests get three answers, in order, then the connection closes" \
  test "$pipelined" = 'HTTP/1.1 200 OK|{"status":"accepted","api":"curl","client":"pipe1","cost_tokens":0}|HTTP/1.1 200 OK|{"status":"accepted","api":"curl","client":"pipe2","cost_tokens":0}|HTTP/1.1 200 OK|{"status":"accepted","api":"curl","client":"pipe3","cost_tokens":0}'
check "a request sent in pieces that cut a header is read whole ($(seen split))" \
  test "$(seen split)" = '{"status":"accepted","api":"curl","client":"split-id","cost_tokens":0}'
check "200 pipelined requests: the first 128 answered ($(seen overflow_ok))" \
  test "$(seen overflow_ok)" -eq 128
check "then 503 and the connection closed ($(seen overflow_last))" \
  test "$(seen overflow_last)" = "HTTP/1.1 503 Service Unavailable"
check "malformed HTTP gets 400" test "$(seen malformed)" = "HTTP/1.1 400 Bad Request"
check "40 KB of headers get 431" \
  test "$(seen huge_headers)" = "HTTP/1.1 431 Request Header Fields Too Large"
check "a 50 MB body gets 413" test "$(seen huge_body)" = "HTTP/1.1 413 Content Too Large"
check "a bad X-Client-Id gets 400" test "$(seen bad_client_id)" = "HTTP/1.1 400 Bad Request"
check "every slowloris connection was closed" test "$(seen slowloris_closed)" -eq "$SLOWLORIS"
opened=$(seen flood_opened)
check "the flood opened its $FLOOD connections (got $opened)" test "$opened" -eq "$FLOOD"
rss_flood=$(seen rss_kib_flood)
check "server memory under the flood stays below 256 MiB (${rss_flood} KiB)" \
  test "$rss_flood" -lt 262144
check "the server still answers after all that" test "$(seen after)" = "HTTP/1.1 200 OK"
# wrk as a load test: 20 connections for 2 s at the naive API (5 a second, then locked out).
# Nothing about speed is asserted: only that the books hold every answer wrk got, plus at most
# one request per connection in flight when wrk stopped.
wrk -t1 -c20 -d2s "$serve_url/naive/load" >"$work/wrk.out"
wrk_answers=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.out")
wrk_refused=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$work/wrk.out")
wrk_errors=$(grep -c '^ *Socket errors' "$work/wrk.out" || true)
check "wrk got answers ($wrk_answers) and no socket errors" \
  test "${wrk_answers:-0}" -gt 0 -a "$wrk_errors" -eq 0
kill -INT "$serve_pid"
status=0
wait "$serve_pid" || status=$?
serve_pid=""
check "SIGINT: exits 4 (got $status)" test "$status" -eq 4
stats=$work/results/serve.json
check "serve.json counts 1 pipeline full" test "$(json_get "$stats" refused pipeline_full)" -eq 1
check "serve.json counts 1 malformed" test "$(json_get "$stats" refused malformed)" -eq 1
check "serve.json counts 1 headers too large" \
  test "$(json_get "$stats" refused headers_too_large)" -eq 1
check "serve.json counts 1 body too large" test "$(json_get "$stats" refused body_too_large)" -eq 1
check "serve.json counts 1 bad header value" \
  test "$(json_get "$stats" refused bad_header_value)" -eq 1
check "serve.json counts $SLOWLORIS header timeouts" \
  test "$(json_get "$stats" refused header_timeout)" -eq "$SLOWLORIS"
over=$(json_get "$stats" refused over_connections)
check "serve.json counts the flood beyond $BOUND as refused ($over)" \
  test "$over" -eq $((FLOOD - BOUND))
check "never more than $BOUND connections open" \
  test "$(json_get "$stats" connections max_open)" -le "$BOUND"
check "the five good requests are in the books" \
  test "$(json_get "$work/results/summary.json" apis curl attempts)" -eq 5
server_attempts=$(json_get "$work/results/summary.json" apis naive attempts)
server_refused=$(json_get "$work/results/summary.json" apis naive rejected_429)
check "the books hold wrk's $wrk_answers answers, and at most 20 more ($server_attempts)" \
  test "$server_attempts" -ge "$wrk_answers" -a "$server_attempts" -le $((wrk_answers + 20))
check "the books hold wrk's ${wrk_refused:-0} refusals, and at most 20 more ($server_refused)" \
  test "$server_refused" -ge "${wrk_refused:-0}" -a "$server_refused" -le $((${wrk_refused:-0} + 20))
checks_finish
