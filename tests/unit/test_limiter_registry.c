/* test_limiter_registry.c - the registry, validation, and properties every algorithm must keep.
 *
 * Properties run over fixed-seed random request streams (the seed is in every failure message)
 * for every registered algorithm: a fresh state admits, waits are never negative, refusals leave
 * the state unchanged and pass when retried at now + wait, decisions are pure, clock skew is
 * "no time passed", and stored values stay below 2^53 even at the edge of what validate
 * accepts with now_us near 2^40. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define REGISTRY_TEST_SEED UINT64_C(0x2e915eed09)
#define REGISTRY_TEST_SETTINGS 12
#define REGISTRY_TEST_REQUESTS_PER_SETTING 10000

/* Fails with the seed, algorithm, setting and request index when cond is false. */
#define REGISTRY_CHECK(cond, alg, setting, index)                                                  \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fail_msg("%s failed: seed 0x%llx, algorithm %s, setting %d, request %d (%s:%d)",       \
                     #cond, (unsigned long long)REGISTRY_TEST_SEED, (alg)->name, (int)(setting),   \
                     (int)(index), __FILE__, __LINE__);                                            \
        }                                                                                          \
    } while (0)

static const char *const registry_test_names[] = {
    "token_bucket", "token_bucket_interval", "gcra",
    "gcra_pace",    "leaky_bucket_meter",    "leaky_bucket_queue",
    "fixed_window", "sliding_window",        "unlimited",
    "aimd",         "sre_throttle",          "gradient",
    "selector",
};

#define REGISTRY_TEST_NAME_COUNT (sizeof registry_test_names / sizeof registry_test_names[0])

static limiter_decision registry_test_decide(const limiter_config *cfg, limiter_state *st,
                                             int64_t now_us, int64_t cost) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, cost, &d);
    return d;
}

/* ---- the registry ---- */

static void test_limiter_registry_names(void **unused) {
    (void)unused;
    assert_int_equal(limiter_algorithm_count(), REGISTRY_TEST_NAME_COUNT);
    for (size_t i = 0; i < REGISTRY_TEST_NAME_COUNT; i++) {
        const limiter_algorithm *alg = limiter_algorithm_find(registry_test_names[i]);
        assert_non_null(alg);
        assert_ptr_equal(alg, limiter_algorithm_at(i)); /* in the documented order */
        assert_string_equal(alg->name, registry_test_names[i]);
        assert_non_null(alg->summary);
        assert_true(strlen(alg->summary) > 0);
        assert_non_null(alg->validate);
        assert_non_null(alg->decide);
        for (size_t j = 0; j < i; j++) {
            assert_true(strcmp(limiter_algorithm_at(j)->name, alg->name) != 0);
        }
    }
    assert_null(limiter_algorithm_at(REGISTRY_TEST_NAME_COUNT));
    assert_null(limiter_algorithm_find("nope"));
    assert_null(limiter_algorithm_find(""));
    assert_null(limiter_algorithm_find("GCRA"));
    assert_null(limiter_algorithm_find(NULL));
    assert_ptr_equal(limiter_algorithm_find("gcra"), &limiter_gcra);
    assert_true(limiter_algorithm_find("gcra_pace")->paces);
    assert_true(limiter_algorithm_find("leaky_bucket_queue")->paces);
    assert_false(limiter_algorithm_find("gcra")->paces);
    assert_int_equal(limiter_algorithm_find("unlimited")->params, 0);
    /* the four that learn from the API's answers, and only they, observe */
    const char *const learning[] = {"aimd", "sre_throttle", "gradient", "selector"};
    size_t observing = 0;
    for (size_t i = 0; i < REGISTRY_TEST_NAME_COUNT; i++) {
        observing += limiter_algorithm_at(i)->observe != NULL;
    }
    assert_int_equal(observing, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(limiter_algorithm_find(learning[i])->observe);
    }
    assert_int_equal(limiter_algorithm_find("sre_throttle")->params & LIMITER_PARAM_RATE, 0);
    assert_int_equal(limiter_algorithm_find("gradient")->params & LIMITER_PARAM_RATE, 0);
    assert_true(limiter_algorithm_find("selector")->paces);
}

