/* test_sliding_window.c - sliding window counter: hand-computed cases, then properties.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * decisions equal the weighted estimate computed here from the admitted history, at most
 * 2 x limit in any period-long interval, exact and minimal retry waits, and clock skew treated
 * as "no time passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define SLIDING_TEST_SEED UINT64_C(0x511de5eed08)
#define SLIDING_TEST_REQUESTS_PER_SETTING 20000
#define SLIDING_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define SLIDING_CHECK(cond, setting, index)                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)SLIDING_TEST_SEED, (int)(setting), (int)(index),          \
                     __FILE__, __LINE__);                                                          \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 sliding_test_i128;

static limiter_config sliding_test_config(int64_t limit, int64_t period_us) {
    limiter_config cfg = {&limiter_sliding_window, limit, period_us, 0, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision sliding_test_decide(const limiter_config *cfg, limiter_state *st,
                                            int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 10 per second: within window 1, the weight of window 0's count falls as time passes. */
static void test_sliding_window_weighted(void **unused) {
    (void)unused;
    limiter_config cfg = sliding_test_config(10, 1000000);
    limiter_state st = {{0}};
    assert_true(sliding_test_decide(&cfg, &st, 100000, 6).allowed); /* window 0: 6 */
    /* At 1.25 s: estimate 6 x 0.75 = 4.5; cost 5 -> 9.5 <= 10: allowed. */
    assert_true(sliding_test_decide(&cfg, &st, 1250000, 5).allowed);
    assert_int_equal(st.slot[1], 5);
    assert_int_equal(st.slot[2], 6);
    /* Cost 1: 4.5 + 5 + 1 > 10. Fits when 6 x (1e6 - e) <= (10 - 5 - 1) x 1e6, e >= 1e6 -
     * floor(4e6 / 6) = 333334: wait 333334 - 250000 = 83334. */
    limiter_decision d = sliding_test_decide(&cfg, &st, 1250000, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 83334);
    d = sliding_test_decide(&cfg, &st, 1333333, 1); /* 6 x 666667 + 6e6 > 1e7 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(sliding_test_decide(&cfg, &st, 1333334, 1).allowed); /* 3999996 + 6e6 */
}

/* The wait rolls into the next window, or the one after it. */
static void test_sliding_window_wait_rolls_over(void **unused) {
    (void)unused;
    limiter_config cfg = sliding_test_config(10, 1000000);
    limiter_state st = {{0}};
    assert_true(sliding_test_decide(&cfg, &st, 1000000, 10).allowed); /* window 1 full */
    /* At 1.9 s nothing fits in window 1; in window 2, prev = 10: 10 x (1e6 - e) + 1e6 <= 1e7
     * from e = 100000: wait 100000 + 100000. */
    limiter_decision d = sliding_test_decide(&cfg, &st, 1900000, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 200000);
    assert_false(sliding_test_decide(&cfg, &st, 2099999, 1).allowed);
    assert_true(sliding_test_decide(&cfg, &st, 2100000, 1).allowed);
    /* Cost 11 > limit never passes: the next window's start. */
    d = sliding_test_decide(&cfg, &st, 2100000, 11);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 900000);

    limiter_config one = sliding_test_config(1, 1000000);
    limiter_state st1 = {{0}};
    assert_true(sliding_test_decide(&one, &st1, 0, 1).allowed);
    /* Window 1 never fits (prev 1 x (1e6 - e) + 1e6 > 1e6 for e < 1e6): wait for window 2. */
    d = sliding_test_decide(&one, &st1, 500000, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1500000);
    assert_false(sliding_test_decide(&one, &st1, 1999999, 1).allowed);
    assert_true(sliding_test_decide(&one, &st1, 2000000, 1).allowed);
}

/* A clock behind the latest admission counts as that admission's time. */
static void test_sliding_window_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = sliding_test_config(2, 1000);
    limiter_state st = {{0}};
    assert_true(sliding_test_decide(&cfg, &st, 500, 2).allowed);
    assert_true(sliding_test_decide(&cfg, &st, 1500, 1).allowed); /* 2 x 0.5 + 1 = 2 */
    /* At 1200 (counts as 1500): 2 x 0.5 + 1 + 1 > 2. In window 1 the room is (2 - 1 - 1) x
     * 1000 = 0, so it never fits there; in window 2, prev = 1: 1 x (1000 - e) + 1000 <= 2000
     * already at e = 0: wait 2000 - 1500 = 500. */
    limiter_decision d = sliding_test_decide(&cfg, &st, 1200, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 500);
    assert_int_equal(st.slot[0], 1500);
}

static void test_sliding_window_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = sliding_test_config(10, 1000000);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.limit = 0;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit must be at least 1"));
    cfg = sliding_test_config(10, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us must be at least 1"));
}

/* ---- properties ---- */

typedef struct sliding_test_rate {
    int64_t limit;
    int64_t period_us;
} sliding_test_rate;

static const sliding_test_rate sliding_test_rates[] = {
    {7, 1000000}, {3, 60000000}, {13, 100000}, {1000, 1000000}, {5, 3}, {100, 7}, {1, 1},
};

#define SLIDING_TEST_FIXED ((int)(sizeof sliding_test_rates / sizeof sliding_test_rates[0]))
#define SLIDING_TEST_SETTINGS (SLIDING_TEST_FIXED + SLIDING_TEST_RANDOM_SETTINGS)

static limiter_config sliding_test_setting_config(int index, rng *r) {
    if (index < SLIDING_TEST_FIXED) {
        return sliding_test_config(sliding_test_rates[index].limit,
                                   sliding_test_rates[index].period_us);
    }
    return sliding_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000));
}

