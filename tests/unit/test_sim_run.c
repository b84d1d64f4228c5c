/* test_sim_run.c - whole simulated runs: the stampede's verdict comes from the model,
 * the same seed gives the same figures, and every job is accounted for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

static scenario *load(const char *relative, const scenario_override *overrides, size_t count) {
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", source_dir != NULL ? source_dir : ".", relative);
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_file(path, overrides, count, s, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    return s;
}

static metrics *run(const scenario *s) {
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sim_run_stats stats;
    rl_error err;
    rl_error_clear(&err);
    if (sim_run(s, m, &stats, NULL, NULL, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    assert_true(stats.events_run > 0);
    return m;
}

static void done(scenario *s, metrics *m) {
    metrics_destroy(m);
    free(m);
    free(s);
}

static void stampede_local_limiters_get_429s_shared_gcra_none(void **state) {
    (void)state;
    scenario *s = load("scenarios/stampede.yaml", NULL, 0);
    metrics *m = run(s);
    int local = scenario_find_api(s, "powerbi_local");
    int shared = scenario_find_api(s, "powerbi_shared");
    const api_summary *l = &m->apis[local].summary;
    const api_summary *g = &m->apis[shared].summary;
    print_message("local: 429 %.3f burst %.2f; shared: 429 %.3f burst %.2f\n", l->rate_429,
                  l->burst_ratio, g->rate_429, g->burst_ratio);
    /* 20 pods each pacing at 9/s alone offer 180/s to an API that takes 10/s. */
    assert_true(l->rate_429 > 0.2);
    assert_true(l->burst_ratio > 1.5);
    assert_true(l->dropped > 0);
    /* One shared GCRA at 9/s: the API never sees more than it allows. */
    assert_int_equal(g->rejected_429, 0);
    assert_true(g->burst_ratio <= 1.0);
    assert_int_equal(g->jobs_completed, g->jobs_created);
    /* The shared limiter's cost: every job asked the store once. */
    assert_int_equal(m->store.ops, g->jobs_created);
    done(s, m);
}

static void same_seed_same_figures_other_seed_other_figures(void **state) {
    (void)state;
    scenario *s = load("scenarios/stampede.yaml", NULL, 0);
    metrics *a = run(s);
    metrics *b = run(s);
    for (int i = 0; i < s->api_count; i++) {
        assert_memory_equal(&a->apis[i].summary, &b->apis[i].summary, sizeof(api_summary));
        assert_memory_equal(a->apis[i].bins, b->apis[i].bins,
                            (size_t)a->bin_count * sizeof(metrics_bin));
    }
    s->seed = 99;
    metrics *c = run(s);
    int local = scenario_find_api(s, "powerbi_local");
    assert_true(memcmp(a->apis[local].bins, c->apis[local].bins,
                       (size_t)a->bin_count * sizeof(metrics_bin)) != 0);
    metrics_destroy(b);
    free(b);
    metrics_destroy(c);
    free(c);
    done(s, a);
}

/* Every completed job's time splits into queue, limiter, store, API and backoff time exactly,
 * so their means add up to the latency mean; and created = completed + abandoned + pending. */
static void latency_breakdown_adds_up_and_jobs_balance(void **state) {
    (void)state;
    const char *files[] = {"scenarios/demo.yaml", "scenarios/stampede.yaml"};
    for (int f = 0; f < 2; f++) {
        scenario *s = load(files[f], NULL, 0);
        metrics *m = run(s);
        for (int i = 0; i < s->api_count; i++) {
            const api_summary *a = &m->apis[i].summary;
            double parts = a->queue_wait_mean_us + a->limiter_wait_mean_us + a->store_mean_us +
                           a->api_mean_us + a->backoff_mean_us;
            assert_true(a->jobs_completed > 0);
            if (parts < a->latency_mean_us * 0.999999 || parts > a->latency_mean_us * 1.000001) {
                fail_msg("%s/%s: parts %.3f != latency mean %.3f", files[f], s->apis[i].name,
                         parts, a->latency_mean_us);
            }
            assert_int_equal(a->jobs_created,
                             a->jobs_completed + a->jobs_abandoned + a->jobs_pending);
        }
        done(s, m);
    }
}

