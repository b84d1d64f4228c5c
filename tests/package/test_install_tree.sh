#!/usr/bin/env bash
# test_install_tree.sh - `cmake --install` into a fresh prefix: every file where it belongs and
# nothing else in bin/; the man page shows, as rendered by man, every command of
# `ratelab --help` and each command's --help text line for line; the installed ratelab
# validates every shipped example and runs one from an empty directory, writing its results
# under that directory; `bench` there finds the installed benchmark scenarios.
# usage: test_install_tree.sh RATELAB_BINARY BUILD_DIR SOURCE_DIR
set -uo pipefail
build_dir=$(realpath "$2")
source_dir=$(realpath "$3")
source "$source_dir/tests/e2e/lib/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build_dir" --prefix "$prefix" >"$work/install.out" 2>&1 || {
  cat "$work/install.out"
  exit 1
}
ratelab="$prefix/bin/ratelab"
examples="$prefix/share/ratelab/examples"
check "bin/ holds ratelab alone" test "$(ls "$prefix/bin")" = ratelab
check "the man page is installed, compressed" test -s "$prefix/share/man/man1/ratelab.1.gz"
for file in demo.yaml stampede.yaml README.md seed/baseline.json bench/bench_1k.yaml; do
  check "examples/$file is installed" test -s "$examples/$file"
done
check "every seed scenario is installed" test "$(ls "$examples"/seed/*.yaml | wc -l)" -eq \
  "$(ls "$source_dir"/scenarios/seed/*.yaml | wc -l)"
for file in README.md CHANGELOG.md docs/METRICS.md docs/LIVE.md docs/RELEASING.md; do
  check "doc/ratelab/$file is installed" test -s "$prefix/share/doc/ratelab/$file"
done

# The man page as man renders it (plain text), against the binary's own --help texts.
# flat: each line without its leading blanks, so that the page's indentation does not count.
flat() { sed 's/^ *//'; }
page=$(MANWIDTH=200 LC_ALL=C man -l "$prefix/share/man/man1/ratelab.1.gz" 2>"$work/man.err" | flat)
check "man renders the page without a warning" test ! -s "$work/man.err"
overview=$("$ratelab" --help | flat)
check "the page holds the text of ratelab --help" test "${page#*"$overview"}" != "$page"
commands=$("$ratelab" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help)
check "ratelab --help names at least the eight first-wave commands" test "$(echo "$commands" | wc -l)" -ge 8
for command in $commands; do
  text=$("$ratelab" "$command" --help | flat)
  check "the page has a section for $command" grep -qx "$command" <<<"$page"
  check "the page holds ratelab $command --help" test "${page#*"$text"}" != "$page"
done

# Installed, from an empty directory: the examples are valid, and a run writes ./results/runs/.
mkdir -p "$work/empty"
cd "$work/empty" || exit 1
for scenario in "$examples"/*.yaml "$examples"/seed/*.yaml; do
  check "installed ratelab validates $(basename "$scenario")" \
    bash -c "'$ratelab' validate '$scenario' >/dev/null"
done
"$ratelab" run "$examples/demo.yaml" --quiet
check "a run from an empty directory exits 0" test $? -eq 0
check "its results are under ./results/runs/" \
  test -s "$work/empty/results/runs/demo-seed1/summary.json"
# bench, with no scenarios/bench here, runs the installed examples' benchmark scenarios.
"$ratelab" bench --sizes 1k >"$work/bench.out" 2>&1
check "bench from an empty directory exits 0" test $? -eq 0
check "bench ran the installed bench_1k" grep -q '^bench_1k ' "$work/bench.out"
checks_finish
