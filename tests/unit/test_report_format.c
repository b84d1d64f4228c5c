/* test_report_format.c - figures written for people: counts with separators, ratios and plain
 * numbers never in scientific notation (a peak of 320 times the limit read "3.2e+02x"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness/report/report_format.h"

static void ratios(void **state) {
    (void)state;
    char buf[32];
    report_format_ratio(320.4, buf, sizeof buf);
    assert_string_equal(buf, "320");
    report_format_ratio(3200, buf, sizeof buf);
    assert_string_equal(buf, "3200");
    report_format_ratio(18, buf, sizeof buf);
    assert_string_equal(buf, "18.0");
    report_format_ratio(1.2, buf, sizeof buf);
    assert_string_equal(buf, "1.20");
    report_format_ratio(0.5, buf, sizeof buf);
    assert_string_equal(buf, "0.50");
}

static void numbers(void **state) {
    (void)state;
    char buf[32];
    report_format_number(12345.6, buf, sizeof buf);
    assert_string_equal(buf, "12,346");
    report_format_number(545.2, buf, sizeof buf);
    assert_string_equal(buf, "545");
    report_format_number(1000.0 / 3600.0, buf, sizeof buf);
    assert_string_equal(buf, "0.278");
    report_format_number(0, buf, sizeof buf);
    assert_string_equal(buf, "0");
    report_format_number(0.00001, buf, sizeof buf);
    assert_string_equal(buf, "0.000010");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ratios),
        cmocka_unit_test(numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
