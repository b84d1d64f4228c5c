#!/usr/bin/env bash
# bench_serve.sh - requests per second that `ratelab serve` answers on one core with keep-alive,
# measured with wrk beside a reference server (nginx answering `return 200` from one worker)
# on the same machine, and whether the server's books count every request wrk got an answer to.
# A benchmark, not a test: it prints figures for docs/PERFORMANCE.md and asserts nothing.
#
#   scripts/bench_serve.sh [BUILD_DIR]    (default build/; a Release build is what the doc reports)
#
# Environment: SECONDS_PER_RUN (default 10), CONNECTIONS (default 50), ROUNDS (default 3: each
# server is measured this many times, alternating, and the best round is kept: the machine is
# shared, and the best round is the one least disturbed by others). The servers run pinned to
# core 0 and wrk to core 1 (taskset), all on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-50}
rounds=${ROUNDS:-3}
for tool in wrk nginx taskset; do
  command -v "$tool" >/dev/null || { echo "bench_serve: $tool is missing (apt-get install wrk nginx-light)"; exit 2; }
done
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The reference: nginx, one worker, `return 200` with a body like serve's.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx;
  scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 200 '{"status":"accepted","api":"api","client":"127.0.0.1","cost_tokens":0}\n';
    }
  }
}
CONF
taskset -c 0 nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)

serve_port=$(free_port)
taskset -c 0 "$build/ratelab" serve scenarios/bench/serve_bench.yaml --duration 1h \
  --listen "127.0.0.1:$serve_port" --out "$work/serve_results" --quiet >"$work/serve.out" 2>&1 &
serve_pid=$!
pids+=($serve_pid)
sleep 1

rate_of() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }
count_of() { sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$1"; }
best_nginx=0
best_serve=0
serve_answers=0
for round in $(seq 1 "$rounds"); do
  taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$nginx_port/api/x" \
    >"$work/nginx.$round"
  taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$serve_port/api/x" \
    >"$work/serve.$round"
  n=$(rate_of "$work/nginx.$round")
  s=$(rate_of "$work/serve.$round")
  serve_answers=$((serve_answers + $(count_of "$work/serve.$round")))
  echo "round $round: nginx $n requests/s, ratelab serve $s requests/s"
  best_nginx=$(python3 -c "print(max($best_nginx, $n))")
  best_serve=$(python3 -c "print(max($best_serve, $s))")
done
grep -h "Non-2xx\|Socket errors" "$work"/serve.* || true
kill -INT "$serve_pid"
wait "$serve_pid" || true
attempts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apis"]["api"]["attempts"])' \
  "$work/serve_results/summary.json")
accepted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apis"]["api"]["accepted"])' \
  "$work/serve_results/summary.json")
echo "best of $rounds rounds of ${seconds}s, $connections connections, 1 wrk thread:"
echo "  nginx (return 200, 1 worker):   $best_nginx requests/s"
echo "  ratelab serve:                  $best_serve requests/s"
python3 -c "print('  ratio: %.2f' % ($best_serve / $best_nginx))"
echo "books: wrk got $serve_answers answers; the server recorded $attempts requests, $accepted accepted"
echo "  (requests in flight when wrk stops are answered to no one: at most $connections a round)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
