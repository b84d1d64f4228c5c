/* plot_window.c - an API's use of its fixed limit windows, summed bucket by bucket.
 *
 * The API models count in fixed windows aligned at the run's start ([k x window, (k+1) x
 * window), mock_api/api_model.c), so the sums restart at each window's start: what the figure
 * draws is what the API counted. A bucket belongs to the window its start falls in. */
#include "harness/report/plot_window.h"

#include <assert.h>

/* The running sums of one window. */
typedef struct window_sums {
    int64_t attempts, accepted, rejected_429, dropped;
} window_sums;

/* Adds bucket i to the sums, first emptying them when bucket i starts a new window. */
static void sums_advance(window_sums *s, const plot_series *series, int api, int64_t i,
                         int64_t window_us) {
    assert(series->bucket_us > 0 && window_us > 0);
    int64_t start_us = i * series->bucket_us;
    int64_t previous_us = (i - 1) * series->bucket_us;
    if (i == 0 || start_us / window_us != previous_us / window_us) {
        *s = (window_sums){0};
    }
    const plot_bucket *b = plot_series_bucket(series, api, i);
    s->attempts += b->attempts;
    s->accepted += b->accepted;
    s->rejected_429 += b->rejected_429;
    s->dropped += b->dropped;
    assert(s->attempts >= 0 && s->accepted >= 0 && s->rejected_429 >= 0 && s->dropped >= 0);
}

int64_t plot_window_attempts_max(const plot_series *series, int api, int64_t window_us) {
    window_sums sums = {0};
    int64_t most = 0;
    for (int64_t i = 0; i < series->bucket_count; i++) {
        sums_advance(&sums, series, api, i, window_us);
        most = sums.attempts > most ? sums.attempts : most;
    }
    return most;
}

void plot_window_write_dat(const plot_series *series, const char *api_name, int api,
                           int64_t window_us, int64_t limit, FILE *out) {
    fprintf(out,
            "# %s: requests so far in the API's fixed %.6g s window, at each %.6g s bucket's\n"
            "# end, written by ratelab plot from timeseries.csv.\n"
            "# time_s attempts accepted rejected_429 dropped limit\n",
            api_name, (double)window_us / 1e6, (double)series->bucket_us / 1e6);
    window_sums sums = {0};
    for (int64_t i = 0; i < series->bucket_count; i++) {
        sums_advance(&sums, series, api, i, window_us);
        int64_t end_us = (i + 1) * series->bucket_us;
        end_us = end_us < series->duration_us ? end_us : series->duration_us;
        fprintf(out, "%.10g %lld %lld %lld %lld %lld\n", (double)end_us / 1e6,
                (long long)sums.attempts, (long long)sums.accepted,
                (long long)sums.rejected_429, (long long)sums.dropped, (long long)limit);
    }
}
