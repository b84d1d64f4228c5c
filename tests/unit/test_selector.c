/* test_selector.c - dynamic algorithm selection: bursting and pacing as gcra_pace with burst and
 * with 1, the evidence each outcome gives, the hysteresis of the switch, by hand; then random
 * outcomes: the mode only changes at a score of +-3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/selector.h"
#include "harness/core/rng.h"
#include "mock_api/api_model.h"

#define SELECTOR_TEST_SEED UINT64_C(0x5e1ec7)

static const limiter_config CFG = {.algorithm = &limiter_selector, .limit = 10,
                                   .period_us = 1000000, .burst = 5};

static int64_t wait_at(limiter_state *st, int64_t now_us) {
    limiter_decision d = {false, -1};
    CFG.algorithm->decide(&CFG, st, now_us, 1, &d);
    assert_true(d.allowed);
    return d.wait_us;
}

static void refused(limiter_state *st, limiter_outcome_kind kind, int64_t retry_after_us) {
    limiter_outcome o = {.kind = kind, .retry_after_us = retry_after_us, .latency_us = 10,
                         .cost = 1};
    limiter_algorithm_observe(&CFG, st, 0, &o);
}

static int64_t score_of(const limiter_state *st) {
    return (st->slot[3] - (st->slot[3] & 1)) / 2;
}

static void test_selector_modes(void **unused) {
    (void)unused;
    limiter_state st = {{0}};
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(wait_at(&st, 0), 0); /* a burst of 5 at once */
    }
    assert_int_equal(wait_at(&st, 0), 100000); /* then one every 100 ms */
    limiter_state paced = {{0, 0, 0, 2 * 3 + SELECTOR_PACING}};
    assert_int_equal(wait_at(&paced, 0), 0);
    assert_int_equal(wait_at(&paced, 0), 100000);
    assert_int_equal(wait_at(&paced, 0), 200000);
    assert_int_equal(paced.slot[3], 7); /* decide leaves the mode alone */
}

static void test_selector_evidence_and_hysteresis(void **unused) {
    (void)unused;
    limiter_state st = {{0}};
    refused(&st, LIMITER_OUTCOME_REFUSED, 1000000); /* 1 s: short: +1 */
    assert_int_equal(score_of(&st), 1);
    refused(&st, LIMITER_OUTCOME_REFUSED, 0); /* no Retry-After: short */
    assert_int_equal(score_of(&st), 2);
    refused(&st, LIMITER_OUTCOME_ACCEPTED, 0); /* a success says nothing */
    assert_int_equal(score_of(&st), 2);
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* a drop: +1, score 3: pacing */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_PACING);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* 4 */
    assert_int_equal(score_of(&st), 4);
    for (int i = 0; i < 6; i++) { /* long quotas: 4 -> -2, still pacing */
        refused(&st, LIMITER_OUTCOME_REFUSED, 1000001);
        assert_int_equal(limiter_selector_mode(&st), SELECTOR_PACING);
    }
    assert_int_equal(score_of(&st), -2);
    refused(&st, LIMITER_OUTCOME_REFUSED, 60000000); /* -3: bursting */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    assert_int_equal(st.slot[3], -6);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* -2: still bursting */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    for (int i = 0; i < 40; i++) { /* the score stops at -30 */
        refused(&st, LIMITER_OUTCOME_REFUSED, 60000000);
    }
    assert_int_equal(score_of(&st), -30);
}

/* Random outcomes: the score stays in [-30, 30]; the mode changes only on reaching +3 (to
 * pacing) or -3 (to bursting). */
static void test_selector_switches_only_at_the_ends(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, SELECTOR_TEST_SEED, 1);
    limiter_state st = {{0}};
    for (int i = 0; i < 100000; i++) {
        selector_mode before = limiter_selector_mode(&st);
        refused(&st, (limiter_outcome_kind)rng_below(&r, 3), (int64_t)rng_below(&r, 3000000));
        selector_mode after = limiter_selector_mode(&st);
        int64_t score = score_of(&st);
        assert_true(score >= -30 && score <= 30);
        if (after != before) {
            assert_int_equal(score, after == SELECTOR_PACING ? 3 : -3);
        }
    }
}

/* A workload against a real API model (mock_api/): `gather` jobs every gather_us, each job
 * asking the selector (no bound on the wait) and calling the API when told; after a 429 a job
 * sleeps its Retry-After (as pods that honour it do), after a drop 1 s, then asks again.
 * Returns the final mode; *switches counts the mode changes. */
typedef struct against {
    api_config api;
    limiter_config cfg;
    limiter_state start;
    int64_t gather_us;
    int gather;
    int64_t duration_us;
} against;

#define AGAINST_QUEUE 8192

