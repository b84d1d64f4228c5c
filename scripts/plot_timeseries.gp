# plot_timeseries.gp - one API over time: what reached it and what became of it (accepted,
# refused with a 429, dropped), against its declared limit. Fault windows are shaded.
# Two views, chosen by ratelab from the API's limit window (window_mode):
#   0: requests per second in buckets (a window of seconds or minutes): the height is the rate,
#      the dashed line the limit's average rate;
#   1: requests so far in the API's fixed window (an hourly quota): each point counts what the
#      window holds up to there, against the quota (the dashed line); per second, such a quota is a
#      fraction of a request and every burst a spike.
# Set by the generated NAME.gp: datafile, windowfile, window_mode, title_text, bucket_text,
# window_text, limit_text, limit_count, peak_window (the most attempts in any fixed window),
# window_exact (1: the window is at least a bucket, so peak_window is the window's count),
# api_refused (1 when the API refused or dropped any request), fault_count, and when
# fault_count > 0 the arrays fault_start, fault_end (seconds) and fault_label.
# datafile columns: 1 time_s, 2 attempts/s, 3 accepted/s, 4 429/s, 5 dropped/s, 6 limit/s,
# 7 burst_max, 8 burst_allowance (each bucket as two rows, its start and its end: steps).
# windowfile columns: 1 time_s, 2 attempts, 3 accepted, 4 429, 5 dropped, 6 limit (counts).
set title title_text
set xlabel "time since the run started (s)"
set xrange [*:*] noextend
set style fill solid 0.85 noborder
peak_color = (peak_window <= limit_count ? "#1a7a1a" : (api_refused ? "#b00000" : "#555555"))
do for [i=1:fault_count] {
    set object i rectangle from fault_start[i], graph 0 to fault_end[i], graph 1 behind \
        fillcolor rgb "#b0b0b0" fillstyle solid 0.4 noborder
    set label 100 + i fault_label[i] at fault_start[i], graph 0.905 left offset 0.5, 0 \
        font "Sans,13" textcolor rgb "#444444" front
}
if (window_mode) {
    set ylabel sprintf("requests so far in the API's %s window (quota use)", window_text)
    set yrange [0:(peak_window > limit_count ? peak_window : limit_count) * 1.15 + 0.5]
    set label 1 sprintf("busiest %s: %.0f requests = %s of the quota", window_text, \
        peak_window, fmt_share(peak_window * 1.0 / limit_count)) \
        at graph 0.98, graph 0.955 right font "Sans,18" front textcolor rgb peak_color
    plot windowfile using 1:(0):3 with filledcurves linecolor rgb "#4daf4a" title "accepted", \
         "" using 1:3:($3 + $4) with filledcurves linecolor rgb "#e41a1c" title "refused (429)", \
         "" using 1:($3 + $4):($3 + $4 + $5) with filledcurves linecolor rgb "#ff7f00" \
            title "dropped", \
         "" using 1:6 with lines linewidth 2.5 dashtype 2 linecolor rgb "#1f4e9c" \
            title limit_text
} else {
    set ylabel sprintf("requests per second (%s buckets)", bucket_text)
    stats datafile using 2 nooutput
    peak = STATS_max
    stats datafile using 6 nooutput
    limit = STATS_max
    set yrange [0:(peak > limit ? peak : limit) * 1.15 + 0.5]
    # The busiest window against the limit: a limiter pacing at the limit reads 1.00x, whatever
    # the buckets' phase; green at or under it, red over it when the API refused, else grey.
    if (limit_count > 0 && window_exact) {
        set label 1 sprintf("busiest %s: %.0f requests = %sx the limit", window_text, \
            peak_window, fmt_ratio(peak_window * 1.0 / limit_count)) \
            at graph 0.98, graph 0.955 right font "Sans,18" front textcolor rgb peak_color
    }
    if (limit > 0 && !window_exact) {
        set label 1 sprintf("peak %s/s = %sx the limit's rate", fmt_num(peak), \
            fmt_ratio(peak * 1.0 / limit)) at graph 0.98, graph 0.955 right font "Sans,18" front \
            textcolor rgb (peak <= limit * 1.001 ? "#1a7a1a" \
                           : (api_refused ? "#b00000" : "#555555"))
    }
    plot datafile using 1:(0):3 with filledcurves linecolor rgb "#4daf4a" title "accepted", \
         "" using 1:3:($3 + $4) with filledcurves linecolor rgb "#e41a1c" title "refused (429)", \
         "" using 1:($3 + $4):($3 + $4 + $5) with filledcurves linecolor rgb "#ff7f00" \
            title "dropped", \
         "" using 1:6 with lines linewidth 2.5 dashtype 2 linecolor rgb "#1f4e9c" title limit_text
}
