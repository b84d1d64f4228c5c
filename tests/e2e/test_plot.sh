#!/usr/bin/env bash
# test_plot.sh - `ratelab plot` and `run --plots` end to end, on results folders the real binary
# writes: every expected image is a 1600x900 PNG (or an SVG on request), missing data gets
# exit 2 and one line, a missing gnuplot gets its one-line message.
# usage: test_plot.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"

# is_png_1600x900 FILE: the PNG signature, an IHDR chunk first, 1600 wide and 900 high.
is_png_1600x900() {
  local bytes
  bytes=$(od -An -tx1 -N24 "$1" 2>/dev/null | tr -d ' \n')
  [ "${bytes:0:16}" = "89504e470d0a1a0a" ] || return 1
  [ "${bytes:24:8}" = "49484452" ] || return 1 # "IHDR"
  [ $((16#${bytes:32:8})) -eq 1600 ] && [ $((16#${bytes:40:8})) -eq 900 ]
}

images=(timeseries_powerbi_local timeseries_powerbi_shared bursts_powerbi_local
  bursts_powerbi_shared latency)

# ratelab plot on a results folder of the stampede.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/run" --quiet
"$ratelab" plot "$work/run" >"$work/plot.out"
check "plot names the report page" grep -q "report: $work/run/report.md" "$work/plot.out"
for image in "${images[@]}"; do
  check "$image.png is a 1600x900 PNG" is_png_1600x900 "$work/run/plots/$image.png"
done
check "report.md embeds the figures" grep -q '(plots/timeseries_powerbi_local.png)' "$work/run/report.md"
check "report.html embeds the figures" grep -q '<img src="plots/latency.png"' "$work/run/report.html"
check "the data is beside the figures" test -s "$work/run/plots/timeseries_powerbi_local.dat"
check "a figure can be re-drawn by hand" bash -c "cd '$work/run/plots' && gnuplot latency.gp"

# run --plots: the figures and the page are inside the folder when it appears.
set +e
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/both" --plots >"$work/both.out"
status=$?
set -e
check "run --plots exits 0" test "$status" -eq 0
for image in "${images[@]}"; do
  check "run --plots drew $image.png" is_png_1600x900 "$work/both/plots/$image.png"
done
check "run --plots wrote report.md" test -s "$work/both/report.md"
check "run --plots names the report" grep -q "report: $work/both/report.md" "$work/both.out"
check "no temporary folder left" bash -c "! ls -d '$work'/both.tmp-* 2>/dev/null"

# SVG on request, into another folder.
"$ratelab" plot "$work/run" --format svg --out "$work/svg" >/dev/null
check "svg: latency.svg is an SVG of 1600 px" grep -q 'width="1600"' "$work/svg/latency.svg"
check "svg: the page links the SVGs" grep -q '(bursts_powerbi_local.svg)' "$work/svg/report.md"

# A results folder with missing data: exit 2, one line naming what is missing.
for missing in timeseries.csv summary.json; do
  cp -r "$work/run" "$work/no-$missing"
  rm "$work/no-$missing/$missing"
  set +e
  "$ratelab" plot "$work/no-$missing" >/dev/null 2>"$work/no-$missing.err"
  status=$?
  set -e
  check "without $missing: exit 2" test "$status" -eq 2
  check "without $missing: one line" test "$(wc -l <"$work/no-$missing.err")" -eq 1
  check "without $missing: it is named" grep -q "no $missing; not a complete ratelab results folder" \
    "$work/no-$missing.err"
done
set +e
"$ratelab" plot "$work/nothing-here" >/dev/null 2>&1; check "no such folder: exit 2" test $? -eq 2
"$ratelab" plot "$work/run" --format gif >/dev/null 2>&1; check "--format gif: exit 2" test $? -eq 2
"$ratelab" plot >/dev/null 2>&1; check "plot without a folder: exit 2" test $? -eq 2
set -e
check "plot --help exits 0" bash -c "'$ratelab' plot --help >/dev/null"

# Without gnuplot (PATH an empty folder): one line saying how to install it; the data is
# written all the same; run --plots still succeeds, plot exits 3.
mkdir "$work/empty-bin"
set +e
PATH="$work/empty-bin" "$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/nognu" \
  --plots --quiet >"$work/nognu.out" 2>"$work/nognu.err"
status=$?
set -e
install_line="gnuplot not found; install it with: sudo apt-get install gnuplot-nox"
check "no gnuplot: run --plots exits 0" test "$status" -eq 0
check "no gnuplot: one line on stderr" test "$(wc -l <"$work/nognu.err")" -eq 1
check "no gnuplot: the line says how to install it" grep -qx "ratelab run: $install_line" "$work/nognu.err"
check "no gnuplot: the results are written" test -s "$work/nognu/summary.json"
check "no gnuplot: the plot data is written" test -s "$work/nognu/plots/timeseries_powerbi_local.dat"
check "no gnuplot: no image" test ! -e "$work/nognu/plots/latency.png"
check "no gnuplot: the page says why" grep -q "Figures not drawn" "$work/nognu/report.md"
set +e
PATH="$work/empty-bin" "$ratelab" plot "$work/nognu" >/dev/null 2>"$work/nognu-plot.err"
status=$?
set -e
check "no gnuplot: plot exits 3" test "$status" -eq 3
check "no gnuplot: plot says it in one line" grep -qx "ratelab plot: $install_line" "$work/nognu-plot.err"

# Figures drawn into a results folder join its marker: a later run still replaces it whole.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/replot" --quiet
"$ratelab" plot "$work/replot" >/dev/null 2>&1 || true # with or without gnuplot
check "plot: the marker lists the page" grep -qx 'report.md' "$work/replot/.ratelab-results"
check "plot: the marker lists the figures" grep -qx 'plots/' "$work/replot/.ratelab-results"
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/replot" --quiet
check "plot: a later run replaces the plotted folder" test ! -e "$work/replot/report.md"

# A results folder someone edited (issue 22: a first field of 1e300 in timeseries.csv made
# `ratelab plot` write out of bounds and die of SIGSEGV): exit 2, one line naming file and line.
"$ratelab" run "$source_dir/scenarios/stampede.yaml" --out "$work/hostile" --quiet
sed -i '2s/^[^,]*,/1e300,/' "$work/hostile/timeseries.csv"
set +e
"$ratelab" plot "$work/hostile" >/dev/null 2>"$work/hostile.err"
status=$?
set -e
check "hostile timeseries.csv: plot exits 2, got $status" test "$status" -eq 2
check "hostile timeseries.csv: one line naming file and line" \
  grep -qx "ratelab plot: $work/hostile/timeseries.csv:2: time_s 1e+300 is outside the run" \
  "$work/hostile.err"

checks_finish
