/* test_metrics.c - METRICS.md's definitions on hand-made event sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/metrics/metrics.h"

/* One API limited to 10 per 1 s window, 3 s run, 2 pods, 500 ms bins. */
static scenario *small_scenario(void) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    strcpy(s->name, "m");
    s->duration_us = 3000000;
    s->bin_us = 500000;
    s->api_count = 1;
    strcpy(s->apis[0].name, "api");
    s->apis[0].config = (api_config){.kind = API_MODEL_BURST_INTOLERANT, .limit = 10,
                                     .window_us = 1000000, .burst_window_us = 1000000};
    s->pod_group_count = 1;
    s->pod_groups[0].count = 2;
    s->pod_groups[0].traffic_count = 1;
    s->pod_groups[0].traffic[0].api_index = 0;
    s->pod_groups[0].traffic[0].limiter_index = -1;
    return s;
}

static api_model *models_for(const scenario *s) {
    api_model *models = calloc(1, sizeof *models);
    models[0].config = s->apis[0].config;
    return models;
}

static void counts_rates_and_accounting(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[3];
    job_timing timing = {.created_us = 0, .api_us = 100000, .backoff_us = 50000};
    for (int j = 0; j < 3; j++) {
        metrics_job_created(m, 0, j % 2, 0, &q[j]);
    }
    /* Job 0: sent at 0, 429 at 100 ms, resent at 150 ms, accepted at 250 ms. */
    metrics_job_sent(m, 0, 0, &q[0]);
    metrics_job_answered(m, 0, 0, 0, 100000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_sent(m, 0, 150000, &q[0]);
    metrics_job_answered(m, 0, 0, 150000, 250000, API_STATUS_ACCEPTED, &q[0]);
    timing.api_us = 200000;
    metrics_job_completed(m, 0, 250000, &timing);
    /* Job 1: dropped, then given up. Job 2: never sent, pending at the end. */
    metrics_job_sent(m, 0, 600000, &q[1]);
    metrics_job_answered(m, 0, 1, 600000, 700000, API_STATUS_DROPPED, &q[1]);
    metrics_job_abandoned(m, 0, 700000, ABANDON_RETRIES_EXHAUSTED, &q[1]);
    metrics_job_pending_at_end(m, 0, 3000000, false, &q[2]);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    const api_summary *a = &m->apis[0].summary;
    assert_int_equal(a->jobs_created, 3);
    assert_int_equal(a->jobs_completed, 1);
    assert_int_equal(a->jobs_abandoned, 1);
    assert_int_equal(a->jobs_pending, 1);
    assert_int_equal(a->attempts, 3);
    assert_int_equal(a->rejected_429, 1);
    assert_int_equal(a->dropped, 1);
    assert_true(a->rate_429 > 0.3333 && a->rate_429 < 0.3334);
    assert_int_equal(a->latency_max_us, 250000);
    /* Bins: attempts by send time; jobs waiting at each bin's end. */
    assert_int_equal(m->apis[0].bins[0].attempts, 2);
    assert_int_equal(m->apis[0].bins[1].attempts, 1);
    assert_int_equal(m->apis[0].bins[0].jobs_waiting, 2); /* jobs 1 and 2 at 500 ms */
    assert_int_equal(m->apis[0].bins[5].jobs_waiting, 1); /* job 2 */
    /* Fairness: pod 0 demanded 2 (job 0, job 2), got 1 accepted: 0.5; pod 1: 0/1 = 0.
     * Jain = (0.5)^2 / (2 x 0.25) = 0.5. */
    assert_true(a->fairness_jain > 0.4999 && a->fairness_jain < 0.5001);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

/* Wasted quota: windows of 1 s with limit 10. Window 0: 1 accepted, 2 jobs waiting -> wasted
 * min(9, 2) = 2. Window 1: job 2 still waiting, 0 accepted -> min(10, 1) = 1. Window 2: same,
 * 1. Total 4 / 30. */
static void wasted_quota_per_window(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[3];
    job_timing timing = {0};
    metrics_job_created(m, 0, 0, 0, &q[0]);
    metrics_job_created(m, 0, 1, 0, &q[1]);
    metrics_job_created(m, 0, 0, 100000, &q[2]);
    /* Job 0 is sent at once and accepted: it was not deferred in window 0. */
    metrics_job_sent(m, 0, 0, &q[0]);
    metrics_job_answered(m, 0, 0, 0, 10000, API_STATUS_ACCEPTED, &q[0]);
    metrics_job_completed(m, 0, 10000, &timing);
    /* Job 1 waits until 900 ms, then is abandoned: deferred in window 0 only. */
    metrics_job_abandoned(m, 0, 900000, ABANDON_TTL_EXPIRED, &q[1]);
    /* Job 2 waits to the end: deferred in windows 0, 1 and 2. */
    metrics_job_pending_at_end(m, 0, 3000000, false, &q[2]);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    const api_summary *a = &m->apis[0].summary;
    assert_int_equal(a->quota_limit_total, 30);
    assert_int_equal(a->quota_wasted_total, 4);
    assert_true(a->wasted_quota > 4.0 / 30 - 1e-9 && a->wasted_quota < 4.0 / 30 + 1e-9);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

/* Wasted quota's window rule (METRICS.md: deferred_p counts a job that waited at some moment of
 * p and sent nothing in p, once). Windows of 1 s, limit 10, 3 s run; one job: created at 0, sent
 * at 300 ms (window 0), 429 at 400 ms, sent at 1.2 s and 1.6 s (window 1, a 429 after each), then
 * waits until it is given up at 2.5 s. It sent in windows 0 and 1, so it is deferred in window 2
 * only: wasted = min(10, 1) = 1 of 30. Counting its waits in windows where it sent (or a window
 * twice) would give 3. */
static void wasted_quota_counts_a_job_once_per_window_and_not_where_it_sent(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[1];
    metrics_job_created(m, 0, 0, 0, &q[0]);
    metrics_job_sent(m, 0, 300000, &q[0]);
    metrics_job_answered(m, 0, 0, 300000, 400000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_sent(m, 0, 1200000, &q[0]);
    metrics_job_answered(m, 0, 0, 1200000, 1300000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_sent(m, 0, 1600000, &q[0]);
    metrics_job_answered(m, 0, 0, 1600000, 1700000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_abandoned(m, 0, 2500000, ABANDON_RETRIES_EXHAUSTED, &q[0]);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    const api_summary *a = &m->apis[0].summary;
    assert_int_equal(a->quota_limit_total, 30);
    assert_int_equal(a->quota_unused_total, 30);
    assert_int_equal(a->quota_wasted_total, 1);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

/* A job in its API call is not waiting: created at 0, sent at 900 ms, refused at 2.1 s (its call
 * spans window 1), given up at 2.5 s. It sent in window 0 and was in its call all of window 1:
 * deferred in window 2 only, wasted 1 of 30 (counting the call as waiting would give 2). */
static void wasted_quota_does_not_count_a_window_spent_in_an_api_call(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[1];
    metrics_job_created(m, 0, 0, 0, &q[0]);
    metrics_job_sent(m, 0, 900000, &q[0]);
    metrics_job_answered(m, 0, 0, 900000, 2100000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_abandoned(m, 0, 2500000, ABANDON_RETRIES_EXHAUSTED, &q[0]);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    assert_int_equal(m->apis[0].summary.quota_wasted_total, 1);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

/* The binning rule (METRICS.md: attempts, accepted, 429s and drops by the bin of the instant the
 * request reached the API; completions by their own instant; jobs_waiting at the bin's end), in
 * 500 ms bins. Job A: sent at 450 ms, 429 at 550 ms; sent at 950 ms, accepted at 1.05 s. Job B:
 * sent at 480 ms, dropped at 520 ms, given up at 1.1 s. */
static void answers_are_binned_by_the_instant_they_were_sent(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[2];
    job_timing timing = {.created_us = 0};
    metrics_job_created(m, 0, 0, 0, &q[0]);
    metrics_job_created(m, 0, 1, 0, &q[1]);
    metrics_job_sent(m, 0, 450000, &q[0]);
    metrics_job_sent(m, 0, 480000, &q[1]);
    metrics_job_answered(m, 0, 1, 480000, 520000, API_STATUS_DROPPED, &q[1]);
    metrics_job_answered(m, 0, 0, 450000, 550000, API_STATUS_REJECTED_429, &q[0]);
    metrics_job_sent(m, 0, 950000, &q[0]);
    metrics_job_answered(m, 0, 0, 950000, 1050000, API_STATUS_ACCEPTED, &q[0]);
    metrics_job_completed(m, 0, 1050000, &timing);
    metrics_job_abandoned(m, 0, 1100000, ABANDON_RETRIES_EXHAUSTED, &q[1]);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    const metrics_bin *bins = m->apis[0].bins;
    assert_int_equal(bins[0].attempts, 2);
    assert_int_equal(bins[0].rejected_429, 1); /* answered in bin 1, sent in bin 0 */
    assert_int_equal(bins[0].dropped, 1);
    assert_int_equal(bins[0].accepted, 0);
    assert_int_equal(bins[1].attempts, 1);
    assert_int_equal(bins[1].rejected_429, 0);
    assert_int_equal(bins[1].accepted, 1); /* answered in bin 2, sent in bin 1 */
    assert_int_equal(bins[2].accepted, 0);
    assert_int_equal(bins[2].completed, 1); /* completions by their own instant */
    assert_int_equal(bins[1].completed, 0);
    assert_int_equal(bins[0].jobs_waiting, 0); /* both in their calls at 500 ms */
    assert_int_equal(bins[1].jobs_waiting, 1); /* B, after its drop; A is in its call */
    assert_int_equal(bins[2].jobs_waiting, 0);
    /* Accepted counts against the quota window it was sent in: window 0 has 9 unused. B waited
     * in window 1 without sending: wasted min(10, 1) = 1 there. */
    assert_int_equal(m->apis[0].window_accepted[0], 1);
    assert_int_equal(m->apis[0].window_accepted[1], 0);
    assert_int_equal(m->apis[0].summary.quota_unused_total, 9 + 10 + 10);
    assert_int_equal(m->apis[0].summary.quota_wasted_total, 1);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

/* The accounting check is not a tautology: a job that vanished is caught. */
static void lost_job_fails_the_accounting_check(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    job_books q[2];
    metrics_job_created(m, 0, 0, 0, &q[0]);
    metrics_job_created(m, 0, 1, 0, &q[1]);
    metrics_job_pending_at_end(m, 0, 3000000, false, &q[0]); /* q[1] is never reported */
    api_model *models = models_for(s);
    rl_error err;
    rl_error_clear(&err);
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), RL_ERR_INVARIANT);
    assert_non_null(strstr(err.message, "jobs created (2)"));
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

static void idle_api_wastes_nothing_and_is_fair(void **state) {
    (void)state;
    scenario *s = small_scenario();
    metrics *m = calloc(1, sizeof *m);
    assert_int_equal(metrics_init(m, s), 0);
    api_model *models = models_for(s);
    rl_error err;
    assert_int_equal(metrics_finish(m, 3000000, models, (store_world_figures){0}, &err), 0);
    assert_true(m->apis[0].summary.wasted_quota == 0.0);
    assert_true(m->apis[0].summary.rate_429 == 0.0);
    assert_true(m->apis[0].summary.fairness_jain == 1.0);
    metrics_destroy(m);
    free(models);
    free(m);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_rates_and_accounting),
        cmocka_unit_test(wasted_quota_per_window),
        cmocka_unit_test(wasted_quota_counts_a_job_once_per_window_and_not_where_it_sent),
        cmocka_unit_test(answers_are_binned_by_the_instant_they_were_sent),
        cmocka_unit_test(wasted_quota_does_not_count_a_window_spent_in_an_api_call),
        cmocka_unit_test(lost_job_fails_the_accounting_check),
        cmocka_unit_test(idle_api_wastes_nothing_and_is_fair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
