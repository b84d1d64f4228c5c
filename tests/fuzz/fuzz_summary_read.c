/* fuzz_summary_read.c - libFuzzer target: any bytes as a results folder's summary.json, read by
 * summary_read_file, then turned into the report page (report_page_write: report.md and
 * report.html, as `ratelab plot` writes them, without gnuplot).
 *
 * A read succeeds with 1 to SCENARIO_APIS_MAX APIs of safe names and a duration and bin inside
 * a scenario's bounds, or fails with one line naming the file; the page is then written or
 * fails the same way. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/report/report_page.h"
#include "harness/report/summary_read.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_summary(const run_summary *s) {
    if (s->api_count < 1 || s->api_count > SCENARIO_APIS_MAX) {
        fuzz_files_broken("read", "an API count out of bounds");
    }
    for (int i = 0; i < s->api_count; i++) {
        if (!summary_name_is_safe(s->apis[i].name)) {
            fuzz_files_broken("read", "an API name ratelab would not write");
        }
        if (s->apis[i].limit <= 0 || s->apis[i].window_us <= 0) {
            fuzz_files_broken("read", "an API limit or window at 0 or below");
        }
    }
    if (s->duration_us < 1 || s->duration_us > SCENARIO_DURATION_MAX_US || s->bin_us < 1 ||
        s->bin_us > SCENARIO_DURATION_MAX_US) {
        fuzz_files_broken("read", "a duration or bin out of bounds");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("summary.json", data, size, path);
    run_summary *summary = malloc(sizeof *summary); /* about 20 KiB: not on the stack */
    if (summary == NULL) {
        return 0;
    }
    rl_error err;
    rl_error_clear(&err);
    int rc = summary_read_file(path, summary, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "summary.json");
        free(summary);
        return 0;
    }
    check_summary(summary);
    free(summary);
    const char *dir = fuzz_files_dir();
    report_page_options options = {.results_dir = dir, .page_dir = dir, .plots_dir = dir,
                                   .plots_link = "", .format = PLOT_FORMAT_PNG,
                                   .plots_note = "figures not drawn while fuzzing"};
    rl_error_clear(&err);
    rc = report_page_write(&options, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "summary.json");
    }
    return 0;
}
