/* test_expectations.c - checking `expect:` claims: each comparison, measuring from a finished
 * run's summaries, the printed lines and the CSV; then random thresholds against a reference. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rng.h"
#include "harness/report/expectations.h"
#include "harness/report/figures.h"
#include "harness/scenario/figure.h"

#define PROPERTY_SEED UINT64_C(20261123)
#define PROPERTY_CASES 100000

static void each_comparison(void **state) {
    (void)state;
    assert_true(expectation_holds(EXPECT_LT, 0.0009, 0.001));
    assert_false(expectation_holds(EXPECT_LT, 0.001, 0.001));
    assert_true(expectation_holds(EXPECT_LE, 0.001, 0.001));
    assert_false(expectation_holds(EXPECT_LE, 0.0011, 0.001));
    assert_true(expectation_holds(EXPECT_GT, 2.0, 1.0));
    assert_false(expectation_holds(EXPECT_GT, 1.0, 1.0));
    assert_true(expectation_holds(EXPECT_GE, 1.0, 1.0));
    assert_false(expectation_holds(EXPECT_GE, 0.999, 1.0));
    assert_true(expectation_holds(EXPECT_EQ, 600.0, 600.0));
    assert_true(expectation_holds(EXPECT_EQ, 0.1 + 0.2, 0.3)); /* rounding is not a failure */
    assert_false(expectation_holds(EXPECT_EQ, 601.0, 600.0));
}

/* A finished run's summaries as a test writes them, with one API called "powerbi". */
static void fake_run(scenario *s, metrics *m) {
    memset(s, 0, sizeof *s);
    memset(m, 0, sizeof *m);
    s->api_count = 1;
    strcpy(s->apis[0].name, "powerbi");
    m->scenario = s;
    m->api_count = 1;
    m->finished = true;
    api_summary *a = &m->apis[0].summary;
    a->rate_429 = 0.25;
    a->latency_p50_us = 40000;
    a->latency_p99_us = 2500000;
    a->burst_ratio = 1.5;
    a->fairness_jain = 0.9;
    a->jobs_created = 200;
    a->jobs_completed = 150;
    a->jobs_abandoned = 50;
    a->attempts = 300;
    m->store.ops = 1234;
    m->store.errors_refused = 3;
    m->store.errors_timeout = 4;
}

static void add(scenario *s, int api, figure_id figure, expect_op op, double threshold,
                const char *text) {
    scenario_expectation *e = &s->expectations[s->expectation_count++];
    e->api_index = api;
    e->figure = figure;
    e->op = op;
    e->threshold = threshold;
    snprintf(e->text, sizeof e->text, "%s", text);
}

static void figures_come_from_the_summaries(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    metrics *m = malloc(sizeof *m);
    assert_non_null(s);
    assert_non_null(m);
    fake_run(s, m);
    assert_true(figures_value(m, 0, FIGURE_RATE_429) == 0.25);
    assert_true(figures_value(m, 0, FIGURE_LATENCY_P99) == 2500000.0);
    assert_true(figures_value(m, 0, FIGURE_DONE_RATIO) == 0.75);
    assert_true(figures_value(m, 0, FIGURE_ABANDONED_RATIO) == 0.25);
    assert_true(figures_value(m, 0, FIGURE_ATTEMPTS_PER_JOB) == 1.5);
    assert_true(figures_value(m, -1, FIGURE_STORE_OPS) == 1234.0);
    assert_true(figures_value(m, -1, FIGURE_STORE_ERRORS) == 7.0);
    char shown[32];
    figures_format(FIGURE_RATE_429, 0.25, shown, sizeof shown);
    assert_string_equal(shown, "25.000%");
    figures_format(FIGURE_LATENCY_P99, 2500000.0, shown, sizeof shown);
    assert_string_equal(shown, "2.50s");
    figures_format(FIGURE_BURST_RATIO, 1.5, shown, sizeof shown);
    assert_string_equal(shown, "1.500");
    figures_format(FIGURE_STORE_OPS, 1599600.4, shown, sizeof shown);
    assert_string_equal(shown, "1599600"); /* not 1.5996e+06 */
    figures_format(FIGURE_STORE_OPS, 46360.5, shown, sizeof shown);
    assert_string_equal(shown, "46360.5");
    free(s);
    free(m);
}

static void claims_checked_printed_and_written(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    metrics *m = malloc(sizeof *m);
    assert_non_null(s);
    assert_non_null(m);
    fake_run(s, m);
    add(s, 0, FIGURE_RATE_429, EXPECT_LT, 0.001, "powerbi.rate_429 < 0.001");
    add(s, 0, FIGURE_BURST_RATIO, EXPECT_LE, 2.0, "powerbi.burst_ratio <= 2");
    add(s, -1, FIGURE_STORE_OPS, EXPECT_EQ, 1234.0, "store.ops == 1234");
    double measured[SCENARIO_EXPECT_MAX];
    expectation_result results[SCENARIO_EXPECT_MAX];
    expectations_measure(s, m, measured);
    assert_int_equal(expectations_check(s, measured, results), 1);
    assert_false(results[0].passed);
    assert_true(results[1].passed);
    assert_true(results[2].passed);
    char text[1024];
    FILE *out = fmemopen(text, sizeof text, "w");
    assert_non_null(out);
    expectations_print(out, s, results);
    fclose(out);
    assert_non_null(strstr(text, "FAIL  powerbi.rate_429 < 0.001"));
    assert_non_null(strstr(text, "measured 25.000%"));
    assert_non_null(strstr(text, "PASS  store.ops == 1234"));
    out = fmemopen(text, sizeof text, "w");
    assert_non_null(out);
    expectations_write_csv(out, s, results);
    fclose(out);
    assert_string_equal(
        text, "expression,subject,figure,op,threshold,measured,measured_value,passed\n"
              "\"powerbi.rate_429 < 0.001\",powerbi,rate_429,<,0.001,25.000%,0.25,false\n"
              "\"powerbi.burst_ratio <= 2\",powerbi,burst_ratio,<=,2,1.500,1.5,true\n"
              "\"store.ops == 1234\",store,ops,==,1234,1234,1234,true\n");
    free(s);
    free(m);
}

/* Random values and thresholds: < and >= disagree always; so do > and <=. */
static void property_opposites_disagree(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, PROPERTY_SEED, 1);
    for (int i = 0; i < PROPERTY_CASES; i++) {
        double measured = (double)rng_below(&r, 1000) / 100.0;
        double threshold = (double)rng_below(&r, 1000) / 100.0;
        assert_true(expectation_holds(EXPECT_LT, measured, threshold) !=
                    expectation_holds(EXPECT_GE, measured, threshold));
        assert_true(expectation_holds(EXPECT_GT, measured, threshold) !=
                    expectation_holds(EXPECT_LE, measured, threshold));
        assert_true(expectation_holds(EXPECT_EQ, measured, threshold) ==
                    (expectation_holds(EXPECT_LE, measured, threshold) &&
                     expectation_holds(EXPECT_GE, measured, threshold)));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_comparison),
        cmocka_unit_test(figures_come_from_the_summaries),
        cmocka_unit_test(claims_checked_printed_and_written),
        cmocka_unit_test(property_opposites_disagree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
