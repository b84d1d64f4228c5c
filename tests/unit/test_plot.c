/* test_plot.c - the figures and the report page of a results folder the test produces (the
 * stampede, simulated here): every expected image is a 1600x900 PNG, the data shows the
 * stampede, faults are shaded where they belong, expectations reach the page, and a folder with
 * missing data gets one clear line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/plot.h"
#include "harness/report/report_build.h"
#include "harness/report/results_writer.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

#define DIR_BYTES 160  /* a folder of the fixture */
#define PATH_BYTES 512 /* a folder and a file name in it */

/* A results folder of the stampede in a fresh temporary folder: <root>/run. */
typedef struct fixture {
    char root[64];
    char run[DIR_BYTES];
    char plots[DIR_BYTES];
} fixture;

static void produce_results(const char *dir) {
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/scenarios/stampede.yaml", source_dir ? source_dir : ".");
    scenario *s = calloc(1, sizeof *s);
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(s);
    assert_non_null(m);
    rl_error err;
    rl_error_clear(&err);
    sim_run_stats stats;
    if (scenario_load_file(path, NULL, 0, s, &err) != RL_OK ||
        sim_run(s, m, &stats, NULL, NULL, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    run_info info = {.world = "simulation", .events_run = stats.events_run,
                     .jobs_alive_max = stats.jobs_alive_max};
    if (results_write_folder(dir, s, m, &info, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    metrics_destroy(m);
    free(m);
    free(s);
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/ratelab-test-plot-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->run, sizeof f->run, "%s/run", f->root);
    snprintf(f->plots, sizeof f->plots, "%s/run/plots", f->root);
    produce_results(f->run);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char command[PATH_BYTES];
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    int rc = system(command);
    free(f);
    return rc;
}

static void write_file(const char *dir, const char *name, const char *text) {
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    assert_int_equal(fclose(out), 0);
}

static char *read_file(const char *dir, const char *name) {
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        fail_msg("cannot read %s", path);
    }
    size_t limit = 1 << 20;
    char *text = calloc(1, limit);
    assert_non_null(text);
    size_t got = fread(text, 1, limit - 1, in);
    text[got] = '\0';
    fclose(in);
    return text;
}

static bool file_exists(const char *dir, const char *name) {
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Checks dir/name is a PNG (signature, IHDR) of 1600x900 pixels. */
static void assert_png_1600x900(const char *dir, const char *name) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char head[24];
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        fail_msg("expected image %s is missing", path);
    }
    size_t got = fread(head, 1, sizeof head, in);
    fclose(in);
    assert_int_equal(got, sizeof head);
    assert_memory_equal(head, signature, sizeof signature);
    assert_memory_equal(head + 12, "IHDR", 4);
    uint32_t width = (uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 |
                     (uint32_t)head[18] << 8 | head[19];
    uint32_t height = (uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 |
                      (uint32_t)head[22] << 8 | head[23];
    if (width != 1600 || height != 900) {
        fail_msg("%s is %ux%u, not 1600x900", name, width, height);
    }
}

/* Draws the figures; skips the test when gnuplot is not installed. */
static void draw_or_skip(const fixture *f, plot_format format) {
    rl_error err;
    rl_error_clear(&err);
    int rc = report_build(f->run, f->run, f->plots, "plots/", format, &err);
    if (rc == RL_ERR_TOOL_MISSING) {
        skip();
    }
    if (rc != RL_OK) {
        fail_msg("%s", err.message);
    }
}

static void every_figure_is_a_1600x900_png(void **state) {
    fixture *f = *state;
    draw_or_skip(f, PLOT_FORMAT_PNG);
    static const char *const images[] = {
        "timeseries_powerbi_local.png", "timeseries_powerbi_shared.png",
        "bursts_powerbi_local.png",     "bursts_powerbi_shared.png",
        "latency.png",
    };
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
        assert_png_1600x900(f->plots, images[i]);
    }
    /* The data and the scripts are there to draw them again by hand. */
    assert_true(file_exists(f->plots, "timeseries_powerbi_local.gp"));
    assert_true(file_exists(f->plots, "plot_timeseries.gp"));
    assert_true(file_exists(f->plots, "plot_style.gp"));
}

/* The first row of dir/name past its comments, as numbers. */
static int first_row(const char *text, double *values, int count) {
    const char *line = text;
    while (*line == '#') {
        line = strchr(line, '\n') + 1;
    }
    int read = 0;
    char *end = NULL;
    for (; read < count; read++, line = end) {
        values[read] = strtod(line, &end);
        if (end == line) {
            break;
        }
    }
    return read;
}

static void data_shows_the_stampede(void **state) {
    fixture *f = *state;
    rl_error err;
    int rc = plot_results_folder(f->run, f->plots, PLOT_FORMAT_PNG, &err);
    assert_true(rc == RL_OK || rc == RL_ERR_TOOL_MISSING);
    double row[8];
    /* Local limiters: 20 pods x 9/s arrive at once, 18 times the API's 10/s. */
    char *local = read_file(f->plots, "timeseries_powerbi_local.dat");
    assert_int_equal(first_row(local, row, 8), 8);
    assert_true(row[0] == 0.0);
    assert_true(row[1] >= 150.0); /* attempts per second in the first second */
    assert_true(row[5] == 10.0);  /* the API's limit per second */
    assert_true(row[6] >= 150.0 && row[7] == 10.0); /* burst peak against its allowance */
    free(local);
    /* The shared GCRA: never above the limit, in any bucket. */
    char *shared = read_file(f->plots, "timeseries_powerbi_shared.dat");
    for (const char *line = shared; *line != '\0'; line = strchr(line, '\n') + 1) {
        if (*line != '#' && first_row(line, row, 8) == 8) {
            assert_true(row[1] <= row[5]);
            assert_true(row[6] <= row[7]);
        }
    }
    free(shared);
    /* Latency: the local curve stops at 206 of 600 jobs, the shared one reaches 100%. */
    char *script = read_file(f->plots, "latency.gp");
    assert_non_null(strstr(script, "206 of 600 jobs done"));
    assert_non_null(strstr(script, "log_x = 1"));
    assert_non_null(strstr(script, "series_dash[2] = [2, 1]"));
    free(script);
}

static void faults_are_shaded_where_they_belong(void **state) {
    fixture *f = *state;
    write_file(f->run, "faults.csv",
               "kind,target,start_s,end_s\nstore_outage,store,30,60\n"
               "api_outage,powerbi_shared,90,95\n");
    rl_error err;
    int rc = plot_results_folder(f->run, f->plots, PLOT_FORMAT_PNG, &err);
    assert_true(rc == RL_OK || rc == RL_ERR_TOOL_MISSING);
    char *local = read_file(f->plots, "timeseries_powerbi_local.gp");
    assert_non_null(strstr(local, "fault_count = 1\n"));
    assert_non_null(strstr(local, "array fault_start[1] = [30]"));
    assert_non_null(strstr(local, "\"store_outage (store)\""));
    free(local);
    char *shared = read_file(f->plots, "bursts_powerbi_shared.gp");
    assert_non_null(strstr(shared, "fault_count = 2\n"));
    assert_non_null(strstr(shared, "array fault_end[2] = [60, 95]"));
    free(shared);
    write_file(f->run, "faults.csv", "kind,target,start_s,end_s\nx,store,60,30\n");
    assert_int_equal(plot_results_folder(f->run, f->plots, PLOT_FORMAT_PNG, &err),
                     RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "faults.csv:2: a fault needs 0 <= start_s <= end_s"));
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/faults.csv", f->run);
    unlink(path);
}

static void report_page_shows_expectations_and_figures(void **state) {
    fixture *f = *state;
    write_file(f->run, "expectations.csv",
               "expression,measured,passed\n"
               "powerbi_shared.rate_429 < 0.001,0,true\n"
               "\"powerbi_local.rate_429 < 0.001\",0.733,false\n");
    draw_or_skip(f, PLOT_FORMAT_PNG);
    char *md = read_file(f->run, "report.md");
    assert_non_null(strstr(md, "# ratelab report: stampede (seed 1)"));
    assert_non_null(strstr(md, "| powerbi_local | gcra_pace@local | 206 / 600 | 3,086 | 73.3% |"));
    assert_non_null(strstr(md, "1 of 2 held"));
    assert_non_null(strstr(md, "| pass | `powerbi_shared.rate_429 < 0.001` | 0 |"));
    assert_non_null(strstr(md, "| **FAIL** | `powerbi_local.rate_429 < 0.001` | 0.733 |"));
    assert_non_null(strstr(md, "![powerbi_local (gcra_pace@local): requests per second]"
                               "(plots/timeseries_powerbi_local.png)"));
    assert_non_null(strstr(md, "(plots/latency.png)"));
    /* The top answers "which limiter?" for the two copies of the API, and the table follows. */
    assert_non_null(strstr(md, "## Which limiter?\n\n- **Burst-intolerant API, 600 per 1min, 10 in "
                               "any 1s;"));
    assert_non_null(strstr(md, "Best: gcra_pace@redis (powerbi_shared), ahead of gcra_pace@local "
                               "(powerbi_local) on requests refused"));
    assert_non_null(strstr(md, "It pays p99 latency 65.9 s against 20.3 s."));
    assert_true(strstr(md, "| powerbi_shared | gcra_pace@redis |") <
                strstr(md, "| powerbi_local | gcra_pace@local |"));
    /* Jobs first: lost jobs are named before anything else; "within limits" only beside them. */
    assert_non_null(strstr(md, "- **powerbi_shared** (gcra_pace@redis): all 600 jobs done (100.0%; "
                               "none abandoned, none pending). The API saw nothing over its "
                               "limits"));
    assert_non_null(strstr(md, "- **powerbi_local** (gcra_pace@local): LOST 394 of 600 jobs "
                               "(65.7%: 394 abandoned, 0 still pending at the end); 206 done "
                               "(34.3%). The API saw traffic over its limits"));
    free(md);
    char *html = read_file(f->run, "report.html");
    assert_non_null(strstr(html, "<img src=\"plots/bursts_powerbi_shared.png\""));
    assert_non_null(strstr(html, "<code>powerbi_local.rate_429 &lt; 0.001</code>"));
    free(html);
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/expectations.csv", f->run);
    unlink(path);
}

static void svg_on_request(void **state) {
    fixture *f = *state;
    draw_or_skip(f, PLOT_FORMAT_SVG);
    char *svg = read_file(f->plots, "latency.svg");
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "width=\"1600\""));
    free(svg);
    char *md = read_file(f->run, "report.md");
    assert_non_null(strstr(md, "(plots/latency.svg)"));
    free(md);
}

