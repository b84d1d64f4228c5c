/* test_gcra_pace.c - GCRA pace mode: hand-computed cases, then properties over random streams.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * agreement with a plain 128-bit reference model, fire times non-decreasing and spaced by T,
 * waits within max_wait, exact retry waits for refusals, and clock skew treated as "no time
 * passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define PACE_TEST_SEED UINT64_C(0x9ace5eed03)
#define PACE_TEST_REQUESTS_PER_SETTING 20000
#define PACE_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define PACE_CHECK(cond, setting, index)                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)PACE_TEST_SEED, (int)(setting), (int)(index), __FILE__,   \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 pace_test_i128;

static limiter_config pace_test_config(int64_t limit, int64_t period_us, int64_t burst,
                                       int64_t max_wait_us) {
    limiter_config cfg = {&limiter_gcra_pace, limit, period_us, burst, max_wait_us, 0, 0, 0};
    return cfg;
}

static limiter_decision pace_test_decide(const limiter_config *cfg, limiter_state *st,
                                         int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 7/s, burst 1, no bound: fire at 0, T, 2T, 3T = 0, 142857.14, 285714.29, 428571.43. */
static void test_gcra_pace_seven_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = pace_test_config(7, 1000000, 1, 0);
    limiter_state st = {{0}};
    limiter_decision d = pace_test_decide(&cfg, &st, 0, 1);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 0);
    d = pace_test_decide(&cfg, &st, 0, 1);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 142858); /* ceil(T) */
    d = pace_test_decide(&cfg, &st, 0, 1);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 285715); /* ceil(285714 + 2/7) */
    d = pace_test_decide(&cfg, &st, 100000, 1);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 328572);  /* ceil(428571 + 3/7) - 100000 */
    assert_int_equal(st.slot[0], 571428); /* TAT = 4T = 571428 + 4/7 */
    assert_int_equal(st.slot[1], 4);
    assert_int_equal(st.slot[2], 100000);
}

/* 7/s, burst 1, max_wait 300000: the fourth request at 0 would wait 428572 > 300000. */
static void test_gcra_pace_max_wait(void **unused) {
    (void)unused;
    limiter_config cfg = pace_test_config(7, 1000000, 1, 300000);
    limiter_state st = {{0}};
    for (int i = 0; i < 3; i++) {
        assert_true(pace_test_decide(&cfg, &st, 0, 1).allowed);
    }
    limiter_decision d = pace_test_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 128572);  /* 428572 - 300000 */
    assert_int_equal(st.slot[0], 428571); /* unchanged: TAT = 3T */
    /* At 128571: ceil(428571.43 - 128571) = 300001 > 300000: 1 us more. */
    d = pace_test_decide(&cfg, &st, 128571, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    /* At 128572: ceil(299999.43) = 300000 fits. */
    d = pace_test_decide(&cfg, &st, 128572, 1);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 300000);
}

/* 7/s, burst 3: tau = 2T; three fire at once, then one every T. */
static void test_gcra_pace_burst_three(void **unused) {
    (void)unused;
    limiter_config cfg = pace_test_config(7, 1000000, 3, 0);
    limiter_state st = {{0}};
    for (int i = 0; i < 3; i++) {
        limiter_decision d = pace_test_decide(&cfg, &st, 0, 1);
        assert_true(d.allowed);
        assert_int_equal(d.wait_us, 0);
    }
    limiter_decision d = pace_test_decide(&cfg, &st, 0, 1); /* fire = 3T - 2T = T */
    assert_int_equal(d.wait_us, 142858);
    d = pace_test_decide(&cfg, &st, 0, 2); /* fire = 4T - 2T = 2T; TAT = 6T */
    assert_int_equal(d.wait_us, 285715);
    d = pace_test_decide(&cfg, &st, 0, 1); /* fire = 6T - 2T = 4T = 571428 + 4/7 */
    assert_int_equal(d.wait_us, 571429);
    /* Cost 4 > burst 3 is refused: wait until idle, ceil(7T) = 1000000. */
    d = pace_test_decide(&cfg, &st, 0, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000000);
}

/* 5 per 3 us (T = 0.6 us), burst 1: fire at 0, 0.6, 1.2, 1.8 -> waits 0, 1, 2, 2. */
static void test_gcra_pace_sub_microsecond(void **unused) {
    (void)unused;
    limiter_config cfg = pace_test_config(5, 3, 1, 0);
    limiter_state st = {{0}};
    const int64_t waits[] = {0, 1, 2, 2, 3};
    for (int i = 0; i < 5; i++) {
        limiter_decision d = pace_test_decide(&cfg, &st, 0, 1);
        assert_true(d.allowed);
        assert_int_equal(d.wait_us, waits[i]);
    }
}

