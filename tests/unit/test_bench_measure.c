/* test_bench_measure.c - one benchmark measurement: it counts what the run did, and the steady
 * state of the benchmark scenarios allocates nothing. No figure of time is checked: the test must
 * pass on a slow or busy machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/cli/bench_measure.h"

static void measure(const char *relative, bench_sample *out) {
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", source_dir != NULL ? source_dir : ".", relative);
    rl_error err;
    rl_error_clear(&err);
    if (bench_measure_run(path, out, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
}

/* bench_1k: 1,000 pods for 300 s, about 4 events per job; the second half of virtual time
 * runs tens of thousands of events and allocates nothing (the pools have grown by then). */
static void smallest_benchmark_counts_and_allocates_nothing_per_event(void **state) {
    (void)state;
    bench_sample s;
    measure("scenarios/bench/bench_1k.yaml", &s);
    print_message("bench_1k: %llu events, %lld jobs, %llu steady events, %llu allocations\n",
                  (unsigned long long)s.events, (long long)s.jobs,
                  (unsigned long long)s.steady_events, (unsigned long long)s.steady_allocations);
    assert_string_equal(s.name, "bench_1k");
    assert_int_equal(s.pods, 1000);
    assert_true(s.jobs > 25000 && s.jobs < 35000);
    assert_true(s.events >= 4 * (uint64_t)s.jobs - (uint64_t)s.jobs / 10);
    assert_true(s.steady_events > s.events / 3);
    assert_int_equal(s.steady_allocations, 0);
    assert_int_equal(s.steady_bytes, 0);
    assert_true(s.rss_peak_bytes >= s.rss_before_bytes && s.rss_before_bytes > 0);
    assert_true(s.wall_s >= 0.0);
}

/* The same with local limiters (no store): the other shape of the hot path. */
static void local_limiters_allocate_nothing_per_event(void **state) {
    (void)state;
    bench_sample s;
    measure("scenarios/bench/bench_10k_local.yaml", &s);
    assert_int_equal(s.pods, 10000);
    assert_true(s.steady_events > 0);
    assert_int_equal(s.steady_allocations, 0);
}

static void a_missing_file_is_an_error(void **state) {
    (void)state;
    bench_sample s;
    rl_error err;
    rl_error_clear(&err);
    assert_int_not_equal(bench_measure_run("/nonexistent/bench.yaml", &s, &err), RL_OK);
    assert_non_null(strstr(err.message, "/nonexistent/bench.yaml"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(smallest_benchmark_counts_and_allocates_nothing_per_event),
        cmocka_unit_test(local_limiters_allocate_nothing_per_event),
        cmocka_unit_test(a_missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
