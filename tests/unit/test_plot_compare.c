/* test_plot_compare.c - the comparison figure from a comparison.csv the test writes: a
 * 1600x900 PNG (or an SVG), whiskers only with replications, and clear errors for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/plot_compare.h"

#define HEADER                                                                                 \
    "scenario,algorithm,api,replications,rate_429_mean,rate_429_ci95,latency_p50_us_mean,"     \
    "latency_p50_us_ci95,latency_p99_us_mean,latency_p99_us_ci95,wasted_quota_mean,"          \
    "wasted_quota_ci95,burst_ratio_mean,burst_ratio_ci95,fairness_jain_mean,"                 \
    "fairness_jain_ci95,store_ops_per_s_mean,store_ops_per_s_ci95,done_ratio_mean,"             \
    "done_ratio_ci95\n"

/* Three scenarios, one with two APIs; token_bucket did not run on demo's llm (a gap). */
static const char five_replications[] =
    HEADER
    "stampede,gcra_pace@local,powerbi_local,5,0.733,0.02,10000000,100000,20300000,400000,0,0,"
    "18,0.5,0.85,0.01,0,0,0.343,0.01\n"
    "stampede,gcra_pace@redis,powerbi_shared,5,0,0,33000000,10000,65900000,30000,0.033,0.002,"
    "1,0,1,0,3.3,0.1,1,0\n"
    "demo,gcra@redis,powerbi,5,0.01,0.004,200000,1000,900000,20000,0.1,0.01,1.2,0.1,0.99,0,40,1,"
    "1,0\n"
    "demo,token_bucket@redis,powerbi,5,0.05,0.01,150000,1000,600000,20000,0.05,0.01,2,0.2,0.98,"
    "0,40,1,0.98,0.01\n"
    "demo,gcra@redis,llm,5,0,0,80000,1000,300000,5000,0.2,0.03,1,0,1,0,40,1,1,0\n";

typedef struct test_dir {
    char path[64];
} test_dir;

