/* test_sre_throttle.c - SRE client-side adaptive throttling: the probability and its error
 * diffusion by hand, the halving of the counts per window, the settings' checks, and the
 * steady state the SRE book gives: against an API that accepts at most C per second, the API
 * sees about K x C per second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"

static limiter_config sre_config(int64_t k_milli, int64_t window_us) {
    limiter_config cfg = {.algorithm = &limiter_sre_throttle, .k_milli = k_milli,
                          .window_us = window_us};
    return cfg;
}

static limiter_decision decide(const limiter_config *cfg, limiter_state *st, int64_t now_us) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, st, now_us, 1, &d);
    return d;
}

static void accepted(const limiter_config *cfg, limiter_state *st, int64_t now_us) {
    limiter_outcome o = {.kind = LIMITER_OUTCOME_ACCEPTED, .latency_us = 1000, .cost = 1};
    limiter_algorithm_observe(cfg, st, now_us, &o);
}

/* K = 2: p = (R - 2A) / (R + 1) once R > 2A, accumulated in ppm (see the comment of each step). */
static void test_sre_by_hand(void **unused) {
    (void)unused;
    limiter_config cfg = sre_config(2000, 10000000);
    limiter_state st = {{0}};
    assert_true(decide(&cfg, &st, 0).allowed); /* R 0: p 0 */
    accepted(&cfg, &st, 100);                  /* A 1 */
    assert_true(decide(&cfg, &st, 200).allowed); /* R 1, A 1: p 0 */
    assert_true(decide(&cfg, &st, 300).allowed); /* R 2: p 0 */
    assert_true(decide(&cfg, &st, 400).allowed); /* R 3: p 1/4, acc 250000 */
    assert_int_equal(st.slot[3], 250000);
    assert_true(decide(&cfg, &st, 500).allowed); /* R 4: p 2/5, acc 650000 */
    limiter_decision d = decide(&cfg, &st, 600); /* R 5: p 3/6, acc 1150000: refused */
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 10000000); /* window / A = 10 s / 1 */
    assert_int_equal(st.slot[3], 150000);
    assert_int_equal(st.slot[0], 6); /* the refused request counts */
    assert_true(decide(&cfg, &st, 700).allowed); /* R 6: p 4/7 = 571428, acc 721428 */
    assert_int_equal(st.slot[3], 721428);
    assert_false(decide(&cfg, &st, 800).allowed); /* R 7: p 5/8 = 625000, acc 1346428 */
    assert_int_equal(st.slot[3], 346428);
    /* 10 s: a new window halves the counts (R 8 -> 4, A 1 -> 0), then p = 4/5: acc 1146428 */
    assert_false(decide(&cfg, &st, 10000000).allowed);
    assert_int_equal(st.slot[2], 1);
    assert_int_equal(st.slot[1], 0);
    assert_int_equal(st.slot[0], 5);
    assert_int_equal(st.slot[3], 146428);
    /* 30 s: two windows more: R 5 -> 1 (a quarter, floored); p = 1/2, acc 646428 */
    assert_true(decide(&cfg, &st, 30000000).allowed);
    assert_int_equal(st.slot[2], 3);
    assert_int_equal(st.slot[0], 2);
    /* a clock that goes back stays in the current window: nothing halves; p = 2/3 */
    assert_false(decide(&cfg, &st, 29000000).allowed);
    assert_int_equal(st.slot[2], 3);
    assert_int_equal(st.slot[0], 3);
    assert_int_equal(st.slot[3], 313094);
}

/* A larger K throttles later: with K = 3, R 5 and A 1, p = (5 - 3) / 6. */
static void test_sre_k(void **unused) {
    (void)unused;
    limiter_config cfg = sre_config(3000, 10000000);
    limiter_state st = {{5, 1, 0, 0}};
    assert_true(decide(&cfg, &st, 1).allowed);
    assert_int_equal(st.slot[3], 333333);
    limiter_config half = sre_config(1500, 10000000); /* K = 1.5: p = (5 - 1.5) / 6 */
    limiter_state st2 = {{5, 1, 0, 0}};
    assert_true(decide(&half, &st2, 1).allowed);
    assert_int_equal(st2.slot[3], 583333);
}

static void test_sre_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = sre_config(2000, 120000000);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_OK);
    cfg.k_milli = 999;
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "k must be from 1 to 1000"));
    cfg = sre_config(2000, 0);
    assert_int_equal(limiter_config_validate(&cfg, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "window_us must be at least 1"));
}

/* The SRE book's steady state: the client wants 100/s, the API accepts at most 10 in each
 * second (the rest refused). With K = 2 the API sees about K x 10 = 20/s. Measured over the
 * last 5 of 10 minutes, with a 10 s window: within 10%. */
static void test_sre_steady_state(void **unused) {
    (void)unused;
    limiter_config cfg = sre_config(2000, 10000000);
    limiter_state st = {{0}};
    int64_t sent = 0, accepted_count = 0, second = -1, in_second = 0;
    for (int64_t now_us = 0; now_us < 600000000; now_us += 10000) {
        if (!decide(&cfg, &st, now_us).allowed) {
            continue;
        }
        if (now_us / 1000000 != second) {
            second = now_us / 1000000;
            in_second = 0;
        }
        bool ok = in_second < 10;
        in_second++;
        if (ok) {
            accepted(&cfg, &st, now_us + 1000);
        }
        if (now_us >= 300000000) {
            sent++;
            accepted_count += ok ? 1 : 0;
        }
    }
    double sent_per_s = (double)sent / 300.0;
    double accepted_per_s = (double)accepted_count / 300.0;
    assert_true(accepted_per_s > 9.9 && accepted_per_s <= 10.0);
    print_message("the API saw %.2f/s for %.2f/s accepted (K = 2)\n", sent_per_s,
                  accepted_per_s);
    if (sent_per_s < 18.0 || sent_per_s > 22.0) {
        fail_msg("the API saw %.2f/s, expected about 2 x %.2f/s", sent_per_s, accepted_per_s);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sre_by_hand),
        cmocka_unit_test(test_sre_k),
        cmocka_unit_test(test_sre_validate),
        cmocka_unit_test(test_sre_steady_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