/* A valid configuration for alg: every field it reads set to a sane value. */
static limiter_config registry_test_valid(const limiter_algorithm *alg) {
    limiter_config cfg = {alg, 7, 1000000, 3, 0, 2, 2000, 1000000};
    return cfg;
}

static void test_limiter_registry_validate(void **unused) {
    (void)unused;
    rl_error err;
    assert_int_equal(limiter_config_validate(NULL, &err), RL_ERR_INVALID);
    limiter_config none = {NULL, 7, 1000000, 3, 0, 2, 0, 0};
    assert_int_equal(limiter_config_validate(&none, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "algorithm"));
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        const limiter_algorithm *alg = limiter_algorithm_at(i);
        limiter_config cfg = registry_test_valid(alg);
        rl_error_clear(&err);
        assert_int_equal(limiter_config_validate(&cfg, &err), 0);
        /* Settings an algorithm does not read are not checked. */
        limiter_config unread = cfg;
        if (!(alg->params & LIMITER_PARAM_BURST)) {
            unread.burst = -5;
        }
        if (!(alg->params & LIMITER_PARAM_MAX_WAIT)) {
            unread.max_wait_us = -5;
        }
        if (!(alg->params & LIMITER_PARAM_QUEUE)) {
            unread.queue_max = -5;
        }
        if (!(alg->params & LIMITER_PARAM_RATE)) {
            unread.limit = 0;
            unread.period_us = 0;
        }
        assert_int_equal(limiter_config_validate(&unread, &err), 0);
        if (alg->params & LIMITER_PARAM_RATE) {
            const int64_t bad[] = {0, -1, INT64_MIN};
            for (size_t k = 0; k < 3; k++) {
                limiter_config c = cfg;
                c.limit = bad[k];
                rl_error_clear(&err);
                assert_int_equal(limiter_config_validate(&c, &err), RL_ERR_INVALID);
                assert_int_equal(err.code, RL_ERR_INVALID);
                assert_non_null(strstr(err.message, "limit must be at least 1"));
                c = cfg;
                c.period_us = bad[k];
                assert_int_equal(limiter_config_validate(&c, &err), RL_ERR_INVALID);
                assert_non_null(strstr(err.message, "period_us must be at least 1"));
            }
        }
        if (alg->params & LIMITER_PARAM_BURST) {
            limiter_config c = cfg;
            c.burst = 0;
            assert_int_equal(limiter_config_validate(&c, &err), RL_ERR_INVALID);
            assert_non_null(strstr(err.message, "burst must be at least 1"));
        }
        if (alg->params & LIMITER_PARAM_QUEUE) {
            limiter_config c = cfg;
            c.queue_max = 0;
            assert_int_equal(limiter_config_validate(&c, &err), RL_ERR_INVALID);
            assert_non_null(strstr(err.message, "queue_max must be at least 1"));
        }
        if (alg->params & LIMITER_PARAM_MAX_WAIT) {
            limiter_config c = cfg;
            c.max_wait_us = -1;
            assert_int_equal(limiter_config_validate(&c, &err), RL_ERR_INVALID);
            assert_non_null(strstr(err.message, "max_wait_us"));
        }
    }
}

/* ---- properties of every algorithm ---- */

/* Random valid settings for alg, including non-integer T (7/s) and 3/min. */
static limiter_config registry_test_random_config(const limiter_algorithm *alg, int index, rng *r) {
    static const int64_t rates[][2] = {{7, 1000000}, {3, 60000000}, {13, 100000}, {5, 3}};
    limiter_config cfg = registry_test_valid(alg);
    if (index < 4) {
        cfg.limit = rates[index][0];
        cfg.period_us = rates[index][1];
    } else {
        cfg.limit = 1 + (int64_t)rng_below(r, 100);
        cfg.period_us = 1 + (int64_t)rng_below(r, 3000000);
    }
    cfg.burst = 1 + (int64_t)rng_below(r, 8);
    cfg.queue_max = 1 + (int64_t)rng_below(r, 8);
    cfg.max_wait_us = rng_below(r, 2) == 0 ? 0 : (int64_t)rng_below(r, 4000000);
    return cfg;
}

