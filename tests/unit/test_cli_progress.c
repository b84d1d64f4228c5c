/* test_cli_progress.c - the text of the progress line: counts, elapsed, and the estimate of
 * what is left (remaining runs at the pace of those done). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness/cli/cli_progress.h"

static void estimate_from_the_pace_so_far(void **state) {
    (void)state;
    char line[128];
    /* 30 of 100 runs in 12 s: 70 more at 0.4 s each is 28 s. */
    cli_progress_format(line, sizeof line, 30, 100, 3, 10, 12.0);
    assert_string_equal(line, "runs 30/100, points 3/10, 12 s elapsed, about 28 s left");
    /* Minutes and hours. */
    cli_progress_format(line, sizeof line, 1, 4, 0, 2, 100.0);
    assert_string_equal(line, "runs 1/4, points 0/2, 1 min 40 s elapsed, about 5 min 00 s left");
    cli_progress_format(line, sizeof line, 1, 3, 0, 1, 3600.0);
    assert_string_equal(line, "runs 1/3, points 0/1, 1 h 00 min elapsed, about 2 h 00 min left");
}

static void first_and_last_runs(void **state) {
    (void)state;
    char line[128];
    cli_progress_format(line, sizeof line, 0, 10, 0, 1, 0.2);
    assert_string_equal(line, "runs 0/10, points 0/1, 0 s elapsed, time left unknown");
    cli_progress_format(line, sizeof line, 10, 10, 1, 1, 4.4);
    assert_string_equal(line, "runs 10/10, points 1/1, 4 s elapsed, done");
}

static void not_a_terminal_draws_nothing(void **state) {
    (void)state;
    cli_progress p;
    cli_progress_begin(&p, true); /* quiet */
    assert_false(p.enabled);
    cli_progress_runs(&p, 5, 5, 1, 1);
    assert_false(p.shown);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_from_the_pace_so_far),
        cmocka_unit_test(first_and_last_runs),
        cmocka_unit_test(not_a_terminal_draws_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
