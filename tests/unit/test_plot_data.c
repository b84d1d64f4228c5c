/* test_plot_data.c - the readers of a results folder's files treat them as hostile: a value out
 * of range, a count that would overflow, a huge duration or seed is one clear error, never a
 * write out of bounds (issue 22: time_s 1e300 in timeseries.csv crashed `ratelab plot`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/plot_data.h"
#include "harness/report/summary_read.h"

#define PATH_BYTES 256

static const char HEADER[] = "time_s,api,attempts,accepted,rejected_429,dropped,limit_per_s,"
                             "burst_max,burst_allowance\n";

typedef struct fixture {
    char dir[64];
    char path[PATH_BYTES];
    run_summary summary;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ratelab-plot-data-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    /* One API "a" over 10 s in bins of 100 ms: 10 buckets of one second. */
    f->summary.api_count = 1;
    f->summary.duration_us = 10000000;
    f->summary.bin_us = 100000;
    snprintf(f->summary.apis[0].name, sizeof f->summary.apis[0].name, "a");
    f->summary.apis[0].limit = 10;
    f->summary.apis[0].window_us = 1000000;
    f->summary.apis[0].jobs_created = 4;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char command[PATH_BYTES];
    snprintf(command, sizeof command, "rm -rf '%s'", f->dir);
    int rc = system(command);
    free(f);
    return rc;
}

