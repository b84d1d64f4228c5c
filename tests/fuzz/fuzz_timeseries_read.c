/* fuzz_timeseries_read.c - libFuzzer target: any bytes as a results folder's timeseries.csv,
 * read by plot_series_read (what `ratelab plot` draws from) and written back as figure data.
 *
 * The input's first byte chooses the run summary the rows are read against
 * (fuzz_files_summary); the rest is the file. A read succeeds with every bucket's counts and
 * limits at 0 or above, or fails with one line naming the file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/plot_data.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_series(const plot_series *series) {
    if (series->bucket_count < 1 || series->bucket_count > PLOT_BUCKETS_MAX) {
        fuzz_files_broken("read", "a bucket count out of bounds");
    }
    for (int api = 0; api < series->api_count; api++) {
        for (int64_t i = 0; i < series->bucket_count; i++) {
            const plot_bucket *b = plot_series_bucket(series, api, i);
            if (b->attempts < 0 || b->accepted < 0 || b->rejected_429 < 0 || b->dropped < 0 ||
                b->burst_max < 0 || b->burst_allowance < 0 || !(b->limit_per_s >= 0)) {
                fuzz_files_broken("read", "a bucket with a count or limit below 0");
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    run_summary summary;
    fuzz_files_summary(data[0], &summary);
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("timeseries.csv", data + 1, size - 1, path);
    plot_series series;
    rl_error err;
    rl_error_clear(&err);
    int rc = plot_series_read(path, &summary, &series, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "timeseries.csv");
        return 0;
    }
    check_series(&series);
    FILE *sink = fopen("/dev/null", "w");
    if (sink != NULL) {
        for (int api = 0; api < series.api_count; api++) {
            plot_series_write_dat(&series, summary.apis[api].name, api, sink);
        }
        fclose(sink);
    }
    plot_series_free(&series);
    return 0;
}
