/* test_gcra.c - GCRA limit mode: hand-computed cases, then properties over random streams.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * spacing with burst 1, the window bound, the maximum burst from idle, exact retry waits, and
 * clock skew treated as "no time passed". Equivalence with token_bucket is in
 * test_token_bucket.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define GCRA_TEST_SEED UINT64_C(0x6c7a5eed02)
#define GCRA_TEST_REQUESTS_PER_SETTING 20000
#define GCRA_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define GCRA_CHECK(cond, setting, index)                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)GCRA_TEST_SEED, (int)(setting), (int)(index), __FILE__,   \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 gcra_test_i128;

static limiter_config gcra_test_config(int64_t limit, int64_t period_us, int64_t burst) {
    limiter_config cfg = {&limiter_gcra, limit, period_us, burst, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision gcra_test_decide(const limiter_config *cfg, limiter_state *st,
                                         int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 7/s, burst 1: T = 142857 + 1/7 us, tau = 0. */
static void test_gcra_seven_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = gcra_test_config(7, 1000000, 1);
    limiter_state st = {{0}};
    assert_true(gcra_test_decide(&cfg, &st, 0, 1).allowed); /* TAT = T = (142857, 1/7) */
    assert_int_equal(st.slot[0], 142857);
    assert_int_equal(st.slot[1], 1);
    /* TAT' = 2T; refused with wait ceil(2T - T - 0) = ceil(142857 + 1/7) = 142858. */
    limiter_decision d = gcra_test_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
    assert_int_equal(st.slot[0], 142857); /* refused: state unchanged */
    /* At 142857: TAT' = 2T = 285714 + 2/7; 2T - 142857 = T + 1/7 > T: wait ceil(1/7) = 1. */
    d = gcra_test_decide(&cfg, &st, 142857, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    /* At 142858 > TAT: TAT' = 142858 + T = (285715, 1/7). */
    assert_true(gcra_test_decide(&cfg, &st, 142858, 1).allowed);
    assert_int_equal(st.slot[0], 285715);
    assert_int_equal(st.slot[1], 1);
    assert_int_equal(st.slot[2], 142858);
    /* Cost 2 > burst 1 never passes: wait until idle, ceil(TAT - now) = 142857 + 1/7 -> 142858. */
    d = gcra_test_decide(&cfg, &st, 142858, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
}

/* 7/s, burst 3: tau = 2T; three pass at once, the fourth waits T. */
static void test_gcra_burst_three(void **unused) {
    (void)unused;
    limiter_config cfg = gcra_test_config(7, 1000000, 3);
    limiter_state st = {{0}};
    for (int i = 0; i < 3; i++) {
        assert_true(gcra_test_decide(&cfg, &st, 0, 1).allowed);
    }
    /* TAT = 3T = (428571, 3/7); TAT' = 4T; wait = ceil(4T - 3T) = ceil(T) = 142858. */
    assert_int_equal(st.slot[0], 428571);
    assert_int_equal(st.slot[1], 3);
    limiter_decision d = gcra_test_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
    /* Cost 2 at 0: TAT' = 5T, wait = ceil(2T) = ceil(285714 + 2/7) = 285715. */
    d = gcra_test_decide(&cfg, &st, 0, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 285715);
    d = gcra_test_decide(&cfg, &st, 285714, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(gcra_test_decide(&cfg, &st, 285715, 2).allowed);
    /* Cost 4 > burst from idle is still refused, with the minimum wait of 1. */
    limiter_state fresh = {{0}};
    d = gcra_test_decide(&cfg, &fresh, 1000, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
}

/* 3/min (T = 2e7 us exactly, L = 1 after the gcd) and 5 per 3 us (T = 0.6 us). */
static void test_gcra_integer_and_sub_microsecond(void **unused) {
    (void)unused;
    limiter_config cfg = gcra_test_config(3, 60000000, 1);
    limiter_state st = {{0}};
    assert_true(gcra_test_decide(&cfg, &st, 10, 1).allowed);
    limiter_decision d = gcra_test_decide(&cfg, &st, 10, 1);
    assert_int_equal(d.wait_us, 20000000);
    assert_true(gcra_test_decide(&cfg, &st, 20000010, 1).allowed);

    cfg = gcra_test_config(5, 3, 1);
    limiter_state sub = {{0}};
    assert_true(gcra_test_decide(&cfg, &sub, 0, 1).allowed); /* TAT = 0.6 = (0, 3/5) */
    assert_int_equal(sub.slot[0], 0);
    assert_int_equal(sub.slot[1], 3);
    d = gcra_test_decide(&cfg, &sub, 0, 1); /* TAT' = 1.2: wait ceil(1.2 - 0.6) = 1 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(gcra_test_decide(&cfg, &sub, 1, 1).allowed); /* TAT = 1.6 */
    d = gcra_test_decide(&cfg, &sub, 1, 1);                  /* TAT' = 2.2: ceil(0.6) = 1 */
    assert_int_equal(d.wait_us, 1);
    assert_true(gcra_test_decide(&cfg, &sub, 2, 1).allowed); /* TAT = 2.6 */
    assert_int_equal(sub.slot[0], 2);
    assert_int_equal(sub.slot[1], 3);
}

/* A clock behind the latest admission counts as that admission's time. */
static void test_gcra_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = gcra_test_config(1, 1000, 1);
    limiter_state st = {{0}};
    assert_true(gcra_test_decide(&cfg, &st, 5000, 1).allowed); /* TAT = 6000 */
    limiter_decision d = gcra_test_decide(&cfg, &st, 10, 1);   /* counts as 5000 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000);
    assert_true(gcra_test_decide(&cfg, &st, 6000, 1).allowed);
}

static void test_gcra_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = gcra_test_config(7, 1000000, 1);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.burst = -1;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst must be at least 1"));
    cfg = gcra_test_config(-7, 1000000, 1);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit must be at least 1"));
    /* TAT can reach now + burst x T: burst x period must stay below 2^52. */
    cfg = gcra_test_config(1, INT64_C(1) << 20, INT64_C(1) << 32);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "too large for exact arithmetic"));
    cfg.burst--;
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
}