/* Without gnuplot in PATH: the distinct error, the data and the page all the same. */
static void missing_gnuplot_still_writes_the_data(void **state) {
    fixture *f = *state;
    char empty[DIR_BYTES];
    snprintf(empty, sizeof empty, "%s/empty-bin", f->root);
    assert_int_equal(mkdir(empty, 0777), 0);
    char *saved = strdup(getenv("PATH") != NULL ? getenv("PATH") : "/usr/bin:/bin");
    assert_non_null(saved);
    setenv("PATH", empty, 1);
    char out[DIR_BYTES];
    snprintf(out, sizeof out, "%s/elsewhere", f->root);
    rl_error err;
    rl_error_clear(&err);
    int rc = report_build(f->run, out, out, "", PLOT_FORMAT_PNG, &err);
    setenv("PATH", saved, 1);
    free(saved);
    assert_int_equal(rc, RL_ERR_TOOL_MISSING);
    assert_string_equal(err.message,
                        "gnuplot not found; install it with: sudo apt-get install gnuplot-nox");
    assert_true(file_exists(out, "timeseries_powerbi_local.dat"));
    assert_true(file_exists(out, "latency_powerbi_shared.dat"));
    assert_false(file_exists(out, "latency.png"));
    char *md = read_file(out, "report.md");
    assert_non_null(strstr(md, "**Figures not drawn:** gnuplot not found"));
    assert_null(strstr(md, "!["));
    free(md);
}

