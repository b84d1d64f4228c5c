/* fuzz_latency_read.c - libFuzzer target: any bytes as a results folder's
 * latency_histogram.csv, read by plot_latency_write_dats, which writes each API's cumulative
 * latency curve (what `ratelab plot` draws from).
 *
 * The input's first byte chooses the run summary (fuzz_files_summary); the rest is the file. A
 * read succeeds with a range whose bounds are in order and whose totals are at 0 or above, or
 * fails with one line naming the file. */
#include <stddef.h>
#include <stdint.h>

#include "harness/report/plot_data.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    run_summary summary;
    fuzz_files_summary(data[0], &summary);
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("latency_histogram.csv", data + 1, size - 1, path);
    plot_latency_range range;
    rl_error err;
    rl_error_clear(&err);
    int rc = plot_latency_write_dats(path, &summary, fuzz_files_dir(), &range, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "latency_histogram.csv");
        return 0;
    }
    if (range.low_us_min < 0 || range.high_us_max < range.low_us_min) {
        fuzz_files_broken("read", "a latency range out of order");
    }
    for (int api = 0; api < summary.api_count; api++) {
        if (range.completed[api] < 0) {
            fuzz_files_broken("read", "a latency total below 0");
        }
    }
    return 0;
}