static void make_dir(test_dir *d) {
    snprintf(d->path, sizeof d->path, "/tmp/ratelab-test-compare-XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void remove_dir(const test_dir *d) {
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", d->path);
    assert_int_equal(system(command), 0);
}

static void write_file(const test_dir *d, const char *name, const char *text, char *path,
                       size_t size) {
    snprintf(path, size, "%s/%s", d->path, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Reads a PNG's signature and IHDR: its width and height, or fails the test. */
static void png_size(const char *path, uint32_t *width, uint32_t *height) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[24];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("no image %s", path);
    }
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    assert_int_equal(got, sizeof head);
    assert_memory_equal(head, signature, sizeof signature);
    assert_memory_equal(head + 12, "IHDR", 4);
    *width = (uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 | (uint32_t)head[18] << 8 |
             head[19];
    *height = (uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 | (uint32_t)head[22] << 8 |
              head[23];
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static const size_t limit = 1 << 20;
    char *text = calloc(1, limit);
    assert_non_null(text);
    size_t got = fread(text, 1, limit - 1, f);
    text[got] = '\0';
    fclose(f);
    return text;
}

static void draws_grouped_bars_with_whiskers(void **state) {
    (void)state;
    test_dir d;
    make_dir(&d);
    char csv[256], path[512];
    write_file(&d, "comparison.csv", five_replications, csv, sizeof csv);
    char out[128];
    snprintf(out, sizeof out, "%s/figures", d.path);
    rl_error err;
    rl_error_clear(&err);
    int rc = plot_comparison(csv, out, PLOT_FORMAT_PNG, &err);
    if (rc == RL_ERR_TOOL_MISSING) {
        remove_dir(&d);
        skip();
    }
    if (rc != RL_OK) {
        fail_msg("%s", err.message);
    }
    snprintf(path, sizeof path, "%s/comparison.png", out);
    uint32_t width, height;
    png_size(path, &width, &height);
    assert_int_equal(width, 1600);
    assert_int_equal(height, 900);
    /* stampede and demo have two APIs each: a group per scenario and API. */
    snprintf(path, sizeof path, "%s/comparison.dat", out);
    char *data = read_text(path);
    assert_non_null(strstr(data, "\n\"stampede: powerbi_local\" 73.3 2 20.3 0.4 0 0 34.3 1"));
    assert_non_null(strstr(data, "\n\"demo: llm\" NaN NaN"));
    free(data);
    snprintf(path, sizeof path, "%s/comparison.gp", out);
    char *script = read_text(path);
    assert_non_null(strstr(script, "with_ci = 1\n"));
    assert_non_null(strstr(script, "series_count = 4\n"));
    assert_non_null(strstr(script, "\"#ad94c7\"")); /* gcra_pace@local: the palette's tint */
    assert_non_null(strstr(script, "mean of 5 replications"));
    free(script);
    remove_dir(&d);
}

static void one_replication_has_no_whiskers_and_svg_works(void **state) {
    (void)state;
    test_dir d;
    make_dir(&d);
    char csv[256], path[256];
    write_file(&d, "comparison.csv",
               HEADER "solo,gcra@redis,api,1,0.1,0,1,0,1000,0,0.5,0,1,0,1,0,1,0,0.9,0\n", csv,
               sizeof csv);
    rl_error err;
    int rc = plot_comparison(csv, d.path, PLOT_FORMAT_SVG, &err);
    if (rc == RL_ERR_TOOL_MISSING) {
        remove_dir(&d);
        skip();
    }
    if (rc != RL_OK) {
        fail_msg("%s", err.message);
    }
    snprintf(path, sizeof path, "%s/comparison.svg", d.path);
    char *svg = read_text(path);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "width=\"1600\""));
    free(svg);
    snprintf(path, sizeof path, "%s/comparison.gp", d.path);
    char *script = read_text(path);
    assert_non_null(strstr(script, "with_ci = 0\n"));
    assert_non_null(strstr(script, "one run each"));
    free(script);
    remove_dir(&d);
}

/* Three policies of one algorithm (a sweep's variants): three bars of three colours, the
 * legend naming the setting, not three identical bars named after the algorithm. */
static void variants_get_distinct_colours_and_name_the_setting(void **state) {
    (void)state;
    test_dir d;
    make_dir(&d);
    char csv[256], path[256];
    write_file(&d, "comparison.csv",
               "scenario,variant,algorithm,api,replications,rate_429_mean,rate_429_ci95,"
               "latency_p99_us_mean,latency_p99_us_ci95,wasted_quota_mean,wasted_quota_ci95,"
               "done_ratio_mean,done_ratio_ci95\n"
               "down,f=fail_open,gcra@redis f=fail_open,api,1,0.3,0,1000,0,0,0,0.9,0\n"
               "down,f=fail_closed,gcra@redis f=fail_closed,api,1,0,0,1000,0,0.1,0,0.8,0\n"
               "down,f=local_fallback,gcra@redis f=local_fallback,api,1,0.1,0,1000,0,0,0,1,0\n",
               csv, sizeof csv);
    rl_error err;
    rl_error_clear(&err);
    int rc = plot_comparison(csv, d.path, PLOT_FORMAT_PNG, &err);
    if (rc == RL_ERR_TOOL_MISSING) {
        remove_dir(&d);
        skip();
    }
    if (rc != RL_OK) {
        fail_msg("%s", err.message);
    }
    snprintf(path, sizeof path, "%s/comparison.gp", d.path);
    char *script = read_text(path);
    assert_non_null(strstr(script, "series_count = 3\n"));
    assert_non_null(strstr(script, "\"f=fail_open\", \"f=fail_closed\", \"f=local_fallback\""));
    assert_non_null(strstr(script, "\"#1f77b4\", \"#6a3d9a\", \"#8c564b\""));
    assert_non_null(strstr(script, "comparison of 3 variants"));
    free(script);
    snprintf(path, sizeof path, "%s/comparison.dat", d.path);
    char *data = read_text(path);
    /* One scenario: the group is named by its API; jobs done is the last pair of each series. */
    assert_non_null(strstr(data, "\n\"down\" 30 0 0.001 0 0 0 90 0 0 0 0.001 0 10 0 80 0"));
    free(data);
    remove_dir(&d);
}

static void bad_input_gets_one_clear_line(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int rc;
        const char *message;
    } cases[] = {
        {"scenario,algorithm\nx,y\n", RL_ERR_INVALID, "no column 'api'"},
        {HEADER, RL_ERR_INVALID, "no rows under the header"},
        {HEADER "s,a,x,5,abc,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n", RL_ERR_INVALID,
         ":2: rate_429_mean: 'abc' is not a number"},
        {HEADER "s,a,x,5,-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n", RL_ERR_INVALID, "below 0"},
        {HEADER "s,a,x,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n"
                "s,a,x,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n",
         RL_ERR_INVALID, ":3: a second row for s, a, x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_dir d;
        make_dir(&d);
        char csv[256];
        write_file(&d, "comparison.csv", cases[i].text, csv, sizeof csv);
        rl_error err;
        rl_error_clear(&err);
        assert_int_equal(plot_comparison(csv, d.path, PLOT_FORMAT_PNG, &err), cases[i].rc);
        if (strstr(err.message, cases[i].message) == NULL || strchr(err.message, '\n')) {
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].message);
        }
        remove_dir(&d);
    }
    rl_error err;
    assert_int_equal(plot_comparison("/nonexistent/comparison.csv", "/tmp", PLOT_FORMAT_PNG,
                                     &err),
                     RL_ERR_IO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draws_grouped_bars_with_whiskers),
        cmocka_unit_test(one_replication_has_no_whiskers_and_svg_works),
        cmocka_unit_test(variants_get_distinct_colours_and_name_the_setting),
        cmocka_unit_test(bad_input_gets_one_clear_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
