/* test_leaky_bucket_queue.c - leaky bucket as a queue: hand-computed cases, then properties.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message):
 * agreement with a plain 128-bit reference model, FIFO departures spaced by T, at most
 * queue_max waiting, exact retry waits for refusals, and clock skew treated as "no time
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

#define QUEUE_TEST_SEED UINT64_C(0x90e0e5eed05)
#define QUEUE_TEST_REQUESTS_PER_SETTING 20000
#define QUEUE_TEST_RANDOM_SETTINGS 6

/* Fails with the seed, setting and request index when cond is false. */
#define QUEUE_CHECK(cond, setting, index)                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, setting %d, request %d (%s:%d)", #cond,              \
                     (unsigned long long)QUEUE_TEST_SEED, (int)(setting), (int)(index), __FILE__,  \
                     __LINE__);                                                                    \
        }                                                                                          \
    } while (0)

__extension__ typedef __int128 queue_test_i128;

static limiter_config queue_test_config(int64_t limit, int64_t period_us, int64_t queue_max) {
    limiter_config cfg = {&limiter_leaky_bucket_queue, limit, period_us, 0, 0, queue_max, 0, 0};
    return cfg;
}

static limiter_decision queue_test_decide(const limiter_config *cfg, limiter_state *st,
                                          int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- hand-computed cases ---- */

/* 7/s, queue_max 2: T = 142857 + 1/7 us; departures at 0, T, 2T, ... */
static void test_leaky_bucket_queue_seven_per_second(void **unused) {
    (void)unused;
    limiter_config cfg = queue_test_config(7, 1000000, 2);
    limiter_state st = {{0}};
    const int64_t waits[] = {0, 142858, 285715}; /* ceil(0), ceil(T), ceil(2T) */
    for (int i = 0; i < 3; i++) {
        limiter_decision d = queue_test_decide(&cfg, &st, 0, 1);
        assert_true(d.allowed);
        assert_int_equal(d.wait_us, waits[i]);
    }
    /* Waiting after 0: T and 2T, the queue is full. next' = 4T > 0 + 3T: refused until
     * 4T - 3T = T has passed, ceil -> 142858. */
    assert_int_equal(st.slot[0], 428571); /* next = 3T = 428571 + 3/7 */
    assert_int_equal(st.slot[1], 3);
    limiter_decision d = queue_test_decide(&cfg, &st, 0, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 142858);
    d = queue_test_decide(&cfg, &st, 142857, 1); /* T = 142857.14 has not left yet */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1);
    d = queue_test_decide(&cfg, &st, 142858, 1); /* departs at 3T: ceil(428571.43) - 142858 */
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 285714);
    /* Cost 4 > queue_max + 1 never joins: wait until empty (next = 4T = 571428 + 4/7):
     * ceil(571428.57 - 142858) = 428571. */
    d = queue_test_decide(&cfg, &st, 142858, 4);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 428571);
}

/* Cost 3 with queue_max 2 from idle: departures at now, now + T, now + 2T: joins. */
static void test_leaky_bucket_queue_cost(void **unused) {
    (void)unused;
    limiter_config cfg = queue_test_config(3, 60000000, 2); /* T = 2e7 us */
    limiter_state st = {{0}};
    limiter_decision d = queue_test_decide(&cfg, &st, 1000, 3);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 0);
    assert_int_equal(st.slot[0], 60001000);
    d = queue_test_decide(&cfg, &st, 1000, 1); /* next' = 1000 + 4T > 1000 + 3T */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 20000000);
    d = queue_test_decide(&cfg, &st, 20001000, 1); /* departs at 1000 + 3T */
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 40000000);
}

/* Clock behind the latest admission counts as that admission's time. */
static void test_leaky_bucket_queue_clock_backwards(void **unused) {
    (void)unused;
    limiter_config cfg = queue_test_config(1, 1000, 1);
    limiter_state st = {{0}};
    assert_true(queue_test_decide(&cfg, &st, 5000, 1).allowed); /* departs 5000, next 6000 */
    limiter_decision d = queue_test_decide(&cfg, &st, 10, 1);   /* counts as 5000 */
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 1000);
    d = queue_test_decide(&cfg, &st, 10, 1);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000); /* next' = 8000 - 2 x 1000 - 5000 */
}

static void test_leaky_bucket_queue_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = queue_test_config(7, 1000000, 2);
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    cfg.queue_max = 0;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "queue_max must be at least 1"));
    cfg = queue_test_config(0, 1000000, 2);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "limit must be at least 1"));
    cfg = queue_test_config(1, INT64_C(1) << 20, INT64_C(1) << 32);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "too large for exact arithmetic"));
}