static void test_gcra_pace_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = pace_test_config(7, 1000000, 1, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.max_wait_us = -1;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "max_wait_us"));
    cfg = pace_test_config(7, 1000000, 0, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst must be at least 1"));
    cfg = pace_test_config(7, 0, 1, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us must be at least 1"));
    cfg = pace_test_config(1, INT64_C(1) << 20, INT64_C(1) << 31, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "too large for exact arithmetic"));
}

/* ---- properties ---- */

typedef struct pace_test_rate {
    int64_t limit;
    int64_t period_us;
} pace_test_rate;

static const pace_test_rate pace_test_rates[] = {
    {7, 1000000}, {3, 60000000}, {13, 100000}, {1000, 1000000}, {5, 3}, {100, 7}, {1, 1},
};

#define PACE_TEST_FIXED ((int)(sizeof pace_test_rates / sizeof pace_test_rates[0]))
#define PACE_TEST_SETTINGS (PACE_TEST_FIXED + PACE_TEST_RANDOM_SETTINGS)

/* Setting index: the fixed rates, then random ones; burst 1 when burst_one; max_wait 0 (no
 * bound) or a few T. */
static limiter_config pace_test_setting_config(int index, rng *r, int burst_one) {
    int64_t limit;
    int64_t period_us;
    if (index < PACE_TEST_FIXED) {
        limit = pace_test_rates[index].limit;
        period_us = pace_test_rates[index].period_us;
    } else {
        limit = 1 + (int64_t)rng_below(r, 100);
        period_us = 1 + (int64_t)rng_below(r, 3000000);
    }
    int64_t burst = burst_one ? 1 : 1 + (int64_t)rng_below(r, 10);
    int64_t max_wait_us = 0;
    if (rng_below(r, 3) != 0) {
        max_wait_us = 1 + (int64_t)rng_below(r, (uint64_t)(8 * (period_us / limit + 1)));
    }
    return pace_test_config(limit, period_us, burst, max_wait_us);
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t pace_test_gap_us(rng *r, const limiter_config *cfg) {
    int64_t t_us = cfg->period_us / cfg->limit + 1;
    uint64_t kind = rng_below(r, 10);
    if (kind < 4) {
        return 0;
    }
    if (kind < 9) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_us));
    }
    return (int64_t)rng_below(r, (uint64_t)(4 * cfg->burst * t_us + 1));
}

/* The reference: TAT x limit as one 128-bit number, times scaled by limit (no gcd, no
 * fractions): fire = max(now, TAT - (burst - 1) x T). */
typedef struct pace_test_model {
    pace_test_i128 tat_scaled;
    int64_t latest_us;
} pace_test_model;

static limiter_decision pace_test_model_decide(pace_test_model *m, const limiter_config *cfg,
                                               int64_t now_us, int64_t cost) {
    limiter_decision d = {false, 0};
    int64_t at_us = now_us > m->latest_us ? now_us : m->latest_us;
    pace_test_i128 at_scaled = (pace_test_i128)at_us * cfg->limit;
    if (cost > cfg->burst) {
        pace_test_i128 idle = m->tat_scaled - at_scaled;
        pace_test_i128 w = idle <= 0 ? 0 : (idle + cfg->limit - 1) / cfg->limit;
        d.wait_us = w < 1 ? 1 : (int64_t)w;
        return d;
    }
    pace_test_i128 fire = m->tat_scaled - (pace_test_i128)(cfg->burst - 1) * cfg->period_us;
    if (fire < at_scaled) {
        fire = at_scaled;
    }
    int64_t wait_us = (int64_t)((fire - at_scaled + cfg->limit - 1) / cfg->limit);
    int64_t wait_max_us = cfg->max_wait_us > 0 ? cfg->max_wait_us : INT64_C(1) << 50;
    if (wait_us > wait_max_us) {
        d.wait_us = wait_us - wait_max_us;
        return d;
    }
    pace_test_i128 base = fire > m->tat_scaled ? fire : m->tat_scaled;
    m->tat_scaled = base + (pace_test_i128)cost * cfg->period_us;
    m->latest_us = at_us;
    d.allowed = true;
    d.wait_us = wait_us;
    return d;
}

/* Decisions equal the reference's; fire times are non-decreasing; waits within max_wait;
 * a refused request (cost <= burst) passes exactly at now + wait and not 1 us earlier; and
 * for slots S (cumulative cost) and integer fire times F of admissions i < j:
 * (S_j - S_i - (burst - 1)) x period < (F_j - F_i + 1) x limit, i.e. one slot per T after the
 * tolerance (with burst 1: fire times never closer than T, up to the 1 us rounding). */
