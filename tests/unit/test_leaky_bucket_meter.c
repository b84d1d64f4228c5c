/* test_leaky_bucket_meter.c - leaky bucket as a meter: hand-computed cases, then properties.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * decision-by-decision equivalence with token_bucket (same settings), the window bound, exact
 * retry waits, and clock skew treated as "no time passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define METER_TEST_SEED UINT64_C(0x3e7e45eed04)
#define METER_TEST_REQUESTS_PER_SETTING 20000
#define METER_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define METER_CHECK(cond, setting, index)                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)METER_TEST_SEED, (int)(setting), (int)(index), __FILE__,  \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 meter_test_i128;

static limiter_config meter_test_config(int64_t limit, int64_t period_us, int64_t burst) {
    limiter_config cfg = {&limiter_leaky_bucket_meter, limit, period_us, burst, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision meter_test_decide(const limiter_config *cfg, limiter_state *st,
                                          int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 7/s, burst 3: the level is kept in 1/1e6 units and drains 7 units per us. */
static void test_leaky_bucket_meter_seven_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = meter_test_config(7, 1000000, 3);
    limiter_state st = {{0}};
    for (int i = 0; i < 3; i++) {
        assert_true(meter_test_decide(&cfg, &st, 0, 1).allowed); /* starts empty */
    }
    assert_int_equal(st.slot[1], 3000000);
    /* Full: one unit (1e6) must drain: ceil(1e6 / 7) = 142858 us. */
    limiter_decision d = meter_test_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
    /* At 142857 the level is 3e6 - 999999 = 2000001: 1 over, ceil(1/7) = 1 us. */
    d = meter_test_decide(&cfg, &st, 142857, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(meter_test_decide(&cfg, &st, 142858, 1).allowed);
    assert_int_equal(st.slot[1], 2999994); /* 3e6 - 1000006 + 1e6 */
    /* Cost 4 > burst never passes: time until empty, ceil(2999994 / 7) = 428571 us. */
    d = meter_test_decide(&cfg, &st, 142858, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 428571);
    /* After a long idle the bucket is empty again: a full burst of 3 fits. */
    assert_true(meter_test_decide(&cfg, &st, 10000000, 3).allowed);
}

/* 1 per 1000 us, burst 2; a clock behind the latest admission counts as that admission. */
static void test_leaky_bucket_meter_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = meter_test_config(1, 1000, 2);
    limiter_state st = {{0}};
    assert_true(meter_test_decide(&cfg, &st, 5000, 2).allowed); /* level 2000 */
    limiter_decision d = meter_test_decide(&cfg, &st, 100, 1);  /* counts as 5000 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000);
    d = meter_test_decide(&cfg, &st, 5999, 1);
    assert_int_equal(d.wait_us, 1);
    assert_true(meter_test_decide(&cfg, &st, 6000, 1).allowed);
}

static void test_leaky_bucket_meter_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = meter_test_config(7, 1000000, 3);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.burst = 0;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst must be at least 1"));
    cfg = meter_test_config(7, 0, 3);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us"));
    cfg = meter_test_config(3, 3 * (INT64_C(1) << 20), INT64_C(1) << 33); /* 2^33 x 2^20 */
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst x period is too large"));
}

/* ---- properties ---- */

typedef struct meter_test_setting {
    int64_t limit;
    int64_t period_us;
    int64_t burst;
} meter_test_setting;

static const meter_test_setting meter_test_settings[] = {
    {7, 1000000, 1}, {7, 1000000, 4}, {3, 60000000, 3}, {13, 100000, 2}, {5, 3, 2}, {100, 7, 5},
};

#define METER_TEST_FIXED ((int)(sizeof meter_test_settings / sizeof meter_test_settings[0]))
#define METER_TEST_SETTINGS (METER_TEST_FIXED + METER_TEST_RANDOM_SETTINGS)

static limiter_config meter_test_setting_config(int index, rng *r) {
    if (index < METER_TEST_FIXED) {
        const meter_test_setting *s = &meter_test_settings[index];
        return meter_test_config(s->limit, s->period_us, s->burst);
    }
    return meter_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000),
                             1 + (int64_t)rng_below(r, 20));
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t meter_test_gap_us(rng *r, const limiter_config *cfg) {
    int64_t t_us = cfg->period_us / cfg->limit + 1;
    uint64_t kind = rng_below(r, 10);
    if (kind < 4) {
        return 0;
    }
    if (kind < 9) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_us));
    }
    return (int64_t)rng_below(r, (uint64_t)(2 * cfg->burst * t_us + 1));
}