/* ---- properties ---- */

typedef struct gcra_test_setting {
    int64_t limit;
    int64_t period_us;
} gcra_test_setting;

static const gcra_test_setting gcra_test_rates[] = {
    {7, 1000000}, {3, 60000000}, {13, 100000}, {1000, 1000000}, {5, 3}, {100, 7}, {1, 1},
};

#define GCRA_TEST_FIXED ((int)(sizeof gcra_test_rates / sizeof gcra_test_rates[0]))
#define GCRA_TEST_SETTINGS (GCRA_TEST_FIXED + GCRA_TEST_RANDOM_SETTINGS)

/* Setting index: the fixed rates, then random ones; burst 1 when burst_one, else random. */
static limiter_config gcra_test_setting_config(int index, rng *r, int burst_one) {
    int64_t burst = burst_one ? 1 : 1 + (int64_t)rng_below(r, 20);
    if (index < GCRA_TEST_FIXED) {
        return gcra_test_config(gcra_test_rates[index].limit, gcra_test_rates[index].period_us,
                                burst);
    }
    return gcra_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000),
                            burst);
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t gcra_test_gap_us(rng *r, const limiter_config *cfg) {
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

/* Checks one decision of a monotone stream: wait signs, a refusal leaves the state unchanged,
 * and for a refused cost <= burst that retrying exactly at now + wait passes and one microsecond
 * earlier does not. */
static void gcra_test_check_decision(const limiter_config *cfg, const limiter_state *before,
                                     const limiter_state *after, int64_t now_us, int64_t cost,
                                     const limiter_decision *d, int setting, int index) {
    GCRA_CHECK(d->wait_us >= 0, setting, index);
    if (d->allowed) {
        GCRA_CHECK(d->wait_us == 0, setting, index);
        return;
    }
    GCRA_CHECK(d->wait_us >= 1, setting, index);
    GCRA_CHECK(memcmp(before, after, sizeof *before) == 0, setting, index); /* unchanged */
    if (cost > cfg->burst) {
        return;
    }
    limiter_state retry = *before;
    GCRA_CHECK(gcra_test_decide(cfg, &retry, now_us + d->wait_us, cost).allowed, setting, index);
    if (d->wait_us > 1) {
        retry = *before;
        GCRA_CHECK(!gcra_test_decide(cfg, &retry, now_us + d->wait_us - 1, cost).allowed, setting,
                   index);
    }
}

/* Burst 1: in any [t_i, t_j], admitted count <= floor((t_j - t_i) x limit / period) + 1, i.e.
 * (j - i) x period <= (t_j - t_i) x limit for admissions i < j: never closer than T. Checked
 * over all pairs with a running minimum of i x period - t_i x limit. */
static void test_gcra_burst_one_spacing(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, GCRA_TEST_SEED, 1);
    for (int s = 0; s < GCRA_TEST_SETTINGS; s++) {
        limiter_config cfg = gcra_test_setting_config(s, &r, 1);
        limiter_state st = {{0}};
        int64_t now_us = 0;
        int64_t admitted = 0;
        gcra_test_i128 min_key = 0;
        for (int i = 0; i < GCRA_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += gcra_test_gap_us(&r, &cfg);
            int64_t cost = rng_below(&r, 8) == 0 ? 2 : 1; /* 2 > burst: always refused */
            limiter_state before = st;
            limiter_decision d = gcra_test_decide(&cfg, &st, now_us, cost);
            gcra_test_check_decision(&cfg, &before, &st, now_us, cost, &d, s, i);
            if (!d.allowed) {
                continue;
            }
            GCRA_CHECK(cost == 1, s, i);
            gcra_test_i128 key =
                (gcra_test_i128)admitted * cfg.period_us - (gcra_test_i128)now_us * cfg.limit;
            GCRA_CHECK(admitted == 0 || key <= min_key, s, i);
            if (admitted == 0 || key < min_key) {
                min_key = key;
            }
            admitted++;
        }
        GCRA_CHECK(admitted > GCRA_TEST_REQUESTS_PER_SETTING / 20, s, -1);
    }
}