static selector_mode run_against(const against *a, int *switches) {
    api_model model;
    rl_error err;
    assert_int_equal(api_config_validate(&a->api, &err), RL_OK);
    assert_int_equal(api_model_init(&model, &a->api, SELECTOR_TEST_SEED, 1), RL_OK);
    limiter_state st = a->start;
    static int64_t fire_us[AGAINST_QUEUE], due_us[AGAINST_QUEUE], latency_us[AGAINST_QUEUE];
    static api_response answer[AGAINST_QUEUE];
    static int64_t retry_at_us[AGAINST_QUEUE];
    int retry_count = 0;
    int fire_head = 0, fire_count = 0, due_head = 0, due_count = 0;
    int64_t pending = 0;
    *switches = 0;
    for (int64_t now_us = 0; now_us < a->duration_us; now_us += 1000) {
        pending += now_us % a->gather_us == 0 ? a->gather : 0;
        for (int i = 0; i < retry_count;) { /* sleepers whose time has come ask again */
            if (retry_at_us[i] <= now_us) {
                retry_at_us[i] = retry_at_us[--retry_count];
                pending++;
            } else {
                i++;
            }
        }
        while (due_count > 0 && due_us[due_head] <= now_us) { /* answers, in order */
            const api_response *r = &answer[due_head];
            limiter_outcome o = {.kind = r->status == API_STATUS_ACCEPTED ? LIMITER_OUTCOME_ACCEPTED
                                         : r->status == API_STATUS_DROPPED ? LIMITER_OUTCOME_DROPPED
                                                                            : LIMITER_OUTCOME_REFUSED,
                                 .retry_after_us = r->retry_after_us,
                                 .latency_us = latency_us[due_head], .cost = 1};
            selector_mode before = limiter_selector_mode(&st);
            limiter_algorithm_observe(&a->cfg, &st, now_us, &o);
            *switches += limiter_selector_mode(&st) != before ? 1 : 0;
            if (r->status != API_STATUS_ACCEPTED) {
                assert_true(retry_count < AGAINST_QUEUE);
                retry_at_us[retry_count++] =
                    now_us + (r->status == API_STATUS_DROPPED ? 1000000 : r->retry_after_us);
            }
            due_head = (due_head + 1) % AGAINST_QUEUE;
            due_count--;
        }
        while (fire_count > 0 && fire_us[fire_head] <= now_us) { /* calls, in order */
            assert_true(due_count < AGAINST_QUEUE);
            int tail = (due_head + due_count) % AGAINST_QUEUE;
            assert_int_equal(api_model_call(&model, now_us, &answer[tail]), RL_OK);
            latency_us[tail] = answer[tail].latency_us;
            due_us[tail] = now_us + answer[tail].latency_us;
            due_count++;
            fire_head = (fire_head + 1) % AGAINST_QUEUE;
            fire_count--;
        }
        for (; pending > 0; pending--) { /* every waiting job gets its firing instant */
            limiter_decision d = {false, -1};
            a->cfg.algorithm->decide(&a->cfg, &st, now_us, 1, &d);
            assert_true(d.allowed);
            assert_true(fire_count < AGAINST_QUEUE);
            fire_us[(fire_head + fire_count) % AGAINST_QUEUE] = now_us + d.wait_us;
            fire_count++;
        }
    }
    api_model_destroy(&model);
    return limiter_selector_mode(&st);
}

/* A burst-intolerant API (Power BI-like: 600/min and at most 10 in any second, 20% of refusals
 * dropped): 30 jobs every 10 s through a selector at 9/s that may burst 20. Its first burst
 * draws refusals with Retry-Afters under a second: it switches to pacing, once, for good. */
static void test_selector_paces_a_burst_intolerant_api(void **unused) {
    (void)unused;
    against a = {
        .api = {.kind = API_MODEL_BURST_INTOLERANT, .limit = 600, .window_us = 60000000,
                .burst_limit = 10, .burst_window_us = 1000000, .drop_ppm = 200000,
                .latency_us = {.kind = DIST_CONSTANT, .a = 80000, .b = 80000}},
        .cfg = {.algorithm = &limiter_selector, .limit = 9, .period_us = 1000000, .burst = 20},
        .gather_us = 10000000,
        .gather = 30,
        .duration_us = 300000000};
    int switches = 0;
    assert_int_equal(run_against(&a, &switches), SELECTOR_PACING);
    assert_int_equal(switches, 1);
}

/* A quota-bound API (500/min, no short window; Retry-After: until its minute ends), 400 jobs
 * every 30 s through a selector at 600/min (over the quota), starting as pacing: the quota's
 * long Retry-Afters move it to bursting, and it stays there. */
static void test_selector_bursts_on_a_quota_bound_api(void **unused) {
    (void)unused;
    against a = {
        .api = {.kind = API_MODEL_QUOTA_BOUND, .limit = 500, .window_us = 60000000,
                .burst_window_us = 1000000, .cost_tokens = {.kind = DIST_CONSTANT, .a = 1, .b = 1},
                .latency_us = {.kind = DIST_CONSTANT, .a = 2000000, .b = 2000000}},
        .cfg = {.algorithm = &limiter_selector, .limit = 600, .period_us = 60000000, .burst = 100},
        .start = {{0, 0, 0, 2 * 3 + SELECTOR_PACING}},
        .gather_us = 30000000,
        .gather = 400,
        .duration_us = 600000000};
    int switches = 0;
    selector_mode mode = run_against(&a, &switches);
    assert_int_equal(mode, SELECTOR_BURSTING);
    assert_int_equal(switches, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selector_modes),
        cmocka_unit_test(test_selector_evidence_and_hysteresis),
        cmocka_unit_test(test_selector_switches_only_at_the_ends),
        cmocka_unit_test(test_selector_paces_a_burst_intolerant_api),
        cmocka_unit_test(test_selector_bursts_on_a_quota_bound_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
