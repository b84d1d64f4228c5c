/* test_selector.c - dynamic algorithm selection: bursting and pacing as gcra_pace with burst and
 * with 1, the evidence each outcome gives, the hysteresis of the switch, by hand; then random
 * outcomes: the mode only changes at a score of +-3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/selector.h"
#include "harness/core/rng.h"

#define SELECTOR_TEST_SEED UINT64_C(0x5e1ec7)

static const limiter_config CFG = {.algorithm = &limiter_selector, .limit = 10,
                                   .period_us = 1000000, .burst = 5};

static int64_t wait_at(limiter_state *st, int64_t now_us) {
    limiter_decision d = {false, -1};
    CFG.algorithm->decide(&CFG, st, now_us, 1, &d);
    assert_true(d.allowed);
    return d.wait_us;
}

static void refused(limiter_state *st, limiter_outcome_kind kind, int64_t retry_after_us) {
    limiter_outcome o = {.kind = kind, .retry_after_us = retry_after_us, .latency_us = 10,
                         .cost = 1};
    limiter_algorithm_observe(&CFG, st, 0, &o);
}

static int64_t score_of(const limiter_state *st) {
    return (st->slot[3] - (st->slot[3] & 1)) / 2;
}

static void test_selector_modes(void **unused) {
    (void)unused;
    limiter_state st = {{0}};
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(wait_at(&st, 0), 0); /* a burst of 5 at once */
    }
    assert_int_equal(wait_at(&st, 0), 100000); /* then one every 100 ms */
    limiter_state paced = {{0, 0, 0, 2 * 3 + SELECTOR_PACING}};
    assert_int_equal(wait_at(&paced, 0), 0);
    assert_int_equal(wait_at(&paced, 0), 100000);
    assert_int_equal(wait_at(&paced, 0), 200000);
    assert_int_equal(paced.slot[3], 7); /* decide leaves the mode alone */
}

static void test_selector_evidence_and_hysteresis(void **unused) {
    (void)unused;
    limiter_state st = {{0}};
    refused(&st, LIMITER_OUTCOME_REFUSED, 1000000); /* one period: short: +1 */
    assert_int_equal(score_of(&st), 1);
    refused(&st, LIMITER_OUTCOME_REFUSED, 0); /* no Retry-After: short */
    assert_int_equal(score_of(&st), 2);
    refused(&st, LIMITER_OUTCOME_ACCEPTED, 0); /* a success says nothing */
    assert_int_equal(score_of(&st), 2);
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* a drop: +1, score 3: pacing */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_PACING);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* held at 3 */
    assert_int_equal(score_of(&st), 3);
    for (int i = 0; i < 5; i++) { /* long quotas: 3 -> -2, still pacing */
        refused(&st, LIMITER_OUTCOME_REFUSED, 1000001);
        assert_int_equal(limiter_selector_mode(&st), SELECTOR_PACING);
    }
    assert_int_equal(score_of(&st), -2);
    refused(&st, LIMITER_OUTCOME_REFUSED, 60000000); /* -3: bursting */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
    assert_int_equal(st.slot[3], -6);
    refused(&st, LIMITER_OUTCOME_DROPPED, 0); /* -2: still bursting */
    assert_int_equal(limiter_selector_mode(&st), SELECTOR_BURSTING);
}

/* Random outcomes: the mode changes only on reaching +3 (to pacing) or -3 (to bursting). */
static void test_selector_switches_only_at_the_ends(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, SELECTOR_TEST_SEED, 1);
    limiter_state st = {{0}};
    for (int i = 0; i < 100000; i++) {
        selector_mode before = limiter_selector_mode(&st);
        refused(&st, (limiter_outcome_kind)rng_below(&r, 3), (int64_t)rng_below(&r, 3000000));
        selector_mode after = limiter_selector_mode(&st);
        int64_t score = score_of(&st);
        assert_true(score >= -3 && score <= 3);
        if (after != before) {
            assert_int_equal(score, after == SELECTOR_PACING ? 3 : -3);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selector_modes),
        cmocka_unit_test(test_selector_evidence_and_hysteresis),
        cmocka_unit_test(test_selector_switches_only_at_the_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