/* Any burst: admitted cost in any [t_i, t_j] <= burst + (t_j - t_i) x limit / period. */
static void test_gcra_window_bound(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, GCRA_TEST_SEED, 2);
    for (int s = 0; s < GCRA_TEST_SETTINGS; s++) {
        limiter_config cfg = gcra_test_setting_config(s, &r, 0);
        limiter_state st = {{0}};
        int64_t now_us = 0;
        gcra_test_i128 admitted = 0;
        gcra_test_i128 min_start = 0;
        int any = 0;
        for (int i = 0; i < GCRA_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += gcra_test_gap_us(&r, &cfg);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst + 1);
            limiter_state before = st;
            limiter_decision d = gcra_test_decide(&cfg, &st, now_us, cost);
            gcra_test_check_decision(&cfg, &before, &st, now_us, cost, &d, s, i);
            if (!d.allowed) {
                continue;
            }
            gcra_test_i128 start = admitted * cfg.period_us - (gcra_test_i128)cfg.limit * now_us;
            if (!any || start < min_start) {
                min_start = start;
                any = 1;
            }
            admitted += cost;
            gcra_test_i128 end = admitted * cfg.period_us - (gcra_test_i128)cfg.limit * now_us;
            GCRA_CHECK(end - min_start <= (gcra_test_i128)cfg.burst * cfg.period_us, s, i);
        }
    }
}

/* From idle (after any history, then a pause of at least burst x T), exactly burst requests of
 * cost 1 pass at one instant and the next is refused. */
static void test_gcra_burst_from_idle(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, GCRA_TEST_SEED, 3);
    int checked = 0;
    for (int s = 0; s < GCRA_TEST_SETTINGS; s++) {
        limiter_config cfg = gcra_test_setting_config(s, &r, 0);
        limiter_state st = {{0}};
        int64_t now_us = 0;
        int64_t idle_us = cfg.burst * cfg.period_us / cfg.limit + 1; /* >= burst x T */
        for (int i = 0; i < GCRA_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += gcra_test_gap_us(&r, &cfg);
            limiter_decision d = gcra_test_decide(&cfg, &st, now_us, 1);
            (void)d;
            if (rng_below(&r, 50) != 0) {
                continue;
            }
            now_us += idle_us;
            for (int64_t k = 0; k < cfg.burst; k++) {
                GCRA_CHECK(gcra_test_decide(&cfg, &st, now_us, 1).allowed, s, i);
            }
            GCRA_CHECK(!gcra_test_decide(&cfg, &st, now_us, 1).allowed, s, i);
            checked++;
        }
    }
    assert_true(checked > 1000);
}

/* With the clock jumping backwards, every decision equals the one taken at
 * max(now, latest admitted time), and stored values stay in [0, 2^53). */
static void test_gcra_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, GCRA_TEST_SEED, 4);
    for (int s = 0; s < GCRA_TEST_SETTINGS; s++) {
        limiter_config cfg = gcra_test_setting_config(s, &r, 0);
        limiter_state skewed = {{0}};
        limiter_state clamped = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        for (int i = 0; i < GCRA_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += gcra_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst);
            limiter_decision a = gcra_test_decide(&cfg, &skewed, now_us, cost);
            limiter_decision b = gcra_test_decide(&cfg, &clamped, at_us, cost);
            GCRA_CHECK(a.allowed == b.allowed, s, i);
            GCRA_CHECK(a.wait_us == b.wait_us, s, i);
            GCRA_CHECK(a.wait_us >= (a.allowed ? 0 : 1), s, i);
            if (a.allowed) {
                latest_us = at_us;
            }
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                GCRA_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcra_seven_per_second),
        cmocka_unit_test(test_gcra_burst_three),
        cmocka_unit_test(test_gcra_integer_and_sub_microsecond),
        cmocka_unit_test(test_gcra_clock_backwards),
        cmocka_unit_test(test_gcra_validate),
        cmocka_unit_test(test_gcra_burst_one_spacing),
        cmocka_unit_test(test_gcra_window_bound),
        cmocka_unit_test(test_gcra_burst_from_idle),
        cmocka_unit_test(test_gcra_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
