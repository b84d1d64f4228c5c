# plot_frontier.gp - the points `ratelab tune` ran, against the rate, in four panels: 429 rate,
# latency p99, wasted quota (lower is better) and done ratio (higher is better). Whiskers are
# 95% confidence intervals over the replications. Blue points are on the Pareto frontier of the
# four figures (no other point is as good in all four and better in one), grey ones are beaten;
# filled marks are safe (every constraint holds over its whole interval), hollow ones are not;
# the best safe point is ringed in red. A dashed red line is the constraint's threshold.
# Set by the generated frontier.gp: datafile, title_text, label_bursts (1: write each point's
# burst beside frontier points), threshold_panel (1-4, or 0 for none), threshold (in the panel's unit) and
# threshold_text (the constraint as written), floor_429 (0: a linear 429 axis; else a logarithmic
# one from this floor, where zero rates sit, labelled 0).
# datafile columns: rate (/s), burst, on_frontier, safe, best, then mean and ci95 of 429 rate
# (%), latency p99 (s), wasted quota (%), done ratio (%).
set multiplot layout 2,2 title title_text font "Sans,18" \
    margins screen 0.08, 0.97, 0.11, 0.80 spacing screen 0.08, 0.14
set xlabel "rate (requests/s)"
set autoscale xfix
set offsets graph 0.04, graph 0.04, graph 0.1, 0
array panel_ylabel[4] = ["429 rate (%)", "latency p99 (s)", "wasted quota (%)", "done ratio (%)"]
blue = "#1f5fbf"
grey = "#9a9a9a"
red = "#c0392b"
pick(frontier, safe, value) = (column(3) == frontier && column(4) == safe) ? value : NaN
# on a logarithmic 429 axis, values (and whisker ends) below the floor sit on it
lifted(v) = (floor_429 > 0 && v < floor_429) ? floor_429 : v
do for [m=1:4] {
    mean = 4 + 2*m
    ci = mean + 1
    set ylabel panel_ylabel[m]
    # ratios and latencies start at 0, so a flat line of zeros sits on the axis; the 429 rate may
    # be logarithmic from a floor labelled 0
    log_panel = (m == 1 && floor_429 > 0)
    if (log_panel) {
        set logscale y
        set yrange [floor_429:100]
        set ytics auto
        set ytics add ("0" floor_429)
    } else {
        unset logscale y
        set yrange [0:*]
        set ytics auto
    }
    unset arrow
    unset label
    if (threshold_panel == m) {
        set arrow from graph 0, first threshold to graph 1, first threshold nohead \
            dashtype 2 linewidth 2 linecolor rgb red front
        set label threshold_text at graph 0.98, first threshold right offset 0, 0.8 \
            textcolor rgb red font "Sans,12" front
    }
    if (m == 1) {
        set key at screen 0.5, 0.885 center top horizontal maxcols 5 Left reverse samplen 1 \
            font "Sans,13"
    } else {
        unset key
    }
    # beaten points first, so that the frontier is drawn over them where they meet; each
    # point's burst beside it when bursts vary (frontier points only, to stay legible)
    plot datafile using 1:(lifted(pick(0, 0, column(mean)))):(lifted(column(mean) - column(ci))):(lifted(column(mean) + column(ci))) \
            with yerrorbars pointtype 6 pointsize 1.2 linewidth 2 linecolor rgb grey title "beaten, not safe", \
         datafile using 1:(lifted(pick(0, 1, column(mean)))):(lifted(column(mean) - column(ci))):(lifted(column(mean) + column(ci))) \
            with yerrorbars pointtype 7 pointsize 1.2 linecolor rgb grey title "beaten, safe", \
         datafile using 1:(lifted(pick(1, 0, column(mean)))):(lifted(column(mean) - column(ci))):(lifted(column(mean) + column(ci))) \
            with yerrorbars pointtype 6 pointsize 1.6 linewidth 2 linecolor rgb blue title "frontier, not safe", \
         datafile using 1:(lifted(pick(1, 1, column(mean)))):(lifted(column(mean) - column(ci))):(lifted(column(mean) + column(ci))) \
            with yerrorbars pointtype 7 pointsize 1.6 linecolor rgb blue title "frontier, safe", \
         datafile using 1:(column(5) == 1 ? lifted(column(mean)) : NaN) with points \
            pointtype 6 pointsize 4 linewidth 3 linecolor rgb red title "best", \
         datafile using 1:(label_bursts && column(3) == 1 ? lifted(column(mean)) : NaN):(sprintf("b=%d", column(2))) \
            with labels offset 0, 1.1 font "Sans,10" textcolor rgb "#555555" notitle
}
unset multiplot
