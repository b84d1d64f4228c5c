# plot_comparison.gp - the comparison of algorithms across scenarios (from `ratelab compare`):
# three panels, 429 rate, latency p99 and wasted quota, each with one group of bars per
# scenario (and API) and one bar per algorithm, in the algorithm's colour. Whiskers show the
# 95% confidence interval when there were replications. Lower is better in every panel.
# Set by the generated comparison.gp: datafile, title_text, group_count, series_count, with_ci
# (1: draw whiskers), log_p99 (1: logarithmic latency axis), and the arrays series_title and
# series_color ("#rrggbb").
# datafile: one row per group: its label, then for each algorithm i six columns from
# 6(i-1)+2: rate_429 mean and ci95 (%), latency p99 mean and ci95 (s), wasted quota mean and
# ci95 (%). NaN where an algorithm has no row for that group.
# Many groups: their names go under the bottom panel only, slanted, so that they stay legible;
# the panels leave room for them. The legend stands above the panels, all of its entries.
many_groups = group_count > 8
panels_bottom = many_groups ? 0.22 : 0.06
set multiplot layout 3,1 title title_text font "Sans,20" \
    margins screen 0.12, 0.97, panels_bottom, 0.80 spacing screen 0, 0.05
set style data histogram
if (with_ci) {
    set style histogram errorbars gap 2 linewidth 1.5
} else {
    set style histogram clustered gap 2
}
set style fill solid 0.9 border rgb "#333333"
set boxwidth 0.95 relative
set xrange [-0.5:group_count - 0.5]
set xtics nomirror scale 0
set grid noxtics ytics
array panel_ylabel[3] = ["429 rate (%)", "latency p99 (s)", "wasted quota (%)"]
array panel_format[3] = ["%.3g%%", "%.3g s", "%.3g%%"]
bar_width = 1.0 / (series_count + 2)
bar_x(i) = $0 + (i - 0.5 - series_count / 2.0) * bar_width
do for [m=1:3] {
    set ylabel panel_ylabel[m]
    if (m == 2 && log_p99) {
        set logscale y
        set yrange [*:*]
    } else {
        unset logscale y
        set yrange [0:*]
    }
    set offsets 0, 0, graph 0.12, 0
    if (m == 1) {
        set key at screen 0.5, 0.895 center top horizontal maxcols 4 Left reverse samplen 2 font "Sans,12"
    } else {
        unset key
    }
    # the groups' names under every panel, or, when there are many, only under the bottom one
    # (above it they are drawn in the background colour)
    if (many_groups && m < 3) {
        set xtics nomirror scale 0 textcolor bgnd
    } else {
        set xtics nomirror scale 0 textcolor rgb "#333333"
    }
    if (many_groups && m == 3) {
        set xtics rotate by 30 right font "Sans,10"
    }
    if (with_ci) {
        plot for [i=1:series_count] datafile using (column(6*(i-1) + 2*m)):(column(6*(i-1) + 2*m + 1)):xtic(1) \
                linecolor rgb series_color[i] title series_title[i], \
             for [i=1:series_count] datafile using (bar_x(i)):(column(6*(i-1) + 2*m) + column(6*(i-1) + 2*m + 1)):(sprintf(panel_format[m], column(6*(i-1) + 2*m))) \
                with labels offset 0, 0.6 font "Sans,11" notitle
    } else {
        plot for [i=1:series_count] datafile using (column(6*(i-1) + 2*m)):xtic(1) \
                linecolor rgb series_color[i] title series_title[i], \
             for [i=1:series_count] datafile using (bar_x(i)):(column(6*(i-1) + 2*m)):(sprintf(panel_format[m], column(6*(i-1) + 2*m))) \
                with labels offset 0, 0.6 font "Sans,11" notitle
    }
}
unset multiplot
