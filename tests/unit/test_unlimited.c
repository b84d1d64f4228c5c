/* test_unlimited.c - the "no limiter" baseline: always allowed at once, state untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"

#define UNLIMITED_TEST_SEED UINT64_C(0x0411111eed0a)
#define UNLIMITED_TEST_REQUESTS 100000

static void test_unlimited_cases(void **unused) {
    (void)unused;
    limiter_config cfg = {&limiter_unlimited, 0, 0, 0, 0, 0, 0, 0};
    limiter_state st = {{0}};
    limiter_decision d = {false, -1};
    limiter_unlimited.decide(&cfg, &st, 0, 1, &d);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 0);
    limiter_unlimited.decide(&cfg, &st, (INT64_C(1) << 40) - 1, INT64_C(1) << 62, &d);
    assert_true(d.allowed);
    assert_int_equal(d.wait_us, 0);
    limiter_unlimited.decide(&cfg, &st, -5, 1, &d); /* a clock behind: still allowed */
    assert_true(d.allowed);
    for (int k = 0; k < LIMITER_STATE_SLOTS; k++) {
        assert_int_equal(st.slot[k], 0);
    }
}

/* Reads no settings: any values validate, even nonsense ones. */
static void test_unlimited_validate(void **unused) {
    (void)unused;
    rl_error err;
    limiter_config cfg = {&limiter_unlimited, -1, 0, -7, -1, -1, 0, 0};
    assert_int_equal(limiter_config_validate(&cfg, &err), 0);
    assert_int_equal(limiter_unlimited.params, 0);
    assert_false(limiter_unlimited.paces);
}

/* A random stream (clock skew included): every request allowed at once; state stays zero. */
static void test_unlimited_stream(void **unused) {
    (void)unused;
    rng r;
    rng_seed(&r, UNLIMITED_TEST_SEED, 1);
    limiter_config cfg = {&limiter_unlimited, 7, 1000000, 1, 0, 1, 0, 0};
    limiter_state st = {{0}};
    int64_t now_us = 0;
    for (int i = 0; i < UNLIMITED_TEST_REQUESTS; i++) {
        now_us += (int64_t)rng_below(&r, 1000);
        int64_t at_us = now_us - (rng_below(&r, 4) == 0 ? (int64_t)rng_below(&r, 5000) : 0);
        int64_t cost = 1 + (int64_t)rng_below(&r, 100);
        limiter_decision d = {false, -1};
        limiter_unlimited.decide(&cfg, &st, at_us, cost, &d);
        if (!d.allowed || d.wait_us != 0 || st.slot[0] != 0 || st.slot[1] != 0) {
            fail_msg("seed 0x%llx request %d: not allowed at once or state touched",
                     (unsigned long long)UNLIMITED_TEST_SEED, i);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlimited_cases),
        cmocka_unit_test(test_unlimited_validate),
        cmocka_unit_test(test_unlimited_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
