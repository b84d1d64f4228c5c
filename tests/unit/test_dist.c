/* test_dist.c - distributions: a prepared sampler draws bit for bit what dist_sample draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/core/dist.h"

/* Property: for every kind, the sampler and dist_sample give the same sequence from the same
 * generator state (the run's results depend on it). */
static void sampler_draws_what_dist_sample_draws(void **state) {
    (void)state;
    const uint64_t seed = 20261127;
    print_message("[ seed     ] sampler equivalence: %llu\n", (unsigned long long)seed);
    const dist kinds[] = {
        {.kind = DIST_CONSTANT, .a = 25, .b = 25},
        {.kind = DIST_UNIFORM, .a = 200, .b = 800},
        {.kind = DIST_EXPONENTIAL, .a = 1500000},
        {.kind = DIST_LOGNORMAL, .a = 250, .b = 1000},
        {.kind = DIST_LOGNORMAL, .a = 80000, .b = 300000},
        {.kind = DIST_LOGNORMAL, .a = 7, .b = 7},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        rng a, b;
        rng_seed(&a, seed, k);
        rng_seed(&b, seed, k);
        dist_sampler s = dist_sampler_of(&kinds[k]);
        for (int i = 0; i < 100000; i++) {
            int64_t expected = dist_sample(&kinds[k], &a);
            int64_t got = dist_sampler_draw(&s, &b);
            if (expected != got) {
                fail_msg("kind %zu draw %d: %lld != %lld", k, i, (long long)got,
                         (long long)expected);
            }
        }
    }
}

/* Property: the inline rounding is llround on [0, 2^52], halves and their neighbours included. */
static void rounding_matches_llround(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 20261128, 1);
    const double edges[] = {0.0, 0.5, 1.5, 2.5, 0.49999999999999994, 4503599627370495.5,
                            4503599627370496.0, 1099511627776.0, 2.5000000000000004};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        assert_int_equal(dist_round_nonnegative(edges[i]), llround(edges[i]));
    }
    for (int i = 0; i < 1000000; i++) {
        /* Uniform mantissa, exponent from 2^-4 to 2^52, and exact halves now and then. */
        double x = ldexp(rng_uniform01(&r), (int)rng_below(&r, 57) - 4);
        if (i % 7 == 0) {
            x = floor(x) + 0.5;
        }
        if (x > 4503599627370496.0) {
            continue;
        }
        if (dist_round_nonnegative(x) != llround(x)) {
            fail_msg("x = %a: %lld != llround %lld", x, (long long)dist_round_nonnegative(x),
                     (long long)llround(x));
        }
    }
}

/* Exact cases: constants and a degenerate lognormal (p99 = median) are their value. */
static void constants_are_exact(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 1, 1);
    dist c = dist_constant(42);
    dist_sampler s = dist_sampler_of(&c);
    assert_int_equal(dist_sampler_draw(&s, &r), 42);
    dist flat = {.kind = DIST_LOGNORMAL, .a = 250, .b = 250};
    s = dist_sampler_of(&flat);
    assert_int_equal(dist_sampler_draw(&s, &r), 250);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sampler_draws_what_dist_sample_draws),
        cmocka_unit_test(rounding_matches_llround),
        cmocka_unit_test(constants_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