static void missing_data_gets_one_clear_line(void **state) {
    fixture *f = *state;
    static const char *const needed[] = {"timeseries.csv", "summary.json",
                                         "latency_histogram.csv"};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        char broken[DIR_BYTES], command[3 * PATH_BYTES];
        snprintf(broken, sizeof broken, "%s/broken", f->root);
        snprintf(command, sizeof command, "rm -rf '%s' && cp -r '%s' '%s' && rm '%s/%s'",
                 broken, f->run, broken, broken, needed[i]);
        assert_int_equal(system(command), 0);
        rl_error err;
        rl_error_clear(&err);
        char plots[DIR_BYTES + 8];
        snprintf(plots, sizeof plots, "%s/plots", broken);
        assert_int_equal(plot_results_folder(broken, plots, PLOT_FORMAT_PNG, &err),
                         RL_ERR_INVALID);
        char expected[128];
        snprintf(expected, sizeof expected, "no %s; not a complete ratelab results folder",
                 needed[i]);
        if (strstr(err.message, expected) == NULL) {
            fail_msg("'%s' lacks '%s'", err.message, expected);
        }
    }
    /* A time series from before the burst columns existed. */
    char broken[DIR_BYTES];
    snprintf(broken, sizeof broken, "%s/broken", f->root);
    write_file(broken, "timeseries.csv", "time_s,api,attempts\n0,powerbi_local,1\n");
    char command[3 * PATH_BYTES];
    snprintf(command, sizeof command, "cp '%s/latency_histogram.csv' '%s/'", f->run, broken);
    assert_int_equal(system(command), 0);
    rl_error err;
    assert_int_equal(plot_results_folder(broken, broken, PLOT_FORMAT_PNG, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "timeseries.csv: no column 'accepted'"));
    rl_error_clear(&err);
    assert_int_equal(plot_results_folder("/nonexistent/run", "/tmp", PLOT_FORMAT_PNG, &err),
                     RL_ERR_INVALID);
    assert_string_equal(err.message, "/nonexistent/run: no such results folder");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_figure_is_a_1600x900_png),
        cmocka_unit_test(data_shows_the_stampede),
        cmocka_unit_test(faults_are_shaded_where_they_belong),
        cmocka_unit_test(report_page_shows_expectations_and_figures),
        cmocka_unit_test(svg_on_request),
        cmocka_unit_test(missing_gnuplot_still_writes_the_data),
        cmocka_unit_test(missing_data_gets_one_clear_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