/* A gap that mixes bursts (0), spacing near T and idle periods. */
static int64_t registry_test_gap_us(rng *r, const limiter_config *cfg) {
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

/* Monotone streams of cost 1 (which every algorithm can admit): a fresh state admits at once;
 * decisions are pure; waits are >= 0 (0 when allowed by a non-pacing algorithm, >= 1 when
 * refused); a refusal leaves the state unchanged and the same request passes when retried at
 * now + wait with nothing in between; a pacing algorithm's allowed wait is honoured (the next
 * request at the fire time is treated consistently). */
static void test_limiter_registry_every_algorithm_stream(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, REGISTRY_TEST_SEED, 1);
    for (size_t a = 0; a < limiter_algorithm_count(); a++) {
        const limiter_algorithm *alg = limiter_algorithm_at(a);
        for (int s = 0; s < REGISTRY_TEST_SETTINGS; s++) {
            limiter_config cfg = registry_test_random_config(alg, s, &r);
            REGISTRY_CHECK(limiter_config_validate(&cfg, NULL) == 0, alg, s, -1);
            limiter_state st = {{0}};
            int64_t now_us = (int64_t)rng_below(&r, 1000000000);
            limiter_decision first = registry_test_decide(&cfg, &st, now_us, 1);
            REGISTRY_CHECK(first.allowed && first.wait_us == 0, alg, s, -1);
            limiter_outcome first_ok = {LIMITER_OUTCOME_ACCEPTED, 0, 1000, 1};
            limiter_algorithm_observe(&cfg, &st, now_us, &first_ok);
            for (int i = 0; i < REGISTRY_TEST_REQUESTS_PER_SETTING; i++) {
                now_us += registry_test_gap_us(&r, &cfg);
                limiter_state before = st;
                limiter_state twin = st;
                limiter_decision d = registry_test_decide(&cfg, &st, now_us, 1);
                limiter_decision d2 = registry_test_decide(&cfg, &twin, now_us, 1);
                REGISTRY_CHECK(d.allowed == d2.allowed && d.wait_us == d2.wait_us, alg, s, i);
                REGISTRY_CHECK(memcmp(&st, &twin, sizeof st) == 0, alg, s, i);
                REGISTRY_CHECK(d.wait_us >= 0, alg, s, i);
                if (d.allowed) {
                    REGISTRY_CHECK(alg->paces || d.wait_us == 0, alg, s, i);
                    /* a learning algorithm hears of every request it allowed: a success */
                    limiter_outcome ok = {LIMITER_OUTCOME_ACCEPTED, 0, 1000, 1};
                    limiter_algorithm_observe(&cfg, &st, now_us + d.wait_us, &ok);
                    continue;
                }
                REGISTRY_CHECK(d.wait_us >= 1, alg, s, i);
                REGISTRY_CHECK(memcmp(&before, &st, sizeof st) == 0, alg, s, i);
                limiter_state retry = before;
                REGISTRY_CHECK(registry_test_decide(&cfg, &retry, now_us + d.wait_us, 1).allowed,
                               alg, s, i);
            }
        }
    }
}

/* With the clock jumping backwards (sometimes below 0), each decision equals the one taken at
 * max(now, latest admitted time) on a twin state, waits keep their signs, and stored values
 * stay in [0, 2^53). Costs vary, beyond capacity too. */
static void test_limiter_registry_every_algorithm_clock_skew(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, REGISTRY_TEST_SEED, 2);
    for (size_t a = 0; a < limiter_algorithm_count(); a++) {
        const limiter_algorithm *alg = limiter_algorithm_at(a);
        for (int s = 0; s < REGISTRY_TEST_SETTINGS; s++) {
            limiter_config cfg = registry_test_random_config(alg, s, &r);
            limiter_state skewed = {{0}};
            limiter_state clamped = {{0}};
            int64_t clock_us = 0;
            int64_t latest_us = 0;
            for (int i = 0; i < REGISTRY_TEST_REQUESTS_PER_SETTING; i++) {
                clock_us += registry_test_gap_us(&r, &cfg);
                int64_t now_us = clock_us;
                if (rng_below(&r, 4) == 0) {
                    now_us -= (int64_t)rng_below(&r, (uint64_t)(3 * (cfg.period_us + 1)));
                }
                int64_t at_us = now_us > latest_us ? now_us : latest_us;
                int64_t cost = 1 + (int64_t)rng_below(&r, 10);
                limiter_decision d = registry_test_decide(&cfg, &skewed, now_us, cost);
                limiter_decision c = registry_test_decide(&cfg, &clamped, at_us, cost);
                REGISTRY_CHECK(d.allowed == c.allowed && d.wait_us == c.wait_us, alg, s, i);
                REGISTRY_CHECK(d.wait_us >= (d.allowed ? 0 : 1), alg, s, i);
                if (d.allowed) {
                    latest_us = at_us;
                }
                for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                    REGISTRY_CHECK(skewed.slot[k] >= 0 && skewed.slot[k] < LIMITER_EXACT_MAX, alg,
                                   s, i);
                }
            }
        }
    }
}

