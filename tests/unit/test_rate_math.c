/* test_rate_math.c - exact rate arithmetic helpers: gcd and floor division against references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "algorithms/rate_math.h"
#include "harness/core/rng.h"

static int64_t euclid_gcd(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

static void gcd_exact_cases(void **state) {
    (void)state;
    assert_int_equal(rate_math_gcd(1500, 1000000), 500);
    assert_int_equal(rate_math_gcd(7, 1000000), 1);
    assert_int_equal(rate_math_gcd(3, 60000000), 3);
    assert_int_equal(rate_math_gcd(1, 1), 1);
    assert_int_equal(rate_math_gcd(INT64_C(1) << 52, INT64_C(1) << 40), INT64_C(1) << 40);
}

/* Property: gcd is Euclid's reference, for values up to 2^53 with shared powers of two. */
static void gcd_matches_euclid(void **state) {
    (void)state;
    const uint64_t seed = 20261130;
    print_message("[ seed     ] gcd: %llu\n", (unsigned long long)seed);
    rng r;
    rng_seed(&r, seed, 1);
    for (int i = 0; i < 200000; i++) {
        int64_t a = 1 + (int64_t)rng_below(&r, UINT64_C(1) << (1 + rng_below(&r, 53)));
        int64_t b = 1 + (int64_t)rng_below(&r, UINT64_C(1) << (1 + rng_below(&r, 53)));
        int shift = (int)rng_below(&r, 8);
        if ((a << shift) < (INT64_C(1) << 53) && (b << shift) < (INT64_C(1) << 53)) {
            a <<= shift;
            b <<= shift;
        }
        if (rate_math_gcd(a, b) != euclid_gcd(a, b)) {
            fail_msg("gcd(%lld, %lld) = %lld, Euclid %lld", (long long)a, (long long)b,
                     (long long)rate_math_gcd(a, b), (long long)euclid_gcd(a, b));
        }
    }
}

/* Property: floor division agrees with 128-bit floor division on both sides of 2^63. */
static void floor_div_matches_128_bits(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 20261131, 1);
    for (int i = 0; i < 200000; i++) {
        rate_math_i128 num = (rate_math_i128)(int64_t)rng_next_u64(&r);
        if (i % 3 == 0) {
            num *= (rate_math_i128)(1 + rng_below(&r, 1000));
        }
        int64_t den = 1 + (int64_t)rng_below(&r, UINT64_C(1) << (1 + rng_below(&r, 53)));
        rate_math_i128 q = num / den;
        if (num % den < 0) {
            q--;
        }
        assert_true(rate_math_floor_div(num, den) == q);
        assert_true(rate_math_ceil_div(num, den) == -rate_math_floor_div(-num, den));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gcd_exact_cases),
        cmocka_unit_test(gcd_matches_euclid),
        cmocka_unit_test(floor_div_matches_128_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