/* ---- properties ---- */

typedef struct queue_test_rate {
    int64_t limit;
    int64_t period_us;
} queue_test_rate;

static const queue_test_rate queue_test_rates[] = {
    {7, 1000000}, {3, 60000000}, {13, 100000}, {1000, 1000000}, {5, 3}, {100, 7}, {1, 1},
};

#define QUEUE_TEST_FIXED ((int)(sizeof queue_test_rates / sizeof queue_test_rates[0]))
#define QUEUE_TEST_SETTINGS (QUEUE_TEST_FIXED + QUEUE_TEST_RANDOM_SETTINGS)

static limiter_config queue_test_setting_config(int index, rng *r) {
    int64_t queue_max = 1 + (int64_t)rng_below(r, 10);
    if (index < QUEUE_TEST_FIXED) {
        return queue_test_config(queue_test_rates[index].limit, queue_test_rates[index].period_us,
                                 queue_max);
    }
    return queue_test_config(1 + (int64_t)rng_below(r, 100), 1 + (int64_t)rng_below(r, 3000000),
                             queue_max);
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t queue_test_gap_us(rng *r, const limiter_config *cfg) {
    int64_t t_us = cfg->period_us / cfg->limit + 1;
    uint64_t kind = rng_below(r, 10);
    if (kind < 4) {
        return 0;
    }
    if (kind < 9) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_us));
    }
    return (int64_t)rng_below(r, (uint64_t)(2 * cfg->queue_max * t_us + 1));
}

/* The reference: next free departure x limit as one 128-bit number (no gcd, no fractions). */
typedef struct queue_test_model {
    queue_test_i128 next_scaled;
    int64_t latest_us;
} queue_test_model;

static queue_test_i128 queue_test_ceil(queue_test_i128 scaled, int64_t limit) {
    return scaled <= 0 ? -((-scaled) / limit) : (scaled + limit - 1) / limit;
}

static limiter_decision queue_test_model_decide(queue_test_model *m, const limiter_config *cfg,
                                                int64_t now_us, int64_t cost) {
    limiter_decision d = {false, 0};
    int64_t at_us = now_us > m->latest_us ? now_us : m->latest_us;
    queue_test_i128 at_scaled = (queue_test_i128)at_us * cfg->limit;
    queue_test_i128 span = (queue_test_i128)(cfg->queue_max + 1) * cfg->period_us;
    if (cost > cfg->queue_max + 1) {
        queue_test_i128 w = queue_test_ceil(m->next_scaled - at_scaled, cfg->limit);
        d.wait_us = w < 1 ? 1 : (int64_t)w;
        return d;
    }
    queue_test_i128 departure = m->next_scaled > at_scaled ? m->next_scaled : at_scaled;
    queue_test_i128 next = departure + (queue_test_i128)cost * cfg->period_us;
    if (next - at_scaled > span) {
        d.wait_us = (int64_t)queue_test_ceil(next - span - at_scaled, cfg->limit);
        return d;
    }
    m->next_scaled = next;
    m->latest_us = at_us;
    d.allowed = true;
    d.wait_us = (int64_t)queue_test_ceil(departure - at_scaled, cfg->limit);
    return d;
}

