/* test_aimd.c - AIMD on the rate: hand-computed cases (the GCRA at the current rate, additive
 * increase, halving, one decrease per round trip, Retry-After), then invariants over random
 * outcome streams from a fixed seed; and observe is a no-op for an algorithm that does not
 * learn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define AIMD_TEST_SEED UINT64_C(0xa1d5eed)

static limiter_config aimd_config(int64_t limit, int64_t period_us, int64_t burst) {
    limiter_config cfg = {.algorithm = &limiter_aimd, .limit = limit, .period_us = period_us,
                          .burst = burst};
    return cfg;
}

static limiter_decision decide(const limiter_config *cfg, limiter_state *st, int64_t now_us) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, 1, &d);
    return d;
}

static void observe(const limiter_config *cfg, limiter_state *st, int64_t now_us,
                    limiter_outcome_kind kind, int64_t latency_us, int64_t retry_after_us) {
    limiter_outcome o = {.kind = kind, .retry_after_us = retry_after_us, .latency_us = latency_us,
                         .cost = 1};
    limiter_algorithm_observe(cfg, st, now_us, &o);
}

/* The rate in milli-requests per period, from the state. */
static int64_t rate_milli(const limiter_config *cfg, const limiter_state *st) {
    return cfg->limit * 1000 - st->slot[1];
}

/* 10/s, burst 1, all by hand (see aimd.c's rules). */
static void test_aimd_by_hand(void **unused) {
    (void)unused;
    limiter_config cfg = aimd_config(10, 1000000, 1);
    limiter_state st = {{0}};
    assert_int_equal(rate_milli(&cfg, &st), 10000); /* fresh: at the ceiling, T = 100 ms */
    assert_true(decide(&cfg, &st, 0).allowed);
    assert_int_equal(st.slot[0], 100000);
    limiter_decision d = decide(&cfg, &st, 50000);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 50000);
    assert_true(decide(&cfg, &st, 100000).allowed);
    /* a 429 at 200 ms for a request sent at 120 ms: halved to 5/s, T = 200 ms */
    observe(&cfg, &st, 200000, LIMITER_OUTCOME_REFUSED, 80000, 0);
    assert_int_equal(rate_milli(&cfg, &st), 5000);
    assert_int_equal(st.slot[2], 200000);
    /* a 429 for a request sent at 130 ms, before that decrease: ignored */
    observe(&cfg, &st, 210000, LIMITER_OUTCOME_REFUSED, 80000, 0);
    assert_int_equal(rate_milli(&cfg, &st), 5000);
    /* a success adds 10^6 / 5000 = 200: 5.2/s, T = ceil(10^9 / 5200) = 192308 us */
    observe(&cfg, &st, 300000, LIMITER_OUTCOME_ACCEPTED, 80000, 0);
    assert_int_equal(rate_milli(&cfg, &st), 5200);
    assert_true(decide(&cfg, &st, 300000).allowed);
    assert_int_equal(st.slot[0], 300000 + 192308);
    /* a 429 with Retry-After 2 s: halved to 2600, then at most 1 per 2 s = 500; nothing before
     * 400 ms + 2 s */
    observe(&cfg, &st, 400000, LIMITER_OUTCOME_REFUSED, 50000, 2000000);
    assert_int_equal(rate_milli(&cfg, &st), 500);
    assert_int_equal(st.slot[0], 2400000);
    d = decide(&cfg, &st, 2399999);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(decide(&cfg, &st, 2400000).allowed);
    assert_int_equal(st.slot[0], 4400000); /* T = 10^9 / 500 = 2 s */
}

/* Five successes from 5/s: +200, +192, +185, +179, +173 (floor(10^6 / r) each). */
static void test_aimd_additive_increase(void **unused) {
    (void)unused;
    limiter_config cfg = aimd_config(10, 1000000, 1);
    limiter_state st = {{0, 5000, 0, 0}};
    static const int64_t expected[] = {5200, 5392, 5577, 5756, 5929};
    for (int i = 0; i < 5; i++) {
        observe(&cfg, &st, 1000000 + i, LIMITER_OUTCOME_ACCEPTED, 1000, 0);
        assert_int_equal(rate_milli(&cfg, &st), expected[i]);
    }
    /* at the ceiling it stays there */
    limiter_state top = {{0}};
    observe(&cfg, &top, 10, LIMITER_OUTCOME_ACCEPTED, 1, 0);
    assert_int_equal(rate_milli(&cfg, &top), 10000);
}

