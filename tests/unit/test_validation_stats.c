/* test_validation_stats.c - the validation statistics against published table values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/core/validation_stats.h"

static void assert_close(double actual, double expected, double tolerance) {
    if (fabs(actual - expected) > tolerance) {
        fail_msg("%.12g differs from %.12g by more than %g", actual, expected, tolerance);
    }
}

static void sample_moments(void **state) {
    (void)state;
    validation_sample s = {0};
    const double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        validation_sample_add(&s, values[i]);
    }
    assert_int_equal(s.count, 8);
    assert_close(s.mean, 5.0, 1e-12);
    assert_close(validation_sample_variance(&s), 32.0 / 7.0, 1e-12);
    /* t(0.975, 7) = 2.364624: half-width 2.364624 x sqrt(32/7/8). */
    validation_interval ci = validation_sample_mean_interval(&s, 0.95);
    assert_close(ci.high - ci.estimate, 2.364624 * sqrt(32.0 / 56.0), 1e-5);
    assert_true(validation_interval_contains(ci, 5.0));
    assert_false(validation_interval_contains(ci, 7.0));
}

/* Values from standard tables (Abramowitz and Stegun; NIST/SEMATECH handbook). */
static void table_values(void **state) {
    (void)state;
    assert_close(validation_normal_cdf(1.959964), 0.975, 1e-6);
    assert_close(validation_normal_quantile(0.975), 1.959964, 1e-6);
    assert_close(validation_normal_quantile(0.999), 3.090232, 1e-6);
    assert_close(validation_student_t_quantile(0.975, 9), 2.262157, 1e-6);
    assert_close(validation_student_t_quantile(0.975, 19), 2.093024, 1e-6);
    assert_close(validation_student_t_quantile(0.995, 4), 4.604095, 1e-6);
    assert_close(validation_student_t_quantile(0.025, 9), -2.262157, 1e-6);
    assert_close(validation_student_t_cdf(0.0, 3), 0.5, 1e-12);
    assert_close(validation_chi2_sf(3.841459, 1), 0.05, 1e-6);
    assert_close(validation_chi2_sf(18.307038, 10), 0.05, 1e-6);
    assert_close(validation_chi2_sf(124.342113, 100), 0.05, 1e-6);
    assert_close(validation_chi2_sf(0.0, 4), 1.0, 1e-12);
    /* Kolmogorov: P(K > 1.358099) = 0.05 and P(K > 1.627624) = 0.01 in the limit. */
    assert_close(validation_ks_pvalue(1.358099 / sqrt(1e8), 100000000), 0.05, 1e-4);
    assert_close(validation_ks_pvalue(1.627624 / sqrt(1e8), 100000000), 0.01, 1e-4);
    assert_close(validation_bonferroni_level(0.95, 10), 0.995, 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_moments),
        cmocka_unit_test(table_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
