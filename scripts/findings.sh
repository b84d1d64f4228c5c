#!/usr/bin/env bash
# findings.sh - writes docs/FINDINGS.md from the seed scenarios: what each claims, what the
# simulation measured, whether each expectation held. Never edit that file by hand: rerun this.
# usage: scripts/findings.sh [BUILD_DIR] [OUTPUT]   (defaults: build, docs/FINDINGS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
output=${2:-docs/FINDINGS.md}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# --jobs 1 is not needed for identical output (figures do not depend on it); it is the default
# number of cores.
set +e
"$build_dir/ratelab" findings scenarios/seed/*.yaml >"$tmp"
status=$?
set -e
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "findings.sh: ratelab findings failed (exit $status)" >&2
  exit "$status"
fi
mv "$tmp" "$output"
trap - EXIT
echo "wrote $output$([ "$status" -eq 1 ] && echo ' (some expectations fail: see the file)')"
