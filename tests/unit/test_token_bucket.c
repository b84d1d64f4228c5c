/* test_token_bucket.c - token bucket: hand-computed cases, then properties over random streams.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * the window bound, decision-by-decision equivalence with gcra, exact retry waits, and clock
 * skew treated as "no time passed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define TB_SEED UINT64_C(0x7b5eed0001)
#define TB_REQUESTS_PER_SETTING 20000
#define TB_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define TB_CHECK(cond, setting, index)                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)TB_SEED, (int)(setting), (int)(index), __FILE__,          \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 tb_i128;

static limiter_config tb_config(int64_t limit, int64_t period_us, int64_t burst) {
    limiter_config cfg = {&limiter_token_bucket, limit, period_us, burst, 0, 0, 0, 0};
    return cfg;
}

static limiter_decision tb_decide(const limiter_config *cfg, limiter_state *st, int64_t now_us,
                                  int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 7/s, burst 3: T = 1e6/7 = 142857 + 1/7 us; tokens counted in 1/1e6 (gcd(7, 1e6) = 1). */
static void test_token_bucket_seven_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = tb_config(7, 1000000, 3);
    limiter_state st = {{0}};
    /* Starts full: three requests at t = 0 pass, the fourth is refused. */
    for (int i = 0; i < 3; i++) {
        limiter_decision d = tb_decide(&cfg, &st, 0, 1);
        assert_true(d.allowed);
        assert_int_equal(d.wait_us, 0);
    }
    /* Deficit 3e6; one more token missing: 1e6 / 7 = 142857.14 -> 142858 us. */
    limiter_decision d = tb_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
    /* At 142857 us, 142857 x 7 = 999999 units refilled: 1 unit short -> ceil(1/7) = 1 us. */
    d = tb_decide(&cfg, &st, 142857, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    /* At 142858 us, 1000006 units refilled: allowed; deficit 3e6 - 1000006 + 1e6 = 2999994. */
    d = tb_decide(&cfg, &st, 142858, 1);
    assert_true(d.allowed);
    assert_int_equal(st.slot[0], 142858);
    assert_int_equal(st.slot[1], 2999994);
    /* Cost 2 needs 2e6 - (3e6 - 2999994) = 1999994 units: ceil(1999994 / 7) = 285714 us. */
    d = tb_decide(&cfg, &st, 142858, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 285714);
    d = tb_decide(&cfg, &st, 142858 + 285713, 2);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    d = tb_decide(&cfg, &st, 142858 + 285714, 2);
    assert_true(d.allowed);
    /* Cost 4 > burst 3 never passes: wait until full. Deficit at 428572 is
     * 2999994 - 285714 x 7 + 2e6 = 2999996 -> ceil(2999996 / 7) = 428571 us. */
    d = tb_decide(&cfg, &st, 428572, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 428571);
}

/* 3/min, burst 1: gcd(3, 6e7) = 3, so 1 token per 2e7 us, exactly. */
static void test_token_bucket_three_per_minute(void **unused) {
    (void)unused;
    limiter_config cfg = tb_config(3, 60000000, 1);
    limiter_state st = {{0}};
    assert_true(tb_decide(&cfg, &st, 0, 1).allowed);
    limiter_decision d = tb_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 20000000);
    d = tb_decide(&cfg, &st, 19999999, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(tb_decide(&cfg, &st, 20000000, 1).allowed);
    /* Idle for a long time: the bucket holds at most one token. */
    assert_true(tb_decide(&cfg, &st, INT64_C(1) << 39, 1).allowed);
    assert_false(tb_decide(&cfg, &st, INT64_C(1) << 39, 1).allowed);
}

/* 5 per 3 us (T = 0.6 us), burst 2: several tokens per microsecond. */
static void test_token_bucket_sub_microsecond(void **unused) {
    (void)unused;
    limiter_config cfg = tb_config(5, 3, 2);
    limiter_state st = {{0}};
    assert_true(tb_decide(&cfg, &st, 0, 2).allowed); /* deficit 2 x 3 = 6 units */
    limiter_decision d = tb_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);                  /* needs 3 units, 5 per us */
    assert_true(tb_decide(&cfg, &st, 1, 1).allowed); /* 6 - 5 + 3 = 4 */
    d = tb_decide(&cfg, &st, 1, 1);                  /* 4 + 3 - 6 = 1 missing */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(tb_decide(&cfg, &st, 2, 2).allowed); /* 4 - 5 -> 0, + 6 */
}

