#!/usr/bin/env bash
# test_findings_current.sh - docs/FINDINGS.md is what `scripts/findings.sh` writes today: a
# change to the model or to a seed scenario must come with the regenerated document.
# usage: test_findings_current.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$(realpath "$1")
cd "$2"
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
set +e
"$ratelab" findings scenarios/seed/*.yaml >"$actual"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "FAILED: ratelab findings exited $status (an expectation fails, or a run failed)"
  exit 1
fi
if ! diff -u docs/FINDINGS.md "$actual"; then
  echo "FAILED: docs/FINDINGS.md is out of date; rerun scripts/findings.sh build"
  exit 1
fi
echo "ok: docs/FINDINGS.md is current"
