# plot_timeseries.gp - one API over time: how many requests per second reached it (the height)
# and what became of them (accepted, refused with a 429, dropped), against its declared limit
# (the dashed line). Fault windows are shaded.
# Set by the generated NAME.gp: datafile, title_text, bucket_text, limit_text, api_refused (1
# when the API refused or dropped any request), fault_count, and when fault_count > 0 the
# arrays fault_start, fault_end (seconds) and fault_label.
# datafile columns: 1 time_s, 2 attempts/s, 3 accepted/s, 4 429/s, 5 dropped/s, 6 limit/s,
# 7 burst_max, 8 burst_allowance (each bucket as two rows, its start and its end: steps).
set title title_text
set xlabel "time since the run started (s)"
set ylabel sprintf("requests per second (%s buckets)", bucket_text)
stats datafile using 2 nooutput
peak = STATS_max
stats datafile using 6 nooutput
limit = STATS_max
set xrange [*:*] noextend
set yrange [0:(peak > limit ? peak : limit) * 1.15 + 0.5]
set style fill solid 0.85 noborder
# The peak against the limit's rate: green at or under it; red over it when the API refused or
# dropped requests; grey over it when it did not (a limit per minute allows uneven seconds).
if (limit > 0) {
    set label 1 sprintf("peak %.4g/s = %.2gx the limit's rate", peak, peak / limit) \
        at graph 0.98, graph 0.955 right font "Sans,18" front \
        textcolor rgb (peak <= limit * 1.001 ? "#1a7a1a" : (api_refused ? "#b00000" : "#555555"))
}
do for [i=1:fault_count] {
    set object i rectangle from fault_start[i], graph 0 to fault_end[i], graph 1 behind \
        fillcolor rgb "#b0b0b0" fillstyle solid 0.4 noborder
    set label 100 + i fault_label[i] at fault_start[i], graph 0.905 left offset 0.5, 0 \
        font "Sans,13" textcolor rgb "#444444" front
}
plot datafile using 1:(0):3 with filledcurves linecolor rgb "#4daf4a" title "accepted", \
     "" using 1:3:($3 + $4) with filledcurves linecolor rgb "#e41a1c" title "refused (429)", \
     "" using 1:($3 + $4):($3 + $4 + $5) with filledcurves linecolor rgb "#ff7f00" \
        title "dropped", \
     "" using 1:2 with lines linewidth 1.5 linecolor rgb "#222222" title "attempts", \
     "" using 1:6 with lines linewidth 3 dashtype 2 linecolor rgb "#000000" title limit_text
