# serve_start.sh - starting `ratelab serve` for an e2e test (sourced, not run).
#   serve_start OUT_PREFIX ARGS...   starts it on a free loopback port: $serve_pid, $serve_url
# Its stdout goes to OUT_PREFIX.stdout, stderr to OUT_PREFIX.stderr. Fails when the listening
# line has not appeared within 30 s.
serve_start() {
  local prefix=$1
  shift
  "$ratelab" serve "$@" --listen 127.0.0.1:0 >"$prefix.stdout" 2>"$prefix.stderr" &
  serve_pid=$!
  serve_url=""
  for _ in $(seq 1 300); do
    serve_url=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$prefix.stdout" 2>/dev/null |
      sed 's/listening on //' || true)
    if [ -n "$serve_url" ]; then
      return 0
    fi
    if ! kill -0 "$serve_pid" 2>/dev/null; then
      echo "ratelab serve exited before listening:"
      cat "$prefix.stderr"
      return 1
    fi
    sleep 0.1
  done
  echo "ratelab serve did not listen within 30 s"
  return 1
}

# json_get FILE PATH...: prints summary.json's value at the keys PATH (python3).
json_get() {
  python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v=v[k]
print(v)' "$@"
}
