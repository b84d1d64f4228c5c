# plot_style.gp - what every ratelab figure shares: output format and size, font, axes, grid.
# ratelab copies this file next to the figures; the generated NAME.gp sets, before loading it:
#   fmt ("png" or "svg"), outfile, size_x and size_y (pixels).
# One gnuplot draws every figure of a folder in turn: start each from a clean slate.
reset
if (fmt eq "svg") {
    set terminal svg size size_x, size_y dynamic noenhanced font "Sans,16" background rgb "white"
} else {
    set terminal pngcairo size size_x, size_y noenhanced font "Sans,16" background rgb "white"
}
set output outfile
set encoding utf8
set border 3 linewidth 1.2 linecolor rgb "#444444"
set tics nomirror out
set grid xtics ytics linecolor rgb "#dddddd" linewidth 1 dashtype 1
set title font "Sans,20"
# Ratios and shares as people read them: 320x, 18x, 1.2x (never 3.2e+02x); 40%, 100%.
fmt_ratio(r) = (r >= 100 ? sprintf("%.0f", r) : (r >= 10 ? sprintf("%.1f", r) : sprintf("%.2f", r)))
fmt_num(v) = (abs(v) >= 1000 ? sprintf("%.0f", v) : sprintf("%.3g", v))
fmt_share(r) = (r >= 0.1 ? sprintf("%.0f%%", 100 * r) : sprintf("%.2g%%", 100 * r))
# The legend sits right of the graph, in a fixed band, so every figure's graph has the same width.
set rmargin at screen 0.76
set key at screen 0.77, graph 1 left top vertical Left reverse samplen 2 spacing 1.3 \
    width 1
