#!/usr/bin/env bash
# mutants.sh - the mutation check: puts each plausible bug of scripts/mutants/*.patch into a
# scratch copy of the source, one at a time, rebuilds, runs the tests that should catch it, and
# says which were caught.
#
#   scripts/mutants.sh [--build-dir DIR] [--jobs N] [PATCH ...]
#
# PATCH: patches to try (default: every scripts/mutants/*.patch). Each is a unified diff that
# `git apply` takes from the repository's root; the text before its first `diff --git` line
# says what it is:
#   label: unit validation     the ctest labels that must catch it (one or more)
#   why: <one line>            the bug it plants, and where it slipped through before
# A mutant that touches algorithms/lua/ also runs test_lua_differential (a real redis-server)
# first. validation_doc_current never runs: it compares docs/VALIDATION.md with the tests'
# output, so it fails on any change of a figure, and a mutant caught only by it is missed.
#
# The copy and its build live in DIR (default build-mutants/: src/ and build/); the working
# tree is never changed. Builds are incremental: a mutant recompiles the files it touches.
# For each mutant: applied? built? which test failed first? Then it is reverted and rebuilt,
# and the test that caught it must pass again: a test that fails without the mutant (a flaky
# or broken test) catches nothing. A patch that no longer applies, a mutant that does not
# build, or one no test catches is missed, with its reason. Last line: `N caught, M missed`.
# Exit codes: 0 every mutant caught, 1 some missed (or the unmutated copy fails to build),
# 2 bad usage.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/build-mutants
jobs=$(nproc)
patches=()
while (($# > 0)); do
  case $1 in
    --build-dir) work=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mutants.sh: unknown option $1" >&2; exit 2 ;;
    *) patches+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
  esac
done
if ((${#patches[@]} == 0)); then
  mapfile -t patches < <(find "$root/scripts/mutants" -maxdepth 1 -name '*.patch' | sort)
fi
if ((${#patches[@]} == 0)); then
  echo "mutants.sh: no patches in scripts/mutants/" >&2
  exit 2
fi
[[ $work == /* ]] || work=$PWD/$work
src=$work/src
build=$work/build
log=$work/log
mkdir -p "$work" "$log"
# The copy may sit inside this repository (build-mutants/ does): git apply must treat it as a
# plain folder, never find the repository above it and patch the working tree instead.
export GIT_CEILING_DIRECTORIES=$work

# A fresh copy of what git sees (committed, changed and untracked files, not ignored ones).
# tar keeps each file's time, so the build dir's objects stay valid from one run to the next.
rm -rf "$src"
mkdir -p "$src"
if ! (cd "$root" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - -cf -) | tar -xf - -C "$src"; then
  echo "mutants.sh: cannot copy the tree" >&2
  exit 1
fi

build_copy() { # log file
  { cmake -S "$src" -B "$build" -DRATELAB_WERROR=OFF &&
    cmake --build "$build" --parallel "$jobs"; } >"$1" 2>&1
}

echo "mutants: building the unmutated copy in $build"
if ! build_copy "$log/baseline.build"; then
  echo "mutants: the unmutated copy does not build; see $log/baseline.build"
  exit 1
fi

header() { # patch key: the value of `key:` before the first diff line
  awk -v key="$2" '/^diff --git /{exit}
    index($0, key ":") == 1 {sub("^" key ":[ \t]*", ""); print; exit}' "$1"
}

# Runs ctest with the arguments; echoes the first test that failed, or nothing.
run_ctest() { # log file, ctest arguments...
  local out=$1
  shift
  ctest --test-dir "$build" --stop-on-failure --output-on-failure --timeout 300 \
    -E '^validation_doc_current$' "$@" >"$out" 2>&1
  grep -a -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$out" | grep -a -v ' Passed ' | head -n 1 |
    sed -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .*/\1/'
}

caught=0
missed=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  labels=$(header "$patch" label)
  why=$(header "$patch" why)
  verdict=""
  if [[ -z $labels ]]; then
    verdict="missed: no label: line"
  elif ! (cd "$src" && git apply --check "$patch") >"$log/$name.apply" 2>&1; then
    verdict="missed: does not apply ($(head -n 1 "$log/$name.apply"))"
  else
    (cd "$src" && git apply "$patch")
    catcher=""
    if ! build_copy "$log/$name.build"; then
      verdict="missed: does not build (see $log/$name.build)"
    else
      if grep -q '^diff --git a/algorithms/lua/' "$patch"; then
        if ! command -v redis-server >/dev/null; then
          verdict="missed: a Lua mutant needs redis-server (scripts/setup.sh installs it)"
        else
          catcher=$(run_ctest "$log/$name.lua" -R '^test_lua_differential$')
        fi
      fi
      if [[ -z $verdict && -z $catcher ]]; then
        # One ctest run per label (repeated -L options would have to match all at once).
        for label in $labels; do
          [[ -n $catcher ]] && break
          catcher=$(run_ctest "$log/$name.$label" -L "^$label\$")
        done
      fi
    fi
    (cd "$src" && git apply -R "$patch")
    if [[ -z $verdict && -n $catcher ]]; then
      # Without the mutant, the test that caught it must pass.
      if ! build_copy "$log/$name.revert.build"; then
        echo "mutants: the copy does not build after reverting $name; see $log/$name.revert.build"
        exit 1
      fi
      if [[ -n $(run_ctest "$log/$name.recheck" -R "^$catcher\$") ]]; then
        verdict="missed: $catcher fails without the mutant too (flaky or broken)"
      else
        verdict="caught by $catcher"
      fi
    elif [[ -z $verdict ]]; then
      verdict="missed: no test of label(s) $labels failed"
    fi
  fi
  if [[ $verdict == caught* ]]; then
    caught=$((caught + 1))
  else
    missed=$((missed + 1))
  fi
  printf '%-45s %s\n' "$name" "$verdict"
  [[ -n $why ]] && printf '%-45s   (%s)\n' "" "$why"
done
# Leave the copy's build unmutated for the next run.
build_copy "$log/final.build" || true
echo "$caught caught, $missed missed"
((missed == 0))
