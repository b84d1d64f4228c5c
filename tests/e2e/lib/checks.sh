# checks.sh - what every e2e test script shares (sourced, not run): a check that counts
# failures instead of stopping, and the verdict at the end.
#   source "$(dirname "$0")/lib/checks.sh"
#   check "what is checked" COMMAND ARGS...
#   checks_finish                 # exit 1 when a check failed, else 0
failures=0

# Runs COMMAND; prints "ok: DESCRIPTION" or "FAILED: DESCRIPTION" and counts a failure.
check() {
  local description=$1
  shift
  if "$@"; then echo "ok: $description"; else echo "FAILED: $description"; failures=$((failures + 1)); fi
}

# Ends the script: exit 1 with the count when a check failed, else 0.
checks_finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