static void pace_test_run_stream(int burst_one, uint64_t stream) {
    rng r;
    rng_seed(&r, PACE_TEST_SEED, stream);
    int allowed = 0;
    int refused = 0;
    for (int s = 0; s < PACE_TEST_SETTINGS; s++) {
        limiter_config cfg = pace_test_setting_config(s, &r, burst_one);
        assert_int_equal(limiter_config_validate(&cfg, NULL), 0);
        limiter_state st = {{0}};
        pace_test_model model = {0, 0};
        int64_t now_us = 0;
        int64_t last_fire_us = 0;
        int64_t slots = 0;
        pace_test_i128 min_key = 0;
        for (int i = 0; i < PACE_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += pace_test_gap_us(&r, &cfg);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst + 1);
            limiter_state before = st;
            limiter_decision d = pace_test_decide(&cfg, &st, now_us, cost);
            limiter_decision ref = pace_test_model_decide(&model, &cfg, now_us, cost);
            PACE_CHECK(d.allowed == ref.allowed, s, i);
            PACE_CHECK(d.wait_us == ref.wait_us, s, i);
            PACE_CHECK(d.wait_us >= 0, s, i);
            if (!d.allowed) {
                refused++;
                PACE_CHECK(d.wait_us >= 1, s, i);
                PACE_CHECK(memcmp(&before, &st, sizeof st) == 0, s, i);
                if (cost <= cfg.burst) {
                    limiter_state retry = before;
                    limiter_decision again =
                        pace_test_decide(&cfg, &retry, now_us + d.wait_us, cost);
                    PACE_CHECK(again.allowed, s, i);
                    retry = before;
                    if (d.wait_us > 1) {
                        PACE_CHECK(
                            !pace_test_decide(&cfg, &retry, now_us + d.wait_us - 1, cost).allowed,
                            s, i);
                    }
                }
                continue;
            }
            allowed++;
            PACE_CHECK(cfg.max_wait_us == 0 || d.wait_us <= cfg.max_wait_us, s, i);
            int64_t fire_us = now_us + d.wait_us;
            PACE_CHECK(fire_us >= last_fire_us, s, i);
            last_fire_us = fire_us;
            pace_test_i128 key =
                (pace_test_i128)slots * cfg.period_us - (pace_test_i128)fire_us * cfg.limit;
            if (slots > 0) {
                PACE_CHECK(key - min_key <
                               (pace_test_i128)(cfg.burst - 1) * cfg.period_us + cfg.limit,
                           s, i);
            }
            if (slots == 0 || key < min_key) {
                min_key = key;
            }
            slots += cost;
        }
    }
    assert_true(allowed > PACE_TEST_SETTINGS * PACE_TEST_REQUESTS_PER_SETTING / 10);
    assert_true(refused > PACE_TEST_SETTINGS * PACE_TEST_REQUESTS_PER_SETTING / 20);
}

static void test_gcra_pace_stream_burst_one(void **unused) {
    (void)unused;
    pace_test_run_stream(1, 1);
}

static void test_gcra_pace_stream_any_burst(void **unused) {
    (void)unused;
    pace_test_run_stream(0, 2);
}

/* With the clock jumping backwards, every decision equals the one taken at
 * max(now, latest admitted time), and stored values stay in [0, 2^53). */
static void test_gcra_pace_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, PACE_TEST_SEED, 3);
    for (int s = 0; s < PACE_TEST_SETTINGS; s++) {
        limiter_config cfg = pace_test_setting_config(s, &r, 0);
        limiter_state skewed = {{0}};
        limiter_state clamped = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        for (int i = 0; i < PACE_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += pace_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst);
            limiter_decision a = pace_test_decide(&cfg, &skewed, now_us, cost);
            limiter_decision b = pace_test_decide(&cfg, &clamped, at_us, cost);
            PACE_CHECK(a.allowed == b.allowed, s, i);
            PACE_CHECK(a.wait_us == b.wait_us, s, i);
            PACE_CHECK(a.wait_us >= (a.allowed ? 0 : 1), s, i);
            if (a.allowed) {
                latest_us = at_us;
            }
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                PACE_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcra_pace_seven_per_second),
        cmocka_unit_test(test_gcra_pace_max_wait),
        cmocka_unit_test(test_gcra_pace_burst_three),
        cmocka_unit_test(test_gcra_pace_sub_microsecond),
        cmocka_unit_test(test_gcra_pace_validate),
        cmocka_unit_test(test_gcra_pace_stream_burst_one),
        cmocka_unit_test(test_gcra_pace_stream_any_burst),
        cmocka_unit_test(test_gcra_pace_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
