/* test_token_bucket_interval.c - token bucket refilled every interval: cases, then properties.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * at most limit tokens per aligned interval, refusals only when the bucket is really short,
 * exact retry waits (the next refill), decision-by-decision equality with fixed_window, and
 * clock skew treated as "no time passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define INTERVAL_TEST_SEED UINT64_C(0x1a7e5eed07)
#define INTERVAL_TEST_REQUESTS_PER_SETTING 20000
#define INTERVAL_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define INTERVAL_CHECK(cond, setting, index)                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)INTERVAL_TEST_SEED, (int)(setting), (int)(index),         \
                     __FILE__, __LINE__);                                                          \
        }                                                                                          \
    } while (0)

static limiter_config interval_test_config(int64_t max_tokens, int64_t refill_interval_us) {
    limiter_config cfg = {&limiter_token_bucket_interval, max_tokens, refill_interval_us, 0, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision interval_test_decide(const limiter_config *cfg, limiter_state *st,
                                             int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* The field report's setting: max_tokens 50, refill_interval 60 s. */
static void test_token_bucket_interval_field_report(void **unused) {
    (void)unused;
    limiter_config cfg = interval_test_config(50, 60000000);
    limiter_state st = {{0}};
    for (int i = 0; i < 50; i++) {
        assert_true(interval_test_decide(&cfg, &st, 1000 * i, 1).allowed); /* starts full */
    }
    assert_int_equal(st.slot[1], 50);
    /* Empty at 59.9 s: the refill at 60 s is 100000 us away. */
    limiter_decision d = interval_test_decide(&cfg, &st, 59900000, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 100000);
    /* Refilled to full at 60 s: a cost of 50 passes at once, then nothing until 120 s. */
    assert_true(interval_test_decide(&cfg, &st, 60000000, 50).allowed);
    d = interval_test_decide(&cfg, &st, 60000001, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 59999999);
    /* Cost 51 > max_tokens never passes: the next refill. */
    d = interval_test_decide(&cfg, &st, 130000000, 51);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 50000000);
    /* Unused tokens do not carry over: 30 at 125 s, then 50 more only after 180 s. */
    assert_true(interval_test_decide(&cfg, &st, 125000000, 30).allowed);
    d = interval_test_decide(&cfg, &st, 179999999, 21);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(interval_test_decide(&cfg, &st, 180000000, 50).allowed);
}

/* A clock behind the latest admission counts as that admission's time. */
static void test_token_bucket_interval_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = interval_test_config(2, 1000);
    limiter_state st = {{0}};
    assert_true(interval_test_decide(&cfg, &st, 2500, 2).allowed);
    limiter_decision d = interval_test_decide(&cfg, &st, 1500, 1); /* counts as 2500 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 500);
    assert_true(interval_test_decide(&cfg, &st, 3000, 1).allowed);
}

static void test_token_bucket_interval_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = interval_test_config(50, 60000000);
    cfg.burst = 0; /* ignored */
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.limit = -50;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit must be at least 1"));
    cfg = interval_test_config(50, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us must be at least 1"));
}

/* ---- properties ---- */

typedef struct interval_test_rate {
    int64_t limit;
    int64_t period_us;
} interval_test_rate;

static const interval_test_rate interval_test_rates[] = {
    {50, 60000000}, {7, 1000000}, {3, 60000000}, {13, 100000}, {5, 3}, {100, 7}, {1, 1},
};

#define INTERVAL_TEST_FIXED ((int)(sizeof interval_test_rates / sizeof interval_test_rates[0]))
#define INTERVAL_TEST_SETTINGS (INTERVAL_TEST_FIXED + INTERVAL_TEST_RANDOM_SETTINGS)

static limiter_config interval_test_setting_config(int index, rng *r) {
    if (index < INTERVAL_TEST_FIXED) {
        return interval_test_config(interval_test_rates[index].limit,
                                    interval_test_rates[index].period_us);
    }
    return interval_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000));
}