/* Contention comes out of the store model: 2000 pods asking one shared limiter at once queue
 * in the store, and the round trip grows with the queue. */
static void store_contention_comes_from_the_queue(void **state) {
    (void)state;
    scenario_override overrides[] = {{"pods.shared.count", "2000"}, {"pods.local.count", "1"}};
    scenario *s = load("scenarios/stampede.yaml", overrides, 2);
    metrics *m = run(s);
    /* 2000 pods x 10 concurrent jobs = 20000 commands within ~5 ms; each takes 25 us. */
    assert_true(m->store.queue_max > 1000);
    assert_true(m->store.rtt_max_us > 100000); /* hundreds of ms at the back of the queue */
    done(s, m);
}

/* A stop flag that is never set changes nothing: batches of events give the same run, bit for
 * bit, as one sweep (the engine picks up exactly where a batch stopped). */
static void stop_flag_unset_changes_nothing(void **state) {
    (void)state;
    scenario_override an_hour[] = {{"duration", "1h"}, {"bin", "1s"}};
    scenario *s = load("scenarios/demo.yaml", an_hour, 2);
    metrics *plain = run(s);
    metrics *batched = calloc(1, sizeof *batched);
    assert_non_null(batched);
    volatile sig_atomic_t stop = 0;
    sim_run_control control = {.stop = &stop};
    sim_run_stats stats;
    rl_error err;
    assert_int_equal(sim_run_controlled(s, batched, &stats, &control, &err), RL_OK);
    assert_false(stats.partial);
    assert_int_equal(stats.end_us, s->duration_us);
    assert_true(stats.events_run > 2 * SIM_RUN_STOP_EVENTS); /* several batches */
    for (int i = 0; i < s->api_count; i++) {
        assert_memory_equal(&plain->apis[i].summary, &batched->apis[i].summary,
                            sizeof(api_summary));
        assert_memory_equal(plain->apis[i].bins, batched->apis[i].bins,
                            (size_t)plain->bin_count * sizeof(metrics_bin));
    }
    metrics_destroy(batched);
    free(batched);
    done(s, plain);
}

/* A stop flag already set stops the run after its first batch of events: partial, closed at
 * the last event's instant, with every job still accounted for. */
static void stop_flag_set_gives_a_partial_run(void **state) {
    (void)state;
    scenario_override an_hour[] = {{"duration", "1h"}, {"bin", "1s"}};
    scenario *s = load("scenarios/demo.yaml", an_hour, 2);
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    volatile sig_atomic_t stop = SIGINT;
    sim_run_control control = {.stop = &stop};
    sim_run_stats stats;
    rl_error err;
    assert_int_equal(sim_run_controlled(s, m, &stats, &control, &err), RL_OK);
    assert_true(stats.partial);
    assert_int_equal(stats.events_run, SIM_RUN_STOP_EVENTS);
    assert_true(stats.end_us > 0 && stats.end_us < s->duration_us);
    assert_int_equal(m->end_us, stats.end_us);
    for (int i = 0; i < s->api_count; i++) {
        const api_summary *a = &m->apis[i].summary;
        assert_true(a->jobs_created > 0);
        assert_int_equal(a->jobs_created, a->jobs_completed + a->jobs_abandoned + a->jobs_pending);
    }
    done(s, m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stampede_local_limiters_get_429s_shared_gcra_none),
        cmocka_unit_test(same_seed_same_figures_other_seed_other_figures),
        cmocka_unit_test(latency_breakdown_adds_up_and_jobs_balance),
        cmocka_unit_test(store_contention_comes_from_the_queue),
        cmocka_unit_test(stop_flag_unset_changes_nothing),
        cmocka_unit_test(stop_flag_set_gives_a_partial_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