/* A gap that mixes bursts (0), spacing near period/limit and idle periods. */
static int64_t sliding_test_gap_us(rng *r, const limiter_config *cfg) {
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

/* Admitted history kept here: per-window cost of the latest admitted window and the one before
 * it, plus every admission (time, cost) for the interval bound. */
typedef struct sliding_test_history {
    int64_t latest_us;
    int64_t latest_window;
    int64_t count_latest;   /* cost admitted in latest_window */
    int64_t count_previous; /* cost admitted in latest_window - 1 */
} sliding_test_history;

/* The cost admitted in window w according to h (w >= h->latest_window - 1). */
static int64_t sliding_test_count(const sliding_test_history *h, int64_t w) {
    if (w == h->latest_window) {
        return h->count_latest;
    }
    if (w == h->latest_window - 1) {
        return h->count_previous;
    }
    return 0;
}

/* A stream with the clock jumping backwards when skew is set. At the effective time
 * at = max(now, latest admitted time), with e = at mod period: allowed exactly when
 * count(w - 1) x (period - e) + (count(w) + cost) x period <= limit x period. Refusals leave the
 * state unchanged; without skew, retrying at now + wait passes and at now + wait - 1 does not
 * (the estimate never rises while nothing arrives, so that wait is the smallest). Admitted cost
 * in any interval (t - period, t] is at most 2 x limit. */
static void sliding_test_run_stream(int skew, uint64_t stream) {
    rng r;
    rng_seed(&r, SLIDING_TEST_SEED, stream);
    enum { ADMITTED_MAX = SLIDING_TEST_REQUESTS_PER_SETTING };
    static int64_t admitted_us[ADMITTED_MAX];
    static int64_t admitted_cost[ADMITTED_MAX];
    int allowed = 0;
    int refused = 0;
    for (int s = 0; s < SLIDING_TEST_SETTINGS; s++) {
        limiter_config cfg = sliding_test_setting_config(s, &r);
        limiter_state st = {{0}};
        sliding_test_history h = {0, 0, 0, 0};
        int64_t clock_us = 0;
        int admitted = 0;
        int oldest = 0;          /* admitted[oldest..admitted) lie in (t - period, t] */
        int64_t in_interval = 0; /* their total cost */
        for (int i = 0; i < SLIDING_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += sliding_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (skew && rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > h.latest_us ? now_us : h.latest_us;
            int64_t cost =
                1 + (int64_t)rng_below(&r, (uint64_t)(cfg.limit < 4 ? cfg.limit + 1 : 4));
            int64_t w = at_us / cfg.period_us;
            int64_t e = at_us - w * cfg.period_us;
            int64_t prev = sliding_test_count(&h, w - 1);
            int64_t cur = sliding_test_count(&h, w);
            sliding_test_i128 weighted = (sliding_test_i128)prev * (cfg.period_us - e) +
                                         (sliding_test_i128)(cur + cost) * cfg.period_us;
            int expect = weighted <= (sliding_test_i128)cfg.limit * cfg.period_us;
            limiter_state before = st;
            limiter_decision d = sliding_test_decide(&cfg, &st, now_us, cost);
            SLIDING_CHECK(d.allowed == expect, s, i);
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                SLIDING_CHECK(st.slot[k] >= 0 && st.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
            if (!d.allowed) {
                refused++;
                SLIDING_CHECK(d.wait_us >= 1, s, i);
                SLIDING_CHECK(memcmp(&before, &st, sizeof st) == 0, s, i);
                if (!skew && cost <= cfg.limit) {
                    limiter_state retry = before;
                    SLIDING_CHECK(
                        sliding_test_decide(&cfg, &retry, now_us + d.wait_us, cost).allowed, s, i);
                    retry = before;
                    SLIDING_CHECK(d.wait_us == 1 || !sliding_test_decide(
                                                         &cfg, &retry, now_us + d.wait_us - 1, cost)
                                                         .allowed,
                                  s, i);
                }
                continue;
            }
            allowed++;
            SLIDING_CHECK(d.wait_us == 0, s, i);
            if (w == h.latest_window + 1) {
                h.count_previous = h.count_latest;
                h.count_latest = 0;
            } else if (w != h.latest_window) {
                h.count_previous = 0;
                h.count_latest = 0;
            }
            h.latest_window = w;
            h.count_latest += cost;
            h.latest_us = at_us;
            SLIDING_CHECK(h.count_latest <= cfg.limit, s, i);
            admitted_us[admitted] = at_us;
            admitted_cost[admitted] = cost;
            admitted++;
            in_interval += cost;
            while (admitted_us[oldest] <= at_us - cfg.period_us) {
                in_interval -= admitted_cost[oldest];
                oldest++;
            }
            SLIDING_CHECK(in_interval <= 2 * cfg.limit, s, i);
        }
    }
    assert_true(allowed > SLIDING_TEST_SETTINGS * SLIDING_TEST_REQUESTS_PER_SETTING / 10);
    assert_true(refused > SLIDING_TEST_SETTINGS * SLIDING_TEST_REQUESTS_PER_SETTING / 20);
}

static void test_sliding_window_stream(void **unused) {
    (void)unused;
    sliding_test_run_stream(0, 1);
}

static void test_sliding_window_clock_skew(void **unused) {
    (void)unused;
    sliding_test_run_stream(1, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sliding_window_weighted),
        cmocka_unit_test(test_sliding_window_wait_rolls_over),
        cmocka_unit_test(test_sliding_window_clock_backwards),
        cmocka_unit_test(test_sliding_window_validate),
        cmocka_unit_test(test_sliding_window_stream),
        cmocka_unit_test(test_sliding_window_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
