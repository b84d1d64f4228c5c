/* test_backoff.c - retry sleeps: exponential growth, cap, and each jitter's range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/model/backoff.h"

static retry_config policy(jitter_kind jitter) {
    retry_config p = {.max_retries = 10, .backoff_base_us = 100000, .backoff_cap_us = 1000000,
                      .jitter = jitter, .honour_retry_after = true};
    return p;
}

static void no_jitter_doubles_up_to_the_cap(void **state) {
    (void)state;
    retry_config p = policy(JITTER_NONE);
    rng r;
    rng_seed(&r, 1, 1);
    int64_t expected[] = {100000, 200000, 400000, 800000, 1000000, 1000000};
    for (int k = 0; k < 6; k++) {
        assert_int_equal(backoff_delay_us(&p, k, 0, &r), expected[k]);
    }
    /* A huge retry index does not overflow. */
    assert_int_equal(backoff_delay_us(&p, 1000, 0, &r), 1000000);
}

static void zero_base_retries_at_once(void **state) {
    (void)state;
    retry_config p = policy(JITTER_FULL);
    p.backoff_base_us = 0;
    rng r;
    rng_seed(&r, 1, 1);
    assert_int_equal(backoff_delay_us(&p, 3, 0, &r), 0);
}

/* Property: each jitter stays in its documented range, and full jitter spans it. */
static void jitters_stay_in_range(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 99, 1);
    for (int k = 0; k < 8; k++) {
        retry_config full = policy(JITTER_FULL), equal = policy(JITTER_EQUAL),
                     decorrelated = policy(JITTER_DECORRELATED);
        int64_t ceiling = 100000LL << k;
        if (ceiling > 1000000) {
            ceiling = 1000000;
        }
        int64_t lowest = INT64_MAX, highest = 0, previous = 0;
        for (int i = 0; i < 20000; i++) {
            int64_t f = backoff_delay_us(&full, k, 0, &r);
            assert_true(f >= 0 && f <= ceiling);
            lowest = f < lowest ? f : lowest;
            highest = f > highest ? f : highest;
            int64_t e = backoff_delay_us(&equal, k, 0, &r);
            assert_true(e >= ceiling / 2 && e <= ceiling);
            int64_t d = backoff_delay_us(&decorrelated, k, previous, &r);
            int64_t d_high = (previous > 0 ? previous : 100000) * 3;
            assert_true(d >= 100000 && d <= (d_high < 1000000 ? d_high : 1000000));
            previous = d;
        }
        assert_true(lowest < ceiling / 50);
        assert_true(highest > ceiling - ceiling / 50);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_jitter_doubles_up_to_the_cap),
        cmocka_unit_test(zero_base_retries_at_once),
        cmocka_unit_test(jitters_stay_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
