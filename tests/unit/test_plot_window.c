/* test_plot_window.c - an API's use of its fixed limit windows, from hand-built buckets: the
 * sums restart at each window's start, as the API models count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/plot_window.h"

/* Six 1 s buckets of one API with attempts 1..6 (of which one 429 from the fourth on). */
static void six_buckets(plot_series *series, plot_bucket buckets[6]) {
    memset(buckets, 0, 6 * sizeof buckets[0]);
    for (int i = 0; i < 6; i++) {
        buckets[i].attempts = i + 1;
        buckets[i].rejected_429 = i >= 3 ? 1 : 0;
        buckets[i].accepted = buckets[i].attempts - buckets[i].rejected_429;
    }
    *series = (plot_series){.api_count = 1, .duration_us = 6000000, .bin_us = 100000,
                            .step_bins = 10, .bucket_us = 1000000, .bucket_count = 6,
                            .buckets = buckets};
}

static void busiest_fixed_window(void **state) {
    (void)state;
    plot_series series;
    plot_bucket buckets[6];
    six_buckets(&series, buckets);
    /* Windows of 3 s: [0,3) holds 1+2+3 = 6, [3,6) holds 4+5+6 = 15. */
    assert_int_equal(plot_window_attempts_max(&series, 0, 3000000), 15);
    /* Windows of 2 s: 3, 7, 11. */
    assert_int_equal(plot_window_attempts_max(&series, 0, 2000000), 11);
    /* A window as long as the run: everything. */
    assert_int_equal(plot_window_attempts_max(&series, 0, 3600000000LL), 21);
    /* A window shorter than a bucket: the busiest bucket. */
    assert_int_equal(plot_window_attempts_max(&series, 0, 100000), 6);
}

static void counts_so_far_restart_at_each_window(void **state) {
    (void)state;
    plot_series series;
    plot_bucket buckets[6];
    six_buckets(&series, buckets);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    plot_window_write_dat(&series, "llm", 0, 3000000, 10, out);
    fclose(out);
    /* time_s attempts accepted 429 dropped limit, at each bucket's end. */
    assert_non_null(strstr(text, "\n1 1 1 0 0 10\n2 3 3 0 0 10\n3 6 6 0 0 10\n"
                                 "4 4 3 1 0 10\n5 9 7 2 0 10\n6 15 12 3 0 10\n"));
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(busiest_fixed_window),
        cmocka_unit_test(counts_so_far_restart_at_each_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