/* A dropped connection halves like a 429; a Retry-After on it is not read. The floor is 1
 * milli-request per period. */
static void test_aimd_drop_and_floor(void **unused) {
    (void)unused;
    limiter_config cfg = aimd_config(10, 1000000, 3);
    limiter_state st = {{0}};
    observe(&cfg, &st, 1000, LIMITER_OUTCOME_DROPPED, 0, 5000000);
    assert_int_equal(rate_milli(&cfg, &st), 5000);
    assert_int_equal(st.slot[0], 0);
    for (int i = 0; i < 20; i++) {
        observe(&cfg, &st, 2000 + i, LIMITER_OUTCOME_REFUSED, 0, 0);
    }
    assert_int_equal(rate_milli(&cfg, &st), 1);
    /* With burst 3 and a Retry-After of 1 s at 10 s: the next admission is at 11 s exactly. */
    limiter_state ra = {{0}};
    observe(&cfg, &ra, 10000000, LIMITER_OUTCOME_REFUSED, 0, 1000000);
    assert_int_equal(rate_milli(&cfg, &ra), 1000); /* min(5000, 10^9 / 10^6) */
    limiter_decision d = decide(&cfg, &ra, 10999999);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(decide(&cfg, &ra, 11000000).allowed);
}

/* Random outcomes: the rate stays in [1, 1000 C]; allowed requests are never closer than the
 * GCRA at the current rate allows (burst 1: at least T apart); refusals wait at least 1 us. */
static void test_aimd_invariants(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, AIMD_TEST_SEED, 1);
    limiter_config cfg = aimd_config(50, 1000000, 1);
    limiter_state st = {{0}};
    int64_t now_us = 0, last_allowed_us = -1;
    for (int i = 0; i < 50000; i++) {
        now_us += (int64_t)rng_below(&r, 30000);
        int64_t interval_us = (1000000 * 1000 + rate_milli(&cfg, &st) - 1) / rate_milli(&cfg, &st);
        limiter_decision d = decide(&cfg, &st, now_us);
        if (d.allowed) {
            if (last_allowed_us >= 0 && now_us - last_allowed_us < interval_us &&
                st.slot[2] < last_allowed_us) {
                fail_msg("seed 0x%llx step %d: allowed %lld us after the last, T %lld",
                         (unsigned long long)AIMD_TEST_SEED, i,
                         (long long)(now_us - last_allowed_us), (long long)interval_us);
            }
            last_allowed_us = now_us;
            limiter_outcome_kind kind = rng_below(&r, 10) == 0 ? LIMITER_OUTCOME_REFUSED
                                                               : LIMITER_OUTCOME_ACCEPTED;
            observe(&cfg, &st, now_us + 1000, kind, (int64_t)rng_below(&r, 2000),
                    rng_below(&r, 4) == 0 ? (int64_t)rng_below(&r, 3000000) : 0);
        } else {
            assert_true(d.wait_us >= 1);
        }
        assert_true(rate_milli(&cfg, &st) >= 1);
        assert_true(rate_milli(&cfg, &st) <= 50000);
    }
}

/* The sawtooth theory gives, against an API that takes C = 20/s (a GCRA of burst 2 standing for
 * it) with answers 50 ms after sending, for a client that always has work: the rate climbs one
 * request/s per second (one per window of r successes, each window lasting a second) until it
 * passes C, the first 429 halves it, and it climbs again. So it swings between C/2 and C, one
 * tooth every C/2 = 10 s, and the API accepts about 3C/4 = 15/s. Measured after a minute of
 * warm-up, over 5 minutes: troughs, peaks and tooth length within 15%, throughput within 10%. */
