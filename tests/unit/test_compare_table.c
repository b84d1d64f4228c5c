/* test_compare_table.c - compare's table: rows found by key, and the three formats (Markdown,
 * CSV with the columns plot_comparison reads, JSON that jansson parses back). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/compare/compare_table.h"

static void two_rows(compare_table *t, compare_row rows[2]) {
    memset(rows, 0, 2 * sizeof rows[0]);
    strcpy(rows[0].scenario, "stampede");
    strcpy(rows[0].variant, "as written");
    strcpy(rows[0].algorithm, "gcra_pace@redis");
    strcpy(rows[0].api, "powerbi");
    rows[0].replications = 1;
    rows[0].mean[FIGURE_RATE_429] = 0.25;
    rows[0].mean[FIGURE_LATENCY_P99] = 2500000;
    rows[0].mean[FIGURE_STORE_OPS] = 600;
    rows[0].mean[FIGURE_DONE_RATIO] = 0.9;
    rows[0].mean[FIGURE_ABANDONED_RATIO] = 0.1;
    rows[1] = rows[0];
    strcpy(rows[1].variant, "limiters.l.rate=5/s, quoted \"x\"");
    rows[1].replications = 3;
    rows[1].half_width[FIGURE_RATE_429] = 0.01;
    t->rows = rows;
    t->count = t->capacity = 2;
}

__attribute__((noinline)) static char *written(void (*write)(FILE *, const compare_table *), const compare_table *t) {
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    write(out, t);
    fclose(out);
    return text;
}

/* How many times needle occurs in text. */
static int count_of(const char *text, const char *needle) {
    int count = 0;
    for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle)) {
        count++;
    }
    return count;
}

static void rows_found_by_key(void **state) {
    (void)state;
    compare_table t;
    compare_row rows[2];
    two_rows(&t, rows);
    assert_ptr_equal(compare_table_find(&t, "stampede", "as written", "powerbi"), &rows[0]);
    assert_null(compare_table_find(&t, "stampede", "as written", "llm"));
    assert_null(compare_table_find(&t, "other", "as written", "powerbi"));
}

static void markdown_table(void **state) {
    (void)state;
    compare_table t;
    compare_row rows[2];
    two_rows(&t, rows);
    char *text = written(compare_table_write_markdown, &t);
    assert_non_null(strstr(text, "| scenario | variant | api | done_ratio | abandoned_ratio | "
                                 "rate_429 | latency_p50 | latency_p99 | wasted_quota | "
                                 "burst_ratio | fairness |\n"));
    assert_non_null(
        strstr(text, "| stampede | as written | powerbi | 90.000% | 10.000% | 25.000% | 0us | "
                     "2.50s |"));
    /* The store figures come once per scenario and variant, in their own table. */
    assert_non_null(strstr(text, "| scenario | variant | store_ops |"));
    assert_non_null(strstr(text, "\n| stampede | as written | 600 |"));
    assert_int_equal(count_of(text, "| stampede | as written | 600 |"), 1);
    assert_non_null(strstr(text, "25.000% ± 1.000%")); /* replications: the interval shows */
    free(text);
}

static void csv_has_the_plot_columns_and_quotes(void **state) {
    (void)state;
    compare_table t;
    compare_row rows[2];
    two_rows(&t, rows);
    char *text = written(compare_table_write_csv, &t);
    const char *needed[] = {"scenario,variant,algorithm,api,replications", "rate_429_mean",
                            "rate_429_ci95", "latency_p99_us_mean", "latency_p99_us_ci95",
                            "wasted_quota_mean", "wasted_quota_ci95", "store_ops_mean"};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        assert_non_null(strstr(text, needed[i]));
    }
    assert_non_null(strstr(text, "\nstampede,as written,gcra_pace@redis,powerbi,1,0.25,0,"));
    assert_non_null(strstr(text, "\"limiters.l.rate=5/s, quoted \"\"x\"\"\""));
    free(text);
}

static void json_parses_back(void **state) {
    (void)state;
    compare_table t;
    compare_row rows[2];
    two_rows(&t, rows);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    rl_error err;
    compare_verdict found[2] = {{.base = &rows[0], .current = &rows[1],
                                 .figure = FIGURE_RATE_429, .allowed = 0.002},
                                {.base = &rows[1], .current = NULL, .figure = -1}};
    compare_verdicts verdicts = {.baseline_path = "base.json", .count = 2, .items = found};
    assert_int_equal(compare_table_write_json(out, &t, &verdicts, &err), RL_OK);
    fclose(out);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    assert_non_null(root);
    json_t *list = json_object_get(root, "rows");
    assert_int_equal(json_array_size(list), 2);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "api")), "powerbi");
    json_t *rate = json_object_get(json_object_get(first, "figures"), "rate_429");
    assert_true(json_real_value(json_object_get(rate, "mean")) == 0.25);
    json_t *done = json_object_get(json_object_get(first, "figures"), "done_ratio");
    assert_true(json_real_value(json_object_get(done, "mean")) == 0.9);
    /* Store figures once per run, not on the API rows. */
    assert_null(json_object_get(json_object_get(first, "figures"), "store_ops"));
    json_t *runs = json_object_get(root, "runs");
    assert_int_equal(json_array_size(runs), 2); /* two variants */
    json_t *ops = json_object_get(json_object_get(json_array_get(runs, 0), "figures"),
                                  "store_ops");
    assert_true(json_real_value(json_object_get(ops, "mean")) == 600.0);
    json_t *base = json_object_get(root, "baseline");
    assert_string_equal(json_string_value(json_object_get(base, "verdict")), "worse");
    json_t *findings = json_object_get(base, "findings");
    assert_int_equal(json_array_size(findings), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(findings, 0), "figure")),
                        "rate_429");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(findings, 1), "finding")), "missing");
    json_decref(root);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_found_by_key),
        cmocka_unit_test(markdown_table),
        cmocka_unit_test(csv_has_the_plot_columns_and_quotes),
        cmocka_unit_test(json_parses_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
