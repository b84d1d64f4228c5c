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
    assert_true(s.steady_wall_s >= 0.0 && s.steady_wall_s <= s.wall_s);
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

/* The pod logic's other paths: a lock-based limiter, a local fallback, time-to-live, store
 * outages of both modes, added store latency, pod restarts and clock skew, in both halves of the
 * run (tests/data/bench_faults.yaml). A pool may double when a fault sets a new high-water mark
 * (more requests or jobs in flight than ever); an allocation per event would be thousands. */
static void faults_and_locks_allocate_nothing_per_event(void **state) {
    (void)state;
    bench_sample s;
    measure("tests/data/bench_faults.yaml", &s);
    print_message("bench_faults: %llu steady events, %llu allocations\n",
                  (unsigned long long)s.steady_events, (unsigned long long)s.steady_allocations);
    assert_true(s.steady_events > 100000);
    assert_true(s.steady_allocations < 16);
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
        cmocka_unit_test(faults_and_locks_allocate_nothing_per_event),
        cmocka_unit_test(a_missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
