/* plot_window.h - an API's use of its limit window, from its time series: for each bucket, the
 * requests so far in the API's fixed window that holds it (what a limit of `limit per window`
 * counts; the windows start at the run's start).
 * The over-time figure labels the busiest window against the limit with it, and, for long
 * windows (an hourly quota), draws it instead of requests per second. */
#ifndef RATELAB_PLOT_WINDOW_H
#define RATELAB_PLOT_WINDOW_H

#include <stdint.h>
#include <stdio.h>

#include "harness/report/plot_data.h"

/* From this window length up, the over-time figure draws the use of the window, not requests
 * per second: per second, an hourly quota of 1,000 is 0.28/s, lost under any burst. */
#define PLOT_WINDOW_LONG_US (10LL * 60 * 1000000)

/* The most attempts at API api in any of its fixed windows of window_us (exact when window_us
 * is a whole number of buckets; otherwise a bucket counts in the window its start is in). */
int64_t plot_window_attempts_max(const plot_series *series, int api, int64_t window_us);

/* Writes API api's window counts to out as a gnuplot data file: one row per bucket end with
 * columns time_s attempts accepted rejected_429 dropped (each the sum so far in the bucket's
 * fixed window) and limit (the count the API allows in the window). */
void plot_window_write_dat(const plot_series *series, const char *api_name, int api,
                           int64_t window_us, int64_t limit, FILE *out);

#endif
