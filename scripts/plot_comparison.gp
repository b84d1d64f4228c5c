# plot_comparison.gp - the comparison from `ratelab compare`: four panels, jobs done, 429 rate,
# latency p99 and wasted quota, each with one group of bars per scenario (and API) and one bar
# per series: an algorithm in its colour, or, when the comparison has variants (a sweep's
# settings, --algorithms), one distinct colour per variant, the legend naming the setting.
# Whiskers show the 95% confidence interval when there were replications. Jobs done: higher is
# better; the other panels: lower is better.
# Set by the generated comparison.gp: datafile, title_text, group_count, series_count, with_ci
# (1: draw whiskers), log_p99 (1: logarithmic latency axis), and the arrays series_title and
# series_color ("#rrggbb").
# datafile: one row per group: its label, then for each series i eight columns from
# 8(i-1)+2: rate_429 mean and ci95 (%), latency p99 mean and ci95 (s), wasted quota mean and
# ci95 (%), jobs done mean and ci95 (%). NaN where a series has no row for that group.
# Many groups: their names go under the bottom panel only, slanted, so that they stay legible;
# the panels leave room for them. The legend stands above the panels, all of its entries.
many_groups = group_count > 8
panels_bottom = many_groups ? 0.22 : 0.06
set multiplot layout 4,1 title title_text font "Sans,20" \
    margins screen 0.12, 0.97, panels_bottom, 0.80 spacing screen 0, 0.04
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
# Panel m reads the value pair at column offset panel_pair[m] (1: 429, 2: p99, 3: wasted,
# 4: jobs done); jobs done comes first, since a limiter that lost jobs lost before anything else.
array panel_pair[4] = [4, 1, 2, 3]
array panel_ylabel[4] = ["jobs done (%)", "429 (%)", "p99 (s)", \
    "wasted (%)"]
array panel_unit[4] = ["%", "%", " s", "%"]
column_of(i, m) = 8 * (i - 1) + 2 * panel_pair[m]
bar_width = 1.0 / (series_count + 2)
bar_x(i) = $0 + (i - 0.5 - series_count / 2.0) * bar_width
do for [m=1:4] {
    set ylabel panel_ylabel[m]
    if (m == 3 && log_p99) {
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
    if (many_groups && m < 4) {
        set xtics nomirror scale 0 textcolor bgnd
    } else {
        set xtics nomirror scale 0 textcolor rgb "#333333"
    }
    if (many_groups && m == 4) {
        set xtics rotate by 30 right font "Sans,10"
    }
    if (with_ci) {
        plot for [i=1:series_count] datafile using (column(column_of(i, m))):(column(column_of(i, m) + 1)):xtic(1) \
                linecolor rgb series_color[i] title series_title[i], \
             for [i=1:series_count] datafile using (bar_x(i)):(column(column_of(i, m)) + column(column_of(i, m) + 1)):(fmt_num(column(column_of(i, m))) . panel_unit[m]) \
                with labels offset 0, 0.6 font "Sans,11" notitle
    } else {
        plot for [i=1:series_count] datafile using (column(column_of(i, m))):xtic(1) \
                linecolor rgb series_color[i] title series_title[i], \
             for [i=1:series_count] datafile using (bar_x(i)):(column(column_of(i, m))):(fmt_num(column(column_of(i, m))) . panel_unit[m]) \
                with labels offset 0, 0.6 font "Sans,11" notitle
    }
}
unset multiplot
