/* test_gradient.c - the gradient concurrency limit: the limit on requests in flight, its growth
 * at the fastest latency, its fall when latency doubles and on a 429, all by hand; then a
 * closed loop against a server whose latency grows with its load, from a fixed seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"

static limiter_config gradient_config(int64_t burst) {
    limiter_config cfg = {.algorithm = &limiter_gradient, .burst = burst};
    return cfg;
}

static limiter_decision decide(const limiter_config *cfg, limiter_state *st) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, 0, 1, &d);
    return d;
}

static void outcome(const limiter_config *cfg, limiter_state *st, limiter_outcome_kind kind,
                    int64_t latency_us) {
    limiter_outcome o = {.kind = kind, .latency_us = latency_us, .cost = 1};
    limiter_algorithm_observe(cfg, st, 0, &o);
}

static int64_t limit_milli(const limiter_config *cfg, const limiter_state *st) {
    int64_t initial = cfg->burst < 10 ? cfg->burst : 10;
    return st->slot[0] == 0 ? initial * 1000 : st->slot[0];
}

static void test_gradient_by_hand(void **unused) {
    (void)unused;
    limiter_config cfg = gradient_config(100);
    limiter_state fresh = {{0}};
    assert_int_equal(limit_milli(&cfg, &fresh), 10000); /* starts at 10 */
    for (int i = 0; i < 10; i++) {
        assert_true(decide(&cfg, &fresh).allowed);
    }
    assert_false(decide(&cfg, &fresh).allowed);
    limiter_state st = {{100000, 0, 0, 0}}; /* at Lmax = 100 */
    for (int i = 0; i < 100; i++) {
        assert_true(decide(&cfg, &st).allowed);
    }
    limiter_decision d = decide(&cfg, &st);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 1000); /* no latency seen yet: 1 ms */
    /* at the fastest latency: target 100000 + 1000 x isqrt(100) = 110000; (4 x 100000 +
     * 110000) / 5 = 102000, held at Lmax */
    outcome(&cfg, &st, LIMITER_OUTCOME_ACCEPTED, 100000);
    assert_int_equal(limit_milli(&cfg, &st), 100000);
    assert_int_equal(st.slot[1], 99);
    assert_int_equal(st.slot[2], 100000);
    /* twice as slow: gradient 500, target 50000 + 10000; (400000 + 60000) / 5 = 92000 */
    outcome(&cfg, &st, LIMITER_OUTCOME_ACCEPTED, 200000);
    assert_int_equal(limit_milli(&cfg, &st), 92000);
    d = decide(&cfg, &st); /* 98 in flight, limit 92 */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 100000);
    /* a 429: 92000 x 9 / 10 = 82800 */
    outcome(&cfg, &st, LIMITER_OUTCOME_REFUSED, 50000);
    assert_int_equal(limit_milli(&cfg, &st), 82800);
    assert_int_equal(st.slot[2], 50000); /* the fastest latency is any answer's */
    assert_int_equal(st.slot[1], 97);
    /* four times slower than the fastest: the gradient stops at 1/2: 41400 + 9000 */
    outcome(&cfg, &st, LIMITER_OUTCOME_ACCEPTED, 200000);
    assert_int_equal(limit_milli(&cfg, &st), (4 * 82800 + 41400 + 9000) / 5);
    /* the floor is one request */
    for (int i = 0; i < 100; i++) {
        outcome(&cfg, &st, LIMITER_OUTCOME_DROPPED, 1);
    }
    assert_int_equal(limit_milli(&cfg, &st), 1000);
    assert_int_equal(st.slot[1], 0); /* never below zero */
    assert_true(decide(&cfg, &st).allowed);
    assert_false(decide(&cfg, &st).allowed);
}

/* A closed loop: as many clients as the limit lets through, a server that answers in 10 ms +
 * 1 ms per request in flight beyond 20 (its no-load capacity). The limit settles where
 * 1 - gradient = 1 / sqrt(limit): about 22 (latency 12 ms), far below Lmax (200). */
static void test_gradient_closed_loop(void **unused) {
    (void)unused;
    limiter_config cfg = gradient_config(200);
    limiter_state st = {{0}};
    int64_t in_flight = 0;
    for (int round = 0; round < 20000; round++) {
        while (decide(&cfg, &st).allowed) {
            in_flight++;
        }
        int64_t latency_us = 10000 + (in_flight > 20 ? (in_flight - 20) * 1000 : 0);
        outcome(&cfg, &st, LIMITER_OUTCOME_ACCEPTED, latency_us);
        in_flight--;
    }
    int64_t limit = limit_milli(&cfg, &st) / 1000;
    print_message("gradient: settled at a limit of %lld in flight\n", (long long)limit);
    assert_true(limit >= 20 && limit <= 25);
}

static void test_gradient_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = gradient_config(0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    cfg = gradient_config(1);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_by_hand),
        cmocka_unit_test(test_gradient_closed_loop),
        cmocka_unit_test(test_gradient_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