/* Runs the streams; cost_max 1 also checks the queue bound by counting waiting departures. */
static void queue_test_run_stream(int64_t cost_max, uint64_t stream) {
    rng r;
    rng_seed(&r, QUEUE_TEST_SEED, stream);
    int allowed = 0;
    int refused = 0;
    enum { DEPARTURES_MAX = QUEUE_TEST_REQUESTS_PER_SETTING };
    static int64_t departures_us[DEPARTURES_MAX];
    for (int s = 0; s < QUEUE_TEST_SETTINGS; s++) {
        limiter_config cfg = queue_test_setting_config(s, &r);
        assert_int_equal(limiter_config_validate(&cfg, NULL), 0);
        limiter_state st = {{0}};
        queue_test_model model = {0, 0};
        int64_t now_us = 0;
        int64_t slots = 0;
        int departed = 0; /* departures_us[0..departed) are <= now */
        int admitted = 0;
        queue_test_i128 min_key = 0;
        for (int i = 0; i < QUEUE_TEST_REQUESTS_PER_SETTING; i++) {
            now_us += queue_test_gap_us(&r, &cfg);
            int64_t cost = 1 + (int64_t)rng_below(&r, (uint64_t)cost_max);
            limiter_state before = st;
            limiter_decision d = queue_test_decide(&cfg, &st, now_us, cost);
            limiter_decision ref = queue_test_model_decide(&model, &cfg, now_us, cost);
            QUEUE_CHECK(d.allowed == ref.allowed, s, i);
            QUEUE_CHECK(d.wait_us == ref.wait_us, s, i);
            QUEUE_CHECK(d.wait_us >= 0, s, i);
            if (!d.allowed) {
                refused++;
                QUEUE_CHECK(d.wait_us >= 1, s, i);
                QUEUE_CHECK(memcmp(&before, &st, sizeof st) == 0, s, i);
                if (cost <= cfg.queue_max + 1) {
                    limiter_state retry = before;
                    QUEUE_CHECK(queue_test_decide(&cfg, &retry, now_us + d.wait_us, cost).allowed,
                                s, i);
                    retry = before;
                    QUEUE_CHECK(
                        d.wait_us == 1 ||
                            !queue_test_decide(&cfg, &retry, now_us + d.wait_us - 1, cost).allowed,
                        s, i);
                }
                continue;
            }
            allowed++;
            /* FIFO, one departure per T: (S_j - S_i) x period < (F_j - F_i + 1) x limit. */
            int64_t departure_us = now_us + d.wait_us;
            queue_test_i128 key =
                (queue_test_i128)slots * cfg.period_us - (queue_test_i128)departure_us * cfg.limit;
            QUEUE_CHECK(admitted == 0 || departure_us >= departures_us[admitted - 1], s, i);
            QUEUE_CHECK(admitted == 0 || key - min_key < cfg.limit, s, i);
            if (admitted == 0 || key < min_key) {
                min_key = key;
            }
            slots += cost;
            departures_us[admitted++] = departure_us;
            if (cost_max == 1) {
                /* Waiting = admitted requests departing strictly after now. */
                while (departed < admitted && departures_us[departed] <= now_us) {
                    departed++;
                }
                QUEUE_CHECK(admitted - departed <= cfg.queue_max, s, i);
            }
        }
    }
    assert_true(allowed > QUEUE_TEST_SETTINGS * QUEUE_TEST_REQUESTS_PER_SETTING / 10);
    assert_true(refused > QUEUE_TEST_SETTINGS * QUEUE_TEST_REQUESTS_PER_SETTING / 20);
}

static void test_leaky_bucket_queue_stream_unit_cost(void **unused) {
    (void)unused;
    queue_test_run_stream(1, 1);
}

static void test_leaky_bucket_queue_stream_costs(void **unused) {
    (void)unused;
    queue_test_run_stream(4, 2);
}

/* With the clock jumping backwards, every decision equals the one taken at
 * max(now, latest admitted time), and stored values stay in [0, 2^53). */
static void test_leaky_bucket_queue_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, QUEUE_TEST_SEED, 3);
    for (int s = 0; s < QUEUE_TEST_SETTINGS; s++) {
        limiter_config cfg = queue_test_setting_config(s, &r);
        limiter_state skewed = {{0}};
        limiter_state clamped = {{0}};
        int64_t clock_us = 0;
        int64_t latest_us = 0;
        for (int i = 0; i < QUEUE_TEST_REQUESTS_PER_SETTING; i++) {
            clock_us += queue_test_gap_us(&r, &cfg);
            int64_t now_us = clock_us;
            if (rng_below(&r, 4) == 0) {
                now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
            }
            int64_t at_us = now_us > latest_us ? now_us : latest_us;
            int64_t cost = 1 + (int64_t)rng_below(&r, 3);
            limiter_decision a = queue_test_decide(&cfg, &skewed, now_us, cost);
            limiter_decision b = queue_test_decide(&cfg, &clamped, at_us, cost);
            QUEUE_CHECK(a.allowed == b.allowed, s, i);
            QUEUE_CHECK(a.wait_us == b.wait_us, s, i);
            QUEUE_CHECK(a.wait_us >= (a.allowed ? 0 : 1), s, i);
            if (a.allowed) {
                latest_us = at_us;
            }
            for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                QUEUE_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, s, i);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaky_bucket_queue_seven_per_second),
        cmocka_unit_test(test_leaky_bucket_queue_cost),
        cmocka_unit_test(test_leaky_bucket_queue_clock_backwards),
        cmocka_unit_test(test_leaky_bucket_queue_validate),
        cmocka_unit_test(test_leaky_bucket_queue_stream_unit_cost),
        cmocka_unit_test(test_leaky_bucket_queue_stream_costs),
        cmocka_unit_test(test_leaky_bucket_queue_clock_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
