# plot_latency.gp - job latency per API (and so per limiter), as cumulative curves: for each
# latency on the x axis, the share of the API's created jobs that were done within it. A curve
# that levels off below 100% belongs to an API where jobs were abandoned.
# Set by the generated NAME.gp: title_text, series_count, log_x (1: logarithmic x axis), and
# the arrays series_file, series_title, series_color ("#rrggbb"), series_dash (1 solid,
# 2 dashed: a limiter in each pod).
# Each series_file has the columns latency_s done_pct.
set title title_text
set xlabel "job latency, from creation to success (s)"
set ylabel "jobs done within that time (% of jobs created)"
set rmargin 4
# The legend goes under the graph, one API a line: inside, it hid the curves that reach 100%.
set key below left Left reverse vertical maxcols 1 samplen 3 spacing 1.2
set yrange [0:105]
set ytics 0, 10, 100
set xrange [*:*] noextend
if (log_x) {
    set logscale x 10
    set format x "%g"
    # Label 2 and 5 of every decade too: a reader needs more than powers of ten.
    do for [e=-6:6] {
        set xtics add (sprintf("%g", 2 * 10.0**e) 2 * 10.0**e, sprintf("%g", 5 * 10.0**e) 5 * 10.0**e)
    }
}
plot for [i=1:series_count] series_file[i] using 1:2 with steps linewidth 3 \
    dashtype series_dash[i] linecolor rgb series_color[i] title series_title[i]