/* Writes text as dir/name and leaves its path in f->path. */
static void write_named(fixture *f, const char *name, const char *text) {
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    FILE *out = fopen(f->path, "w");
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

/* Reads a time series of HEADER and rows; returns the reader's code, message in err. */
static int read_series(fixture *f, const char *rows, rl_error *err) {
    char text[1024];
    snprintf(text, sizeof text, "%s%s", HEADER, rows);
    write_named(f, "timeseries.csv", text);
    plot_series series;
    rl_error_clear(err);
    int rc = plot_series_read(f->path, &f->summary, &series, err);
    if (rc == RL_OK) {
        plot_series_free(&series);
    }
    return rc;
}

static void assert_message_has(const rl_error *err, const char *part) {
    if (strstr(err->message, part) == NULL) {
        fail_msg("'%s' lacks '%s'", err->message, part);
    }
}

static void series_rows_in_range_add_up(void **state) {
    fixture *f = *state;
    write_named(f, "timeseries.csv",
                "time_s,api,attempts,accepted,rejected_429,dropped,limit_per_s,burst_max,"
                "burst_allowance\n"
                "0.0,a,3,2,1,0,10,3,10\n0.9,a,4,4,0,0,10,5,10\n9.9,a,1,1,0,0,12,1,10\n");
    plot_series series;
    rl_error err;
    assert_int_equal(plot_series_read(f->path, &f->summary, &series, &err), RL_OK);
    assert_int_equal(series.bucket_count, 10);
    const plot_bucket *first = plot_series_bucket(&series, 0, 0);
    assert_int_equal(first->attempts, 7);
    assert_int_equal(first->accepted, 6);
    assert_int_equal(first->rejected_429, 1);
    assert_int_equal(first->burst_max, 5);
    const plot_bucket *last = plot_series_bucket(&series, 0, 9);
    assert_int_equal(last->attempts, 1);
    assert_true(last->limit_per_s == 12.0);
    plot_series_free(&series);
}

static void series_time_out_of_range_is_refused(void **state) {
    fixture *f = *state;
    rl_error err;
    /* The crash of issue 22, and its neighbours. */
    const char *rows[] = {"1e300,a,1,1,0,0,10,1,10\n", "-1e300,a,1,1,0,0,10,1,10\n",
                          "1e18,a,1,1,0,0,10,1,10\n", "-0.1,a,1,1,0,0,10,1,10\n",
                          "9.96,a,1,1,0,0,10,1,10\n", "10,a,1,1,0,0,10,1,10\n"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(read_series(f, rows[i], &err), RL_ERR_INVALID);
        assert_message_has(&err, "timeseries.csv:2: time_s ");
        assert_message_has(&err, "is outside the run");
    }
    assert_int_equal(read_series(f, "9.94,a,1,1,0,0,10,1,10\n", &err), RL_OK);
}

static void series_counts_that_overflow_are_refused(void **state) {
    fixture *f = *state;
    rl_error err;
    assert_int_equal(read_series(f, "0,a,-1,0,0,0,10,1,10\n", &err), RL_ERR_INVALID);
    assert_message_has(&err, "timeseries.csv:2: a count or limit below 0");
    assert_int_equal(read_series(f, "0,a,0,0,0,0,-10,1,10\n", &err), RL_ERR_INVALID);
    assert_int_equal(read_series(f,
                                 "0,a,9223372036854775807,0,0,0,10,1,10\n"
                                 "0.1,a,1,0,0,0,10,1,10\n",
                                 &err),
                     RL_ERR_INVALID);
    assert_message_has(&err, "timeseries.csv:3: counts too large to add up");
}

static int write_latency(fixture *f, const char *rows, rl_error *err) {
    char text[1024];
    snprintf(text, sizeof text, "api,low_us,high_us,count\n%s", rows);
    write_named(f, "latency_histogram.csv", text);
    plot_latency_range range;
    rl_error_clear(err);
    return plot_latency_write_dats(f->path, &f->summary, f->dir, &range, err);
}

static void latency_out_of_range_is_refused(void **state) {
    fixture *f = *state;
    rl_error err;
    assert_int_equal(write_latency(f, "a,10,19,2\na,20,29,2\n", &err), RL_OK);
    assert_int_equal(write_latency(f, "a,0,9223372036854775807,1\n", &err), RL_ERR_INVALID);
    assert_message_has(&err, "latency_histogram.csv:2: a bucket needs 0 <= low_us <= high_us");
    assert_int_equal(write_latency(f,
                                   "a,0,1,9223372036854775807\n"
                                   "a,2,3,9223372036854775807\n",
                                   &err),
                     RL_ERR_INVALID);
    assert_message_has(&err, "latency_histogram.csv:3: counts too large to add up");
}

static int read_summary(fixture *f, const char *scenario_part, rl_error *err) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"world\": \"simulation\", \"scenario\": {%s, \"name\": \"t\", \"pods\": 1},"
             " \"store\": {\"ops\": 0, \"ops_per_s\": 0, \"rtt_us\": {\"p50\": 0, \"p99\": 0}},"
             " \"apis\": {}}",
             scenario_part);
    write_named(f, "summary.json", text);
    run_summary *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error_clear(err);
    int rc = summary_read_file(f->path, s, err);
    free(s);
    return rc;
}

static void summary_out_of_range_is_refused(void **state) {
    fixture *f = *state;
    rl_error err;
    assert_int_equal(
        read_summary(f, "\"seed\": 1e300, \"duration_us\": 1000000, \"bin_us\": 100000", &err),
        RL_ERR_INVALID);
    assert_message_has(&err, "scenario.seed is not a seed");
    assert_int_equal(
        read_summary(f, "\"seed\": 1, \"duration_us\": 1e18, \"bin_us\": 100000", &err),
        RL_ERR_INVALID);
    assert_message_has(&err, "longer than a scenario may run");
    assert_int_equal(
        read_summary(f, "\"seed\": 1, \"duration_us\": 1000000, \"bin_us\": 9e18", &err),
        RL_ERR_INVALID);
    assert_message_has(&err, "longer than a scenario may run");
    /* The same with sane values gets as far as the (empty) APIs. */
    assert_int_equal(
        read_summary(f, "\"seed\": 1, \"duration_us\": 1000000, \"bin_us\": 100000", &err),
        RL_ERR_INVALID);
    assert_message_has(&err, "apis is missing or empty");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(series_rows_in_range_add_up, setup, teardown),
        cmocka_unit_test_setup_teardown(series_time_out_of_range_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(series_counts_that_overflow_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(latency_out_of_range_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(summary_out_of_range_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
