# plot_bursts.gp - one API's bursts over time: the most requests that arrived in any sliding
# burst window (the API's own, e.g. 1 s), against how many it allows there (the dashed line).
# Whatever rises over the line is shaded red: bursts the API does not tolerate.
# Set by the generated NAME.gp: datafile, title_text, window_text, allowance_text, series_text,
# line_color, fault_count (and fault_start, fault_end, fault_label when above 0).
# datafile columns: see plot_timeseries.gp (7 burst_max, 8 burst_allowance).
set title title_text
set xlabel "time since the run started (s)"
set ylabel sprintf("most requests in any %s window", window_text)
stats datafile using 7 nooutput
peak = STATS_max
stats datafile using 8 nooutput
allowance = STATS_max
set xrange [*:*] noextend
set yrange [0:(peak > allowance ? peak : allowance) * 1.15 + 0.5]
if (allowance > 0) {
    set label 1 sprintf("peak %.0f in %s = %sx what the API allows", peak, window_text, \
        fmt_ratio(peak * 1.0 / allowance)) at graph 0.98, graph 0.955 right font "Sans,18" front \
        textcolor rgb (peak > allowance ? "#b00000" : "#1a7a1a")
}
do for [i=1:fault_count] {
    set object i rectangle from fault_start[i], graph 0 to fault_end[i], graph 1 behind \
        fillcolor rgb "#b0b0b0" fillstyle solid 0.4 noborder
    set label 100 + i fault_label[i] at fault_start[i], graph 0.905 left offset 0.5, 0 \
        font "Sans,13" textcolor rgb "#444444" front
}
# A bucket with no arrival has no measurement (0 in the file), not an empty window: with a long
# burst window (an hour) drawing it as 0 made a forest of lines. It is left out (NaN), and the
# measured buckets carry a dot so that isolated ones stay visible.
measured(v) = (v > 0 ? v : NaN)
plot datafile using 1:(measured($7)):8 with filledcurves above fillcolor rgb "#e41a1c" \
        fillstyle solid 0.3 noborder title "over the allowance", \
     "" using 1:8 with lines linewidth 3 dashtype 2 linecolor rgb "#000000" \
        title allowance_text, \
     "" using 1:(measured($7)) with linespoints linewidth 3 pointtype 7 pointsize 0.5 \
        linecolor rgb line_color title series_text