/* The largest value in [1, high] that *field (a member of *cfg) may take with *cfg still valid
 * (validate is monotone in each of these fields); leaves *field at it. */
static int64_t registry_test_largest_valid(limiter_config *cfg, int64_t *field, int64_t high) {
    int64_t low = 1;
    *field = low;
    assert_int_equal(limiter_config_validate(cfg, NULL), 0);
    while (low < high) {
        int64_t mid = low + (high - low + 1) / 2;
        *field = mid;
        if (limiter_config_validate(cfg, NULL) == 0) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    *field = low;
    return low;
}

/* At the edge of what validate accepts (largest burst, queue_max and max_wait for a slow rate
 * with a large period), with now_us near 2^40 and costs up to capacity, stored values stay in
 * [0, 2^53) and nothing overflows (run under -fsanitize=undefined to see). */
static void test_limiter_registry_exact_bounds(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, REGISTRY_TEST_SEED, 3);
    const int64_t rates[][2] = {{1, INT64_C(1) << 30}, {7, 1000000}, {1, 1}, {3, 60000000}};
    for (size_t a = 0; a < limiter_algorithm_count(); a++) {
        const limiter_algorithm *alg = limiter_algorithm_at(a);
        for (int s = 0; s < 4; s++) {
            limiter_config cfg = {alg, rates[s][0], rates[s][1], 1, 0, 1, 2000, rates[s][1]};
            int64_t capacity = cfg.limit;
            if (alg->params & LIMITER_PARAM_BURST) {
                capacity = registry_test_largest_valid(&cfg, &cfg.burst, INT64_C(1) << 62);
            }
            if (alg->params & LIMITER_PARAM_QUEUE) {
                capacity = registry_test_largest_valid(&cfg, &cfg.queue_max, INT64_C(1) << 62) + 1;
            }
            if (alg->params & LIMITER_PARAM_MAX_WAIT) {
                registry_test_largest_valid(&cfg, &cfg.max_wait_us, INT64_C(1) << 62);
            }
            limiter_state st = {{0}};
            int64_t now_us = (INT64_C(1) << 40) - 1 - (int64_t)rng_below(&r, 1000000);
            for (int i = 0; i < 2000; i++) {
                int64_t cost =
                    i == 0 || rng_below(&r, 2) == 0 ? capacity : 1 + (int64_t)rng_below(&r, 3);
                if (cost > capacity) {
                    cost = capacity;
                }
                int64_t at_us = now_us + (int64_t)rng_below(&r, 1000);
                if (at_us >= (INT64_C(1) << 40)) {
                    at_us = (INT64_C(1) << 40) - 1;
                }
                limiter_decision d = registry_test_decide(&cfg, &st, at_us, cost);
                REGISTRY_CHECK(d.wait_us >= (d.allowed ? 0 : 1), alg, s, i);
                for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
                    REGISTRY_CHECK(st.slot[k] >= 0 && st.slot[k] < LIMITER_EXACT_MAX, alg, s, i);
                }
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limiter_registry_names),
        cmocka_unit_test(test_limiter_registry_validate),
        cmocka_unit_test(test_limiter_registry_every_algorithm_stream),
        cmocka_unit_test(test_limiter_registry_every_algorithm_clock_skew),
        cmocka_unit_test(test_limiter_registry_exact_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
