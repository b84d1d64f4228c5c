/* test_validation_row.c - the VALIDATION| line that scripts/validation_report.sh reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/rl_error.h"
#include "harness/validation/validation_row.h"

static void row_line(void **state) {
    (void)state;
    validation_row row = {"store",         "mm1_wq",   "Wq = rho/(mu - lambda)",
                          "900 us",        "901.2 us", "[890, 912]",
                          "inside 95% CI", true,       "build/validation_x mm1"};
    char buf[256];
    assert_int_equal(validation_row_format(&row, buf, sizeof buf), RL_OK);
    assert_string_equal(buf, "VALIDATION|store|mm1_wq|Wq = rho/(mu - lambda)|900 us|901.2 us|"
                             "[890, 912]|inside 95% CI|pass|build/validation_x mm1\n");
    row.passed = false;
    assert_int_equal(validation_row_format(&row, buf, sizeof buf), RL_OK);
    assert_non_null(strstr(buf, "|FAIL|"));
    row.formula = "a | b";
    assert_int_equal(validation_row_format(&row, buf, sizeof buf), RL_ERR_INVALID);
    row.formula = "ok";
    assert_int_equal(validation_row_format(&row, buf, 20), RL_ERR_LIMIT);
}

static void no_field_may_be_missing(void **state) {
    (void)state;
    validation_row row = {"store", "c", "f", "e", "m", "ci", "t", true, NULL};
    char buf[256];
    assert_int_equal(validation_row_format(&row, buf, sizeof buf), RL_ERR_INVALID);
    row.rerun = "r";
    row.measured = "two\nlines";
    assert_int_equal(validation_row_format(&row, buf, sizeof buf), RL_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(row_line),
        cmocka_unit_test(no_field_may_be_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
