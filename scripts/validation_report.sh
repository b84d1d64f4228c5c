#!/usr/bin/env bash
# validation_report.sh - runs the validation tests and writes docs/VALIDATION.md from the
# VALIDATION| lines they print, into the prose of tests/validation/VALIDATION.md.in.
#
# usage: scripts/validation_report.sh [--check] [BUILD_DIR]
#   BUILD_DIR  the CMake build folder holding the validation_* test binaries (default: build)
#   --check    write nothing; exit 1 when docs/VALIDATION.md differs from what the tests give
#              now (ctest runs this as validation_doc_current)
# Exit codes: 0 ok, 1 a validation test failed or (--check) the document is out of date,
# 2 bad usage or missing files.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
check=0
build=build
for arg in "$@"; do
  case $arg in
    --check) check=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "validation_report.sh: unknown option $arg" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
if [[ $build != /* ]]; then
  build=$PWD/$build
fi
template=$root/tests/validation/VALIDATION.md.in
document=$root/docs/VALIDATION.md
mapfile -t binaries < <(find "$build" -maxdepth 1 -type f -name 'validation_*' -perm -u+x | sort)
if [[ ${#binaries[@]} -eq 0 ]]; then
  echo "validation_report.sh: no validation_* binaries in $build; build first" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for binary in "${binaries[@]}"; do
  name=$(basename "$binary")
  # From the repository's root, as the rerun commands in the document assume.
  if ! (cd "$root" && RATELAB_SOURCE_DIR=$root "$binary") >"$work/$name.out" 2>&1; then
    echo "validation_report.sh: $name failed; its output is below" >&2
    cat "$work/$name.out" >&2
    failed=1
  fi
  grep -a '^VALIDATION|' "$work/$name.out" >>"$work/rows" || true
done

# Fill each @ROWS:section@ line of the template with that section's rows as a table.
awk -F'|' -v rows="$work/rows" '
  BEGIN {
    while ((getline line < rows) > 0) {
      n = split(line, f, "|")
      if (n != 10) { print "bad row: " line > "/dev/stderr"; bad = 1; continue }
      cell = "| `" f[3] "` | " f[4] " | " f[5] " | " f[6] " | " f[7] " | " f[8] " | " \
             (f[9] == "pass" ? "pass" : "**FAIL**") " | `" f[10] "` |"
      table[f[2]] = table[f[2]] cell "\n"
      count[f[2]]++
      total++
      if (f[9] != "pass") { failing++ }
    }
  }
  /^@ROWS:[a-z_]+@$/ {
    section = substr($0, 7, length($0) - 7)
    if (!(section in table)) { print "no rows for section " section > "/dev/stderr"; bad = 1; next }
    print "| Check | Formula or reference | Expected | Measured | 95% CI | Asserted | Result | Rerun |"
    print "|---|---|---|---|---|---|---|---|"
    printf "%s", table[section]
    used[section] = 1
    next
  }
  /^@SUMMARY@$/ {
    printf "%d checks from %d test binaries; %d pass, %d fail.\n", total, binaries, total - failing, failing
    next
  }
  { print }
  END {
    for (s in table) if (!(s in used)) { print "rows of section " s " have no place in the template" > "/dev/stderr"; bad = 1 }
    exit bad
  }
' binaries="${#binaries[@]}" "$template" >"$work/VALIDATION.md"

if [[ $check -eq 1 ]]; then
  if ! diff -u "$document" "$work/VALIDATION.md" >"$work/diff"; then
    echo "docs/VALIDATION.md is out of date with the validation tests' output:" >&2
    head -n 60 "$work/diff" >&2
    echo "regenerate it with: scripts/validation_report.sh build (then commit it)" >&2
    exit 1
  fi
  echo "docs/VALIDATION.md matches the validation tests' output"
  exit "$failed"
fi
cp "$work/VALIDATION.md" "$document"
echo "wrote docs/VALIDATION.md ($(grep -c '^VALIDATION|' "$work/rows") checks)"
exit "$failed"
