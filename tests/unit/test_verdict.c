/* test_verdict.c - "which limiter?": candidates ranked on the figures of the API's kind, ties
 * wherever the intervals (or one run's margins) overlap, and the sentences that say so. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/report/verdict.h"

/* A candidate with refused, wasted, lost (shares) and p99 (us), no interval, no margin. */
static verdict_candidate make(const char *api, double refused, double wasted, double lost,
                              double p99_us) {
    verdict_candidate c = {.api = api, .limiter = api};
    c.mean[VERDICT_REFUSED] = refused;
    c.mean[VERDICT_WASTED] = wasted;
    c.mean[VERDICT_LOST] = lost;
    c.mean[VERDICT_P99] = p99_us;
    return c;
}

static void burst_intolerant_ranks_refusals_first(void **state) {
    (void)state;
    verdict_candidate c[3] = {make("fast_but_refused", 0.4, 0, 0, 1e6),
                              make("slow_and_clean", 0, 0, 0, 9e6),
                              make("clean_but_lossy", 0, 0, 0.2, 2e6)};
    verdict_ranking r;
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 3, &r);
    /* Refusals first (both clean ones beat the refused one), then jobs lost, then latency. */
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 2);
    assert_int_equal(r.order[2], 0);
    assert_false(r.tied_with_next[0]);
    assert_int_equal(r.decided_by[0], VERDICT_LOST);
    assert_int_equal(r.decided_by[1], VERDICT_REFUSED);
    char text[512];
    verdict_write(VERDICT_BURST_INTOLERANT, c, &r, text, sizeof text);
    assert_string_equal(text,
                        "Best: slow_and_clean (slow_and_clean), ahead of clean_but_lossy "
                        "(clean_but_lossy) on jobs lost: requests refused 0%, "
                        "jobs lost 0%, p99 latency 9.00 s. It pays p99 latency 9.00 s against "
                        "2.00 s.");
}

static void quota_bound_ranks_wasted_quota_first(void **state) {
    (void)state;
    verdict_candidate c[2] = {make("pacer", 0, 0.3, 0, 1e6), make("bucket", 0.05, 0, 0, 2e6)};
    verdict_ranking r;
    verdict_rank(VERDICT_QUOTA_BOUND, c, 2, &r);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.decided_by[0], VERDICT_WASTED);
    /* The same two, judged as burst-intolerant, swap. */
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_int_equal(r.order[0], 0);
}

static void overlapping_intervals_are_a_tie(void **state) {
    (void)state;
    verdict_candidate c[2] = {make("a", 0.10, 0, 0, 1e6), make("b", 0.12, 0, 0, 1e6)};
    c[0].half_width[VERDICT_REFUSED] = 0.015;
    c[1].half_width[VERDICT_REFUSED] = 0.015; /* [0.085, 0.115] and [0.105, 0.135] overlap */
    verdict_ranking r;
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_true(r.tied_with_next[0]);
    char text[512];
    verdict_write(VERDICT_BURST_INTOLERANT, c, &r, text, sizeof text);
    assert_non_null(strstr(text, "No winner: 2 candidates are within each other's intervals"));
    assert_non_null(strstr(text, "10.0% ± 1.5%"));
    /* Narrower intervals that do not overlap: a decides. */
    c[0].half_width[VERDICT_REFUSED] = 0.005;
    c[1].half_width[VERDICT_REFUSED] = 0.005;
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_false(r.tied_with_next[0]);
    assert_int_equal(r.order[0], 0);
}

static void one_run_margins_hide_small_gaps(void **state) {
    (void)state;
    /* p99 4.24 s against 4.31 s in one run: under 10%, not a difference. */
    verdict_candidate c[2] = {make("x", 0, 0, 0, 4.31e6), make("y", 0, 0, 0, 4.24e6)};
    verdict_single_run_margins(&c[0]);
    verdict_single_run_margins(&c[1]);
    verdict_ranking r;
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_true(r.tied_with_next[0]);
    assert_int_equal(r.order[0], 0); /* a tie keeps the order given */
    /* 0.17% refused against 0%: under half a point, no difference either. */
    c[0].mean[VERDICT_REFUSED] = 0.0017;
    verdict_single_run_margins(&c[0]);
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_true(r.tied_with_next[0]);
    /* 73% against 0%: decided. */
    c[0].mean[VERDICT_REFUSED] = 0.73;
    verdict_single_run_margins(&c[0]);
    verdict_rank(VERDICT_BURST_INTOLERANT, c, 2, &r);
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.decided_by[0], VERDICT_REFUSED);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(burst_intolerant_ranks_refusals_first),
        cmocka_unit_test(quota_bound_ranks_wasted_quota_first),
        cmocka_unit_test(overlapping_intervals_are_a_tie),
        cmocka_unit_test(one_run_margins_hide_small_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
