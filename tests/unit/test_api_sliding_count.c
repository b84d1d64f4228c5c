/* test_api_sliding_count.c - tests of the sliding count of timestamps (api_sliding_count.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness/core/rl_error.h"
#include "harness/core/rng.h"
#include "mock_api/api_sliding_count.h"

#define PROPERTY_SEED UINT64_C(20240611)

/* An empty count stays empty through expiry. */
static void test_empty(void **state) {
    (void)state;
    api_sliding_count count;
    assert_int_equal(api_sliding_count_init(&count, 0), RL_OK);
    assert_int_equal(api_sliding_count_count(&count), 0);
    api_sliding_count_expire(&count, 1000, 100);
    assert_int_equal(api_sliding_count_count(&count), 0);
    api_sliding_count_destroy(&count);
    assert_null(count.times_us);
}

/* The window (now - window, now] is half-open: a timestamp at exactly now - window is out. */
static void test_half_open_window(void **state) {
    (void)state;
    api_sliding_count count;
    assert_int_equal(api_sliding_count_init(&count, 4), RL_OK);
    assert_int_equal(api_sliding_count_add(&count, 0), RL_OK);
    assert_int_equal(api_sliding_count_add(&count, 10), RL_OK);
    assert_int_equal(api_sliding_count_add(&count, 10), RL_OK);
    assert_int_equal(api_sliding_count_add(&count, 50), RL_OK);

    api_sliding_count_expire(&count, 99, 100); /* (-1, 99]: all four */
    assert_int_equal(api_sliding_count_count(&count), 4);
    api_sliding_count_expire(&count, 100, 100); /* (0, 100]: 0 leaves */
    assert_int_equal(api_sliding_count_count(&count), 3);
    assert_int_equal(api_sliding_count_at(&count, 0), 10);
    api_sliding_count_expire(&count, 109, 100); /* (9, 109]: both 10s stay */
    assert_int_equal(api_sliding_count_count(&count), 3);
    api_sliding_count_expire(&count, 110, 100); /* (10, 110]: both 10s leave */
    assert_int_equal(api_sliding_count_count(&count), 1);
    assert_int_equal(api_sliding_count_at(&count, 0), 50);
    api_sliding_count_expire(&count, 1000, 100);
    assert_int_equal(api_sliding_count_count(&count), 0);
    api_sliding_count_destroy(&count);
}

/* Adding to a full ring that has wrapped keeps the timestamps in order. */
static void test_growth_keeps_order_when_wrapped(void **state) {
    (void)state;
    api_sliding_count count;
    assert_int_equal(api_sliding_count_init(&count, 4), RL_OK);
    for (int64_t t = 1; t <= 4; t++) {
        assert_int_equal(api_sliding_count_add(&count, t), RL_OK);
    }
    api_sliding_count_expire(&count, 12, 10); /* (2, 12]: 1 and 2 leave, head moves to slot 2 */
    assert_int_equal(api_sliding_count_count(&count), 2);
    assert_int_equal(api_sliding_count_add(&count, 5), RL_OK); /* wraps to slot 0 */
    assert_int_equal(api_sliding_count_add(&count, 6), RL_OK); /* slot 1: full */
    assert_int_equal(count.capacity, 4);
    assert_int_equal(api_sliding_count_add(&count, 7), RL_OK); /* grows to 8 */
    assert_int_equal(count.capacity, 8);
    assert_int_equal(api_sliding_count_count(&count), 5);
    for (int64_t i = 0; i < 5; i++) {
        assert_int_equal(api_sliding_count_at(&count, i), 3 + i);
    }
    api_sliding_count_destroy(&count);
}

/* A count initialised with no capacity allocates on the first add, then doubles. */
static void test_growth_from_zero_by_doubling(void **state) {
    (void)state;
    api_sliding_count count;
    assert_int_equal(api_sliding_count_init(&count, 0), RL_OK);
    assert_int_equal(count.capacity, 0);
    assert_int_equal(api_sliding_count_add(&count, 7), RL_OK);
    assert_int_equal(count.capacity, API_SLIDING_COUNT_CAPACITY_MIN);
    for (int64_t i = 1; i < 3 * API_SLIDING_COUNT_CAPACITY_MIN; i++) {
        assert_int_equal(api_sliding_count_add(&count, 7 + i), RL_OK);
    }
    assert_int_equal(count.capacity, 4 * API_SLIDING_COUNT_CAPACITY_MIN);
    assert_int_equal(api_sliding_count_count(&count), 3 * API_SLIDING_COUNT_CAPACITY_MIN);
    api_sliding_count_destroy(&count);
}

