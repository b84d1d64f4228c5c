#!/usr/bin/env bash
# test_report_chromium.sh - the report page as a reviewer's browser shows it: report.html of a run
# with --set overrides (and of a run with faults), rendered by headless Chromium (Debian's
# `chromium`, installed by scripts/setup.sh): every figure loads, nothing is wider than the
# window, and a screenshot is taken (kept in $RATELAB_SCREENSHOT_DIR when set, to look at).
# Exits 77 (skipped) when chromium or gnuplot is not installed.
# usage: test_report_chromium.sh RATELAB_BINARY SOURCE_DIR
set -uo pipefail
ratelab=$(realpath "$1")
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib/checks.sh"
cd "$source_dir"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ] || ! command -v gnuplot >/dev/null; then
  echo "skipped: needs chromium and gnuplot (scripts/setup.sh installs both)"
  exit 77
fi
export HOME="$work/home" # chromium writes its profile there
mkdir -p "$HOME"

# The page checks itself once loaded: images that did not load, and elements whose right edge
# passes the window's. The result goes into the DOM that --dump-dom prints.
probe='<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (i) { return !i.complete || i.naturalWidth === 0; });
  var width = document.documentElement.clientWidth;
  var wide = Array.prototype.slice.call(document.querySelectorAll("body *")).filter(
    function (e) { return e.getBoundingClientRect().right > width + 1; });
  var line = "RATELAB" + "-RESULT images=" + images.length + " broken=" + broken.length +
    " scroll_width=" + document.documentElement.scrollWidth + " width=" + width +
    " overflowing=" + wide.length + " " +
    wide.slice(0, 5).map(function (e) { return e.tagName; }).join(",") +
    broken.map(function (i) { return " " + i.getAttribute("src"); }).join("");
  var out = document.createElement("p");
  out.id = "ratelab-check";
  out.textContent = line;
  document.body.appendChild(out);
});
</script>'

# Renders DIR/report.html at WIDTH pixels: prints the probe's line; screenshot into DIR.
render() {
  local dir=$1 width=$2
  printf '%s\n' "$probe" >"$work/probe.html"
  awk -v probe="$work/probe.html" \
    '/<\/body>/ { while ((getline line < probe) > 0) print line } { print }' \
    "$dir/report.html" >"$dir/check.html"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --allow-file-access-from-files --hide-scrollbars --window-size="$width,1000" \
    --virtual-time-budget=15000 --dump-dom "file://$dir/check.html" 2>/dev/null |
    grep -o 'RATELAB-RESULT[^<]*'
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --hide-scrollbars --window-size="$width,3000" --screenshot="$dir/page-$width.png" \
    "file://$dir/report.html" >/dev/null 2>&1
}

# Checks one results folder at a laptop's width and at a narrow one.
check_page() {
  local name=$1 dir=$2 figures=$3
  for width in 1280 800; do
    local line
    line=$(render "$dir" "$width")
    echo "$name at $width px: $line"
    check "$name at $width px: the page rendered and checked itself" test -n "$line"
    check "$name at $width px: all $figures figures are there" grep -q "images=$figures " <<<"$line"
    check "$name at $width px: every figure loaded" grep -q " broken=0 " <<<"$line"
    check "$name at $width px: nothing wider than the window" grep -q " overflowing=0 " <<<"$line"
    check "$name at $width px: no horizontal scroll" grep -q "scroll_width=$width width=$width " <<<"$line"
    check "$name at $width px: a screenshot" test -s "$dir/page-$width.png"
  done
  if [ -n "${RATELAB_SCREENSHOT_DIR:-}" ]; then
    mkdir -p "$RATELAB_SCREENSHOT_DIR" && cp "$dir"/page-*.png "$RATELAB_SCREENSHOT_DIR/" 2>/dev/null
    for f in "$dir"/page-*.png; do cp "$f" "$RATELAB_SCREENSHOT_DIR/$name-$(basename "$f")"; done
  fi
}

# The stampede with an override (the overrides box, a long command line): 2 APIs x 2 + latency.
"$ratelab" run scenarios/stampede.yaml --set limiters.shared_gcra.rate=10/s --plots \
  --out "$work/stampede" --quiet
check_page stampede "$work/stampede" 5
# The store outage: four APIs, a faults table and shaded windows: 4 x 2 + latency.
"$ratelab" run scenarios/seed/5_store_downtime.yaml --plots --out "$work/downtime" --quiet \
  >/dev/null 2>&1
check_page downtime "$work/downtime" 9
checks_finish
