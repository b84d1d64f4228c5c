/* test_fixed_window.c - fixed window counter: hand-computed cases, then properties.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * at most limit per aligned window, refusals only when the window is really full, exact retry
 * waits (the next window's start), and clock skew treated as "no time passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define FIXED_TEST_SEED UINT64_C(0xf1ced5eed06)
#define FIXED_TEST_REQUESTS_PER_SETTING 20000
#define FIXED_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define FIXED_CHECK(cond, setting, index)                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)FIXED_TEST_SEED, (int)(setting), (int)(index), __FILE__,  \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

static limiter_config fixed_test_config(int64_t limit, int64_t period_us) {
    limiter_config cfg = {&limiter_fixed_window, limit, period_us, 0, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision fixed_test_decide(const limiter_config *cfg, limiter_state *st,
                                          int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 3 per second: windows [0, 1e6), [1e6, 2e6), ... */
static void test_fixed_window_three_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = fixed_test_config(3, 1000000);
    limiter_state st = {{0}};
    assert_true(fixed_test_decide(&cfg, &st, 0, 1).allowed);
    assert_true(fixed_test_decide(&cfg, &st, 500000, 1).allowed);
    /* Count 2; cost 2 does not fit: wait until 1e6 - 500000. */
    limiter_decision d = fixed_test_decide(&cfg, &st, 500000, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 500000);
    assert_true(fixed_test_decide(&cfg, &st, 999999, 1).allowed);
    d = fixed_test_decide(&cfg, &st, 999999, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    /* A new window: the full limit again, at once. */
    assert_true(fixed_test_decide(&cfg, &st, 1000000, 3).allowed);
    assert_int_equal(st.slot[0], 1000000);
    assert_int_equal(st.slot[1], 3);
    /* Cost 4 > limit never passes: the next window's start, 2e6 - 1250000. */
    d = fixed_test_decide(&cfg, &st, 1250000, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 750000);
    /* Windows skipped entirely leave nothing behind. */
    assert_true(fixed_test_decide(&cfg, &st, 7654321, 3).allowed);
}

/* A clock behind the latest admission counts as that admission's time (window 1 here). */
static void test_fixed_window_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = fixed_test_config(1, 1000000);
    limiter_state st = {{0}};
    assert_true(fixed_test_decide(&cfg, &st, 1500000, 1).allowed);
    limiter_decision d = fixed_test_decide(&cfg, &st, 900000, 1); /* counts as 1500000 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 500000);
    assert_int_equal(st.slot[0], 1500000);
    assert_true(fixed_test_decide(&cfg, &st, 2000000, 1).allowed);
}

static void test_fixed_window_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = fixed_test_config(3, 1000000);
    cfg.burst = -4; /* not read */
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.limit = 0;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit must be at least 1"));
    cfg = fixed_test_config(3, -1);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us must be at least 1"));
    cfg = fixed_test_config(INT64_C(1) << 53, 1000000);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "below 2^53"));
}

/* ---- properties ---- */

typedef struct fixed_test_rate {
    int64_t limit;
    int64_t period_us;
} fixed_test_rate;

static const fixed_test_rate fixed_test_rates[] = {
    {7, 1000000}, {3, 60000000}, {13, 100000}, {1000, 1000000}, {5, 3}, {100, 7}, {1, 1},
};

#define FIXED_TEST_FIXED ((int)(sizeof fixed_test_rates / sizeof fixed_test_rates[0]))
#define FIXED_TEST_SETTINGS (FIXED_TEST_FIXED + FIXED_TEST_RANDOM_SETTINGS)

static limiter_config fixed_test_setting_config(int index, rng *r) {
    if (index < FIXED_TEST_FIXED) {
        return fixed_test_config(fixed_test_rates[index].limit, fixed_test_rates[index].period_us);
    }
    return fixed_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000));
}

/* A gap that mixes bursts (0), spacing near period/limit and idle periods. */
static int64_t fixed_test_gap_us(rng *r, const limiter_config *cfg) {
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

/* A stream with the clock jumping backwards when skew is set. Checks, against counts kept here
 * per aligned window of the effective time max(now, latest admitted time): a request is allowed
 * exactly when count + cost <= limit (so never more than limit per window, and no refusal while
 * there is room); refusals leave the state unchanged and wait until the next window starts, at
 * which time (with no skew) they pass; stored values stay in [0, 2^53). */
static void fixed_test_run_stream(int skew, uint64_t stream) {
    rng r;
    rng_seed(&r, FIXED_TEST_SEED, stream);
    int allowed = 0;
    int refused = 0;
    for (int s = 0; s < FIXED_TEST_SETTINGS; s++) {
        limiter_config cfg = fixed_test_setting_config(s, &r);
        limiter_state st = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        int64_t latest_count = 0; /* admitted in the window of latest_us */
        for (int i = 0; i < FIXED_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += fixed_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (skew && rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost =
                1 + (int64_t)rng_below(&r, (uint64_t)(cfg.limit < 4 ? cfg.limit + 1 : 4));
            int64_t window = at_us / cfg.period_us;
            int64_t count = window == latest_us / cfg.period_us ? latest_count : 0;
            limiter_state before = st;
            limiter_decision d = fixed_test_decide(&cfg, &st, now_us, cost);
            FIXED_CHECK(d.allowed == (count + cost <= cfg.limit), s, i);
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                FIXED_CHECK(st.slot[k] >= 0 && st.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
            if (d.allowed) {
                allowed++;
                FIXED_CHECK(d.wait_us == 0, s, i);
                latest_count = count + cost;
                latest_us = at_us;
                FIXED_CHECK(latest_count <= cfg.limit, s, i);
                continue;
            }
            refused++;
            FIXED_CHECK(d.wait_us == (window + 1) * cfg.period_us - at_us, s, i);
            FIXED_CHECK(d.wait_us >= 1, s, i);
            FIXED_CHECK(memcmp(&before, &st, sizeof st) == 0, s, i);
            if (!skew && cost <= cfg.limit) {
                limiter_state retry = before;
                FIXED_CHECK(fixed_test_decide(&cfg, &retry, now_us + d.wait_us, cost).allowed, s,
                            i);
                retry = before;
                FIXED_CHECK(
                    d.wait_us == 1 ||
                        !fixed_test_decide(&cfg, &retry, now_us + d.wait_us - 1, cost).allowed,
                    s, i);
            }
        }
    }
    assert_true(allowed > FIXED_TEST_SETTINGS * FIXED_TEST_REQUESTS_PER_SETTING / 10);
    assert_true(refused > FIXED_TEST_SETTINGS * FIXED_TEST_REQUESTS_PER_SETTING / 20);
}

static void test_fixed_window_stream(void **unused) {
    (void)unused;
    fixed_test_run_stream(0, 1);
}

static void test_fixed_window_clock_skew(void **unused) {
    (void)unused;
    fixed_test_run_stream(1, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_window_three_per_second),
        cmocka_unit_test(test_fixed_window_clock_backwards),
        cmocka_unit_test(test_fixed_window_validate),
        cmocka_unit_test(test_fixed_window_stream),
        cmocka_unit_test(test_fixed_window_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