/* In a steady state (as many leave as arrive) the ring stops growing: no allocation per call. */
static void test_steady_state_does_not_grow(void **state) {
    (void)state;
    api_sliding_count count;
    assert_int_equal(api_sliding_count_init(&count, 0), RL_OK);
    int64_t capacity_after_warmup = -1;
    for (int64_t t = 0; t < 100000; t++) {
        api_sliding_count_expire(&count, t, 50);
        assert_int_equal(api_sliding_count_add(&count, t), RL_OK);
        assert_int_equal(api_sliding_count_count(&count), t < 50 ? t + 1 : 50);
        if (t == 100) {
            capacity_after_warmup = count.capacity;
        }
    }
    assert_int_equal(count.capacity, capacity_after_warmup);
    assert_int_equal(count.capacity, 64);
    api_sliding_count_destroy(&count);
}

/* The number of times[0..n) in (now - window, now], counted one by one. */
static int64_t brute_count(const int64_t *times, int64_t n, int64_t now, int64_t window) {
    int64_t in_window = 0;
    for (int64_t i = 0; i < n; i++) {
        if (times[i] > now - window && times[i] <= now) {
            in_window++;
        }
    }
    return in_window;
}

/* Random non-decreasing timestamps with bursts and gaps, random windows and expiry instants:
 * the count and every held timestamp match a brute-force recount. Starts from capacity 1 so
 * the ring grows (and wraps) many times. */
static void test_property_against_brute_force(void **state) {
    (void)state;
    print_message("test_property_against_brute_force: seed %llu\n",
                  (unsigned long long)PROPERTY_SEED);
    rng random;
    rng_seed(&random, PROPERTY_SEED, 1);
    enum { ROUNDS = 20, EVENTS = 3000 };
    int64_t *times = calloc(EVENTS, sizeof *times);
    assert_non_null(times);
    int64_t max_capacity = 0;
    for (int round = 0; round < ROUNDS; round++) {
        api_sliding_count count;
        assert_int_equal(api_sliding_count_init(&count, 1), RL_OK);
        int64_t window = 1 + (int64_t)rng_below(&random, 500);
        int64_t now = 0;
        for (int64_t n = 0; n < EVENTS; n++) {
            /* Mostly bursts (gap 0..2), sometimes long gaps. */
            int64_t gap = rng_below(&random, 10) == 0 ? (int64_t)rng_below(&random, 2 * window)
                                                      : (int64_t)rng_below(&random, 3);
            now += gap;
            times[n] = now;
            api_sliding_count_expire(&count, now, window);
            assert_int_equal(api_sliding_count_add(&count, now), RL_OK);
            int64_t expected = brute_count(times, n + 1, now, window);
            assert_int_equal(api_sliding_count_count(&count), expected);
            /* The held timestamps are the newest `expected` ones, oldest first. */
            int64_t first = n + 1 - expected;
            for (int64_t i = 0; i < expected; i += 1 + expected / 8) {
                assert_int_equal(api_sliding_count_at(&count, i), times[first + i]);
            }
            assert_int_equal(api_sliding_count_at(&count, expected - 1), now);
        }
        if (count.capacity > max_capacity) {
            max_capacity = count.capacity;
        }
        api_sliding_count_destroy(&count);
    }
    assert_true(max_capacity > API_SLIDING_COUNT_CAPACITY_MIN);
    free(times);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_half_open_window),
        cmocka_unit_test(test_growth_keeps_order_when_wrapped),
        cmocka_unit_test(test_growth_from_zero_by_doubling),
        cmocka_unit_test(test_steady_state_does_not_grow),
        cmocka_unit_test(test_property_against_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