/* Same decisions and waits as token_bucket with the same settings, on monotone streams with
 * costs 1..burst+1; plus the window bound (admitted cost in [t_i, t_j] <= burst + (t_j - t_i)
 * x limit / period) and exact retry waits. */
static void test_leaky_bucket_meter_equals_token_bucket(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, METER_TEST_SEED, 1);
    int allowed = 0;
    for (int s = 0; s < METER_TEST_SETTINGS; s++) {
        limiter_config meter = meter_test_setting_config(s, &r);
        limiter_config bucket = meter;
        bucket.algorithm = &limiter_token_bucket;
        limiter_state meter_st = {{0}};
        limiter_state bucket_st = {{0}};
        int64_t now_us = 0;
        meter_test_i128 admitted = 0;
        meter_test_i128 min_start = 0;
        for (int i = 0; i < METER_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += meter_test_gap_us(&r, &meter);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)meter.burst + 1);
            limiter_state before = meter_st;
            limiter_decision a = meter_test_decide(&meter, &meter_st, now_us, cost);
            limiter_decision b = meter_test_decide(&bucket, &bucket_st, now_us, cost);
            METER_CHECK(a.allowed == b.allowed, s, i);
            METER_CHECK(a.wait_us == b.wait_us, s, i);
            if (!a.allowed) {
                METER_CHECK(a.wait_us >= 1, s, i);
                METER_CHECK(memcmp(&before, &meter_st, sizeof before) == 0, s, i);
                if (cost <= meter.burst) {
                    limiter_state retry = before;
                    METER_CHECK(meter_test_decide(&meter, &retry, now_us + a.wait_us, cost).allowed,
                                s, i);
                    retry = before;
                    METER_CHECK(a.wait_us == 1 ||
                                    !meter_test_decide(&meter, &retry, now_us + a.wait_us - 1, cost)
                                         .allowed,
                                s, i);
                }
                continue;
            }
            allowed++;
            METER_CHECK(a.wait_us == 0, s, i);
            meter_test_i128 start =
                admitted * meter.period_us - (meter_test_i128)meter.limit * now_us;
            if (admitted == 0 || start < min_start) {
                min_start = start;
            }
            admitted += cost;
            meter_test_i128 end =
                admitted * meter.period_us - (meter_test_i128)meter.limit * now_us;
            METER_CHECK(end - min_start <= (meter_test_i128)meter.burst * meter.period_us, s, i);
        }
    }
    assert_true(allowed > METER_TEST_SETTINGS * METER_TEST_REQUESTS_PER_SETTING / 10);
}

/* With the clock jumping backwards: still the same answers as token_bucket, each equal to the
 * one taken at max(now, latest admitted time); stored values stay in [0, 2^53). */
static void test_leaky_bucket_meter_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, METER_TEST_SEED, 2);
    for (int s = 0; s < METER_TEST_SETTINGS; s++) {
        limiter_config cfg = meter_test_setting_config(s, &r);
        limiter_config bucket = cfg;
        bucket.algorithm = &limiter_token_bucket;
        limiter_state skewed = {{0}};
        limiter_state clamped = {{0}};
        limiter_state bucket_st = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        for (int i = 0; i < METER_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += meter_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst);
            limiter_decision a = meter_test_decide(&cfg, &skewed, now_us, cost);
            limiter_decision b = meter_test_decide(&cfg, &clamped, at_us, cost);
            limiter_decision c = meter_test_decide(&bucket, &bucket_st, now_us, cost);
            METER_CHECK(a.allowed == b.allowed && a.allowed == c.allowed, s, i);
            METER_CHECK(a.wait_us == b.wait_us && a.wait_us == c.wait_us, s, i);
            METER_CHECK(a.wait_us >= (a.allowed ? 0 : 1), s, i);
            if (a.allowed) {
                latest_us = at_us;
            }
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                METER_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaky_bucket_meter_seven_per_second),
        cmocka_unit_test(test_leaky_bucket_meter_clock_backwards),
        cmocka_unit_test(test_leaky_bucket_meter_validate),
        cmocka_unit_test(test_leaky_bucket_meter_equals_token_bucket),
        cmocka_unit_test(test_leaky_bucket_meter_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