/* A request from a clock behind the latest admission counts as at that admission. */
static void test_token_bucket_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = tb_config(1, 1000, 1);
    limiter_state st = {{0}};
    assert_true(tb_decide(&cfg, &st, 5000, 1).allowed);
    limiter_decision d = tb_decide(&cfg, &st, 1000, 1); /* counts as 5000: 1000 us to go */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000);
    assert_int_equal(st.slot[0], 5000);
    d = tb_decide(&cfg, &st, 5999, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    assert_true(tb_decide(&cfg, &st, 6000, 1).allowed);
}

static void test_token_bucket_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = tb_config(7, 1000000, 3);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.burst = 0;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst must be at least 1"));
    cfg = tb_config(0, 1000000, 3);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit"));
    cfg = tb_config(7, -5, 3);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "period_us"));
    /* burst x period = 2^33 x 2^20 = 2^53: refused; one less burst passes. */
    cfg = tb_config(1, INT64_C(1) << 20, INT64_C(1) << 33);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst x period is too large"));
    cfg.burst--;
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    /* Reduced by the gcd: 2^20 per 2^40 us is 1 per 2^20 us. */
    cfg = tb_config(INT64_C(1) << 20, INT64_C(1) << 40, (INT64_C(1) << 33) - 1);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
}

/* ---- properties ---- */

typedef struct tb_setting {
    int64_t limit;
    int64_t period_us;
    int64_t burst;
} tb_setting;

static const tb_setting tb_fixed_settings[] = {
    {7, 1000000, 1},     {7, 1000000, 5}, {3, 60000000, 2}, {13, 100000, 4},
    {1000, 1000000, 50}, {5, 3, 2},       {100, 7, 3},
};

#define TB_FIXED_COUNT ((int)(sizeof tb_fixed_settings / sizeof tb_fixed_settings[0]))
#define TB_SETTING_COUNT (TB_FIXED_COUNT + TB_RANDOM_SETTINGS)

/* Setting index: the fixed ones, then random ones drawn from r. */
static limiter_config tb_setting_config(int index, rng *r) {
    if (index < TB_FIXED_COUNT) {
        const tb_setting *s = &tb_fixed_settings[index];
        return tb_config(s->limit, s->period_us, s->burst);
    }
    return tb_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000),
                     1 + (int64_t)rng_below(r, 20));
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t tb_random_gap_us(rng *r, const limiter_config *cfg) {
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
static void tb_check_decision(const limiter_config *cfg, const limiter_state *before,
                              const limiter_state *after, int64_t now_us, int64_t cost,
                              const limiter_decision *d, int setting, int index) {
    TB_CHECK(d->wait_us >= 0, setting, index);
    if (d->allowed) {
        TB_CHECK(d->wait_us == 0, setting, index);
        return;
    }
    TB_CHECK(d->wait_us >= 1, setting, index);
    TB_CHECK(memcmp(before, after, sizeof *before) == 0, setting, index); /* unchanged */
    if (cost > cfg->burst) {
        return;
    }
    limiter_state retry = *before;
    TB_CHECK(tb_decide(cfg, &retry, now_us + d->wait_us, cost).allowed, setting, index);
    if (d->wait_us > 1) {
        retry = *before;
        TB_CHECK(!tb_decide(cfg, &retry, now_us + d->wait_us - 1, cost).allowed, setting, index);
    }
}

/* Admitted cost in any [t_i, t_j] is at most burst + limit x (t_j - t_i) / period (exactly;
 * hence at most burst + ceil(limit x W / period)). Checked over all pairs with a running
 * minimum of C_before(i) x period - limit x t_i. */
static void test_token_bucket_window_bound(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, TB_SEED, 1);
    for (int s = 0; s < TB_SETTING_COUNT; s++) {
        limiter_config cfg = tb_setting_config(s, &r);
        limiter_state st = {{0}};
        int64_t now_us = (int64_t)rng_below(&r, 1000);
        tb_i128 admitted = 0;
        tb_i128 min_start = 0;
        int any = 0;
        for (int i = 0; i < TB_REQUESTS_PER_SETTING; i++) {
            now_us += tb_random_gap_us(&r, &cfg);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst + 1); /* may exceed */
            limiter_state before = st;
            limiter_decision d = tb_decide(&cfg, &st, now_us, cost);
            tb_check_decision(&cfg, &before, &st, now_us, cost, &d, s, i);
            if (!d.allowed) {
                continue;
            }
            tb_i128 start = admitted * cfg.period_us - (tb_i128)cfg.limit * now_us;
            if (!any || start < min_start) {
                min_start = start;
                any = 1;
            }
            admitted += cost;
            tb_i128 end = admitted * cfg.period_us - (tb_i128)cfg.limit * now_us;
            TB_CHECK(end - min_start <= (tb_i128)cfg.burst * cfg.period_us, s, i);
        }
    }
}

