/* test_gnuplot_run.c - running gnuplot as a child: a missing gnuplot gets its one-line message,
 * a failing script its first error line, a good script nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/gnuplot_run.h"

static void missing_program_is_its_own_error(void **state) {
    (void)state;
    rl_error err;
    rl_error_clear(&err);
    const char *script = "x.gp";
    int rc = gnuplot_run("ratelab-test-no-such-gnuplot", "/tmp", &script, 1, &err);
    assert_int_equal(rc, RL_ERR_TOOL_MISSING);
    assert_string_equal(err.message,
                        "gnuplot not found; install it with: sudo apt-get install gnuplot-nox");
}

static void missing_folder_is_not_a_missing_gnuplot(void **state) {
    (void)state;
    rl_error err;
    const char *script = "x.gp";
    int rc = gnuplot_run(GNUPLOT_PROGRAM, "/nonexistent/ratelab", &script, 1, &err);
    assert_int_equal(rc, RL_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/ratelab"));
}

static void first_error_line_is_found(void **state) {
    (void)state;
    char line[200];
    gnuplot_first_error_line("\nplot foo\n     ^\n\"x.gp\" line 3: undefined variable: foo\n\n",
                             line, sizeof line);
    assert_string_equal(line, "\"x.gp\" line 3: undefined variable: foo");
    gnuplot_first_error_line("\"s.gp\" line 1: warning: Skipping data file with no valid "
                             "points\n\"s.gp\" line 9: all points y value undefined!\n",
                             line, sizeof line);
    assert_string_equal(line, "\"s.gp\" line 9: all points y value undefined!");
    gnuplot_first_error_line("   \n  Cannot open load file 'plot_style.gp'\n", line, sizeof line);
    assert_string_equal(line, "Cannot open load file 'plot_style.gp'");
    gnuplot_first_error_line("", line, sizeof line);
    assert_string_equal(line, "");
}

/* The rest needs gnuplot itself; skipped where it is not installed. */
static int write_script(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    return fclose(f);
}

static void script_outcomes(void **state) {
    (void)state;
    char dir[] = "/tmp/ratelab-test-gnuplot-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_script(dir, "good.gp", "set terminal dumb\nset output 'good.txt'\nplot x\n");
    write_script(dir, "bad.gp", "a = 1\nplot nosuchvariable\n");
    rl_error err;
    rl_error_clear(&err);
    const char *good = "good.gp";
    int rc = gnuplot_run(GNUPLOT_PROGRAM, dir, &good, 1, &err);
    if (rc == RL_ERR_TOOL_MISSING) {
        skip();
    }
    assert_int_equal(rc, RL_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/good.txt", dir);
    assert_int_equal(access(path, F_OK), 0); /* ran in dir: relative names land there */
    /* One process runs the scripts in order and stops at the first error. */
    const char *both[] = {"bad.gp", "good.gp"};
    unlink(path);
    rc = gnuplot_run(GNUPLOT_PROGRAM, dir, both, 2, &err);
    assert_int_equal(rc, RL_ERR_TOOL_FAILED);
    print_message("%s\n", err.message);
    assert_non_null(strstr(err.message, "gnuplot failed (exit 1)"));
    assert_non_null(strstr(err.message, "\"bad.gp\" line 2: undefined variable: nosuchvariable"));
    assert_int_equal(access(path, F_OK), -1);
    rc = gnuplot_run(GNUPLOT_PROGRAM, dir, both, 0, &err);
    assert_int_equal(rc, RL_ERR_LIMIT);
    assert_null(strchr(err.message, '\n'));
    unlink(path);
    snprintf(path, sizeof path, "%s/good.gp", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/bad.gp", dir);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_program_is_its_own_error),
        cmocka_unit_test(missing_folder_is_not_a_missing_gnuplot),
        cmocka_unit_test(first_error_line_is_found),
        cmocka_unit_test(script_outcomes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