static void test_aimd_sawtooth(void **unused) {
    (void)unused;
    limiter_config cfg = aimd_config(100, 1000000, 1); /* ceiling 100/s: far above the API */
    limiter_config api = {.algorithm = &limiter_gcra, .limit = 20, .period_us = 1000000,
                          .burst = 2};
    limiter_state st = {{0}}, api_state = {{0}};
    enum { IN_FLIGHT_MAX = 64 };
    int64_t due_us[IN_FLIGHT_MAX], sent_us[IN_FLIGHT_MAX];
    bool ok[IN_FLIGHT_MAX];
    int head = 0, count = 0;
    int64_t accepted = 0, teeth = 0, last_tooth_us = -1, tooth_us_sum = 0;
    int64_t trough_sum = 0, peak_sum = 0, troughs = 0;
    for (int64_t now_us = 0; now_us < 360000000; now_us += 1000) {
        while (count > 0 && due_us[head] <= now_us) { /* answers arrive in order */
            int64_t before = rate_milli(&cfg, &st);
            observe(&cfg, &st, now_us, ok[head] ? LIMITER_OUTCOME_ACCEPTED
                                                 : LIMITER_OUTCOME_REFUSED,
                    now_us - sent_us[head], 0);
            int64_t after = rate_milli(&cfg, &st);
            if (after < before && now_us >= 60000000) { /* a halving: a tooth ends */
                peak_sum += before;
                trough_sum += after;
                troughs++;
                if (last_tooth_us >= 0) {
                    tooth_us_sum += now_us - last_tooth_us;
                    teeth++;
                }
                last_tooth_us = now_us;
            }
            head = (head + 1) % IN_FLIGHT_MAX;
            count--;
        }
        limiter_decision d = {false, -1};
        cfg.algorithm->decide(&cfg, &st, now_us, 1, &d);
        if (!d.allowed) {
            continue;
        }
        limiter_decision at_api = {false, -1};
        api.algorithm->decide(&api, &api_state, now_us, 1, &at_api);
        assert_true(count < IN_FLIGHT_MAX);
        int tail = (head + count) % IN_FLIGHT_MAX;
        due_us[tail] = now_us + 50000;
        sent_us[tail] = now_us;
        ok[tail] = at_api.allowed;
        count++;
        accepted += at_api.allowed && now_us >= 60000000 ? 1 : 0;
    }
    double trough = (double)trough_sum / (double)troughs / 1000.0;
    double peak = (double)peak_sum / (double)troughs / 1000.0;
    double tooth_s = (double)tooth_us_sum / (double)teeth / 1e6;
    double throughput = (double)accepted / 300.0;
    print_message("aimd sawtooth: %lld teeth, %.1f/s to %.1f/s, %.2f s each, %.2f/s accepted\n",
                  (long long)teeth, trough, peak, tooth_s, throughput);
    assert_true(trough > 10.0 * 0.85 && trough < 10.0 * 1.15);
    assert_true(peak > 20.0 * 0.85 && peak < 20.0 * 1.15);
    assert_true(tooth_s > 10.0 * 0.85 && tooth_s < 10.0 * 1.15);
    assert_true(throughput > 15.0 * 0.9 && throughput < 15.0 * 1.1);
}

/* Observing is a no-op for every registered algorithm without observe (the static ones): the
 * state is unchanged. */
static void test_observe_is_a_noop_elsewhere(void **unused) {
    (void)unused;
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        const limiter_algorithm *a = limiter_algorithm_at(i);
        if (a->observe != NULL) {
            continue; /* the four that learn: their own tests */
        }
        limiter_config cfg = {.algorithm = a, .limit = 7, .period_us = 1000000, .burst = 2,
                              .queue_max = 3};
        limiter_state st = {{11, 2, 33, 44}};
        observe(&cfg, &st, 5, LIMITER_OUTCOME_REFUSED, 1, 1000);
        limiter_state same = {{11, 2, 33, 44}};
        assert_memory_equal(&st, &same, sizeof st);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aimd_by_hand),
        cmocka_unit_test(test_aimd_additive_increase),
        cmocka_unit_test(test_aimd_drop_and_floor),
        cmocka_unit_test(test_aimd_invariants),
        cmocka_unit_test(test_aimd_sawtooth),
        cmocka_unit_test(test_observe_is_a_noop_elsewhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