/* token_bucket(capacity b, rate r) and gcra(limit r, burst b) agree on every decision and
 * wait, over costs 1..b and monotone times. */
static void test_token_bucket_equals_gcra(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, TB_SEED, 2);
    int allowed = 0;
    int refused = 0;
    for (int s = 0; s < TB_SETTING_COUNT; s++) {
        limiter_config tb = tb_setting_config(s, &r);
        limiter_config gcra = tb;
        gcra.algorithm = &limiter_gcra;
        assert_int_equal(limiter_config_validate(&gcra, NULL), 0);
        limiter_state tb_st = {{0}};
        limiter_state gcra_st = {{0}};
        int64_t now_us = 0;
        for (int i = 0; i < TB_REQUESTS_PER_SETTING; i++) {
            now_us += tb_random_gap_us(&r, &tb);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)tb.burst);
            limiter_decision a = tb_decide(&tb, &tb_st, now_us, cost);
            limiter_decision b = tb_decide(&gcra, &gcra_st, now_us, cost);
            TB_CHECK(a.allowed == b.allowed, s, i);
            TB_CHECK(a.wait_us == b.wait_us, s, i);
            if (a.allowed) {
                allowed++;
            } else {
                refused++;
            }
        }
    }
    /* The streams must exercise both answers. */
    assert_true(allowed > TB_SETTING_COUNT * TB_REQUESTS_PER_SETTING / 10);
    assert_true(refused > TB_SETTING_COUNT * TB_REQUESTS_PER_SETTING / 10);
}

/* With the clock jumping backwards, every decision equals the one taken at
 * max(now, latest admitted time), and stored values stay in [0, 2^53). */
static void test_token_bucket_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, TB_SEED, 3);
    for (int s = 0; s < TB_SETTING_COUNT; s++) {
        limiter_config cfg = tb_setting_config(s, &r);
        limiter_state skewed = {{0}};
        limiter_state clamped = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        for (int i = 0; i < TB_REQUESTS_PER_SETTING; i++) {
            clock_us += tb_random_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cfg.burst);
            limiter_decision a = tb_decide(&cfg, &skewed, now_us, cost);
            limiter_decision b = tb_decide(&cfg, &clamped, at_us, cost);
            TB_CHECK(a.allowed == b.allowed, s, i);
            TB_CHECK(a.wait_us == b.wait_us, s, i);
            TB_CHECK(a.wait_us >= (a.allowed ? 0 : 1), s, i);
            if (a.allowed) {
                latest_us = at_us;
            }
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                TB_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_bucket_seven_per_second),
        cmocka_unit_test(test_token_bucket_three_per_minute),
        cmocka_unit_test(test_token_bucket_sub_microsecond),
        cmocka_unit_test(test_token_bucket_clock_backwards),
        cmocka_unit_test(test_token_bucket_validate),
        cmocka_unit_test(test_token_bucket_window_bound),
        cmocka_unit_test(test_token_bucket_equals_gcra),
        cmocka_unit_test(test_token_bucket_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