/* A gap that mixes bursts (0), spacing near period/limit and idle periods. */
static int64_t interval_test_gap_us(rng *r, const limiter_config *cfg) {
    int64_t t_us = cfg->period_us / cfg->limit + 1;
    uint64_t kind = rng_below(r, 10);
    if (kind < 4) {
        return 0;
    }
    if (kind < 9) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_us));
    }
    return (int64_t)rng_below(r, (uint64_t)(2 * cfg->period_us + 1));
}

/* A stream with the clock jumping backwards when skew is set. Checks, against tokens taken per
 * aligned interval of the effective time max(now, latest admitted time): allowed exactly when
 * taken + cost <= limit; refusals leave the state unchanged and wait until the next refill, at
 * which time (with no skew) they pass; fixed_window answers the same; stored values stay in
 * [0, 2^53). */
static void interval_test_run_stream(int skew, uint64_t stream) {
    rng r;
    rng_seed(&r, INTERVAL_TEST_SEED, stream);
    int allowed = 0;
    int refused = 0;
    for (int s = 0; s < INTERVAL_TEST_SETTINGS; s++) {
        limiter_config cfg = interval_test_setting_config(s, &r);
        limiter_config fixed = cfg;
        fixed.algorithm = &limiter_fixed_window;
        limiter_state st = {{0}};
        limiter_state fixed_st = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        int64_t latest_taken = 0; /* taken in the interval of latest_us */
        for (int i = 0; i < INTERVAL_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += interval_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (skew && rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost =
                1 + (int64_t)rng_below(&r, (uint64_t)(cfg.limit < 4 ? cfg.limit + 1 : 4));
            int64_t interval = at_us / cfg.period_us;
            int64_t taken = interval == latest_us / cfg.period_us ? latest_taken : 0;
            limiter_state before = st;
            limiter_decision d = interval_test_decide(&cfg, &st, now_us, cost);
            limiter_decision f = interval_test_decide(&fixed, &fixed_st, now_us, cost);
            INTERVAL_CHECK(d.allowed == f.allowed && d.wait_us == f.wait_us, s, i);
            INTERVAL_CHECK(d.allowed == (taken + cost <= cfg.limit), s, i);
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                INTERVAL_CHECK(st.slot[k] >= 0 && st.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
            if (d.allowed) {
                allowed++;
                INTERVAL_CHECK(d.wait_us == 0, s, i);
                latest_taken = taken + cost;
                latest_us = at_us;
                INTERVAL_CHECK(latest_taken <= cfg.limit, s, i);
                continue;
            }
            refused++;
            INTERVAL_CHECK(d.wait_us == (interval + 1) * cfg.period_us - at_us, s, i);
            INTERVAL_CHECK(d.wait_us >= 1, s, i);
            INTERVAL_CHECK(memcmp(&before, &st, sizeof st) == 0, s, i);
            if (!skew && cost <= cfg.limit) {
                limiter_state retry = before;
                INTERVAL_CHECK(interval_test_decide(&cfg, &retry, now_us + d.wait_us, cost).allowed,
                               s, i);
                retry = before;
                INTERVAL_CHECK(
                    d.wait_us == 1 ||
                        !interval_test_decide(&cfg, &retry, now_us + d.wait_us - 1, cost).allowed,
                    s, i);
            }
        }
    }
    assert_true(allowed > INTERVAL_TEST_SETTINGS * INTERVAL_TEST_REQUESTS_PER_SETTING / 10);
    assert_true(refused > INTERVAL_TEST_SETTINGS * INTERVAL_TEST_REQUESTS_PER_SETTING / 20);
}

static void test_token_bucket_interval_stream(void **unused) {
    (void)unused;
    interval_test_run_stream(0, 1);
}

static void test_token_bucket_interval_clock_skew(void **unused) {
    (void)unused;
    interval_test_run_stream(1, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_bucket_interval_field_report),
        cmocka_unit_test(test_token_bucket_interval_clock_backwards),
        cmocka_unit_test(test_token_bucket_interval_validate),
        cmocka_unit_test(test_token_bucket_interval_stream),
        cmocka_unit_test(test_token_bucket_interval_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
