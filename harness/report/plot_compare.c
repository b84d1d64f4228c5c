/* plot_compare.c - the comparison figure: comparison.csv in, grouped bars out. */
#include "harness/report/plot_compare.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/csv_reader.h"
#include "harness/report/gnuplot_run.h"
#include "harness/report/gnuplot_text.h"
#include "harness/report/output_file.h"
#include "harness/report/plot_figure.h"
#include "harness/report/plot_palette.h"
#include "harness/report/plot_scripts.h"

#define COMPARE_TEXT_BYTES 96
#define COMPARE_VALUES 8 /* 429 %, ci; p99 s, ci; wasted quota %, ci; jobs done %, ci */

/* comparison.csv as a grid: groups (scenario, API) by algorithms. */
typedef struct compare_table {
    int group_count;
    char group_scenario[PLOT_COMPARE_GROUPS_MAX][COMPARE_TEXT_BYTES];
    char group_api[PLOT_COMPARE_GROUPS_MAX][COMPARE_TEXT_BYTES];
    int algorithm_count;
    char algorithms[PLOT_COMPARE_ALGORITHMS_MAX][COMPARE_TEXT_BYTES];
    bool present[PLOT_COMPARE_GROUPS_MAX][PLOT_COMPARE_ALGORITHMS_MAX];
    double values[PLOT_COMPARE_GROUPS_MAX][PLOT_COMPARE_ALGORITHMS_MAX][COMPARE_VALUES];
    int64_t replications_min;
    int64_t replications_max;
    bool by_variant;   /* bars are the variants (settings), not the algorithms */
    int variant_count; /* distinct variants seen (up to PLOT_COMPARE_ALGORITHMS_MAX + 1) */
    char variants[PLOT_COMPARE_ALGORITHMS_MAX + 1][COMPARE_TEXT_BYTES];
} compare_table;

/* The columns read, in the order of compare_table.values, and what each is multiplied by. */
static const char *const value_columns[COMPARE_VALUES] = {
    "rate_429_mean",     "rate_429_ci95",     "latency_p99_us_mean", "latency_p99_us_ci95",
    "wasted_quota_mean", "wasted_quota_ci95", "done_ratio_mean",     "done_ratio_ci95"};
static const double value_scales[COMPARE_VALUES] = {100.0, 100.0, 1e-6,  1e-6,
                                                    100.0, 100.0, 100.0, 100.0};

typedef struct compare_columns {
    int scenario, algorithm, api, replications;
    int variant; /* -1 when the file has no variant column */
    int values[COMPARE_VALUES];
} compare_columns;

static int find_columns(const csv_reader *r, compare_columns *c, rl_error *err) {
    int rc = csv_reader_require(r, "scenario", &c->scenario, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "algorithm", &c->algorithm, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "api", &c->api, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "replications", &c->replications, err);
    for (int v = 0; rc == RL_OK && v < COMPARE_VALUES; v++) {
        rc = csv_reader_require(r, value_columns[v], &c->values[v], err);
    }
    c->variant = csv_reader_column(r, "variant");
    return rc;
}

/* Copies text (at most COMPARE_TEXT_BYTES - 1 bytes), quotes and control characters replaced,
 * so it can stand in a gnuplot data file between double quotes. */
static void copy_label(char *out, const char *text) {
    size_t i = 0;
    for (; text[i] != '\0' && i < COMPARE_TEXT_BYTES - 1; i++) {
        out[i] = text[i] == '"' ? '\'' : (unsigned char)text[i] < 0x20 ? ' ' : text[i];
    }
    out[i] = '\0';
}

/* The index of the group (scenario, api), added when new; -1 beyond the bound. */
static int group_index(compare_table *t, const char *scenario, const char *api) {
    char s[COMPARE_TEXT_BYTES], a[COMPARE_TEXT_BYTES];
    copy_label(s, scenario);
    copy_label(a, api);
    for (int i = 0; i < t->group_count; i++) {
        if (strcmp(t->group_scenario[i], s) == 0 && strcmp(t->group_api[i], a) == 0) {
            return i;
        }
    }
    if (t->group_count == PLOT_COMPARE_GROUPS_MAX) {
        return -1;
    }
    memcpy(t->group_scenario[t->group_count], s, sizeof s);
    memcpy(t->group_api[t->group_count], a, sizeof a);
    return t->group_count++;
}

/* The index of algorithm, added when new; -1 beyond the bound. */
static int algorithm_index(compare_table *t, const char *algorithm) {
    char name[COMPARE_TEXT_BYTES];
    copy_label(name, algorithm);
    for (int i = 0; i < t->algorithm_count; i++) {
        if (strcmp(t->algorithms[i], name) == 0) {
            return i;
        }
    }
    if (t->algorithm_count == PLOT_COMPARE_ALGORITHMS_MAX) {
        return -1;
    }
    memcpy(t->algorithms[t->algorithm_count], name, sizeof name);
    return t->algorithm_count++;
}

/* Counts the distinct variants (the bars are the variants when there are two or more). */
static void note_variant(compare_table *t, const char *variant) {
    char name[COMPARE_TEXT_BYTES];
    copy_label(name, variant);
    for (int i = 0; i < t->variant_count; i++) {
        if (strcmp(t->variants[i], name) == 0) {
            return;
        }
    }
    if (t->variant_count <= PLOT_COMPARE_ALGORITHMS_MAX) {
        memcpy(t->variants[t->variant_count++], name, sizeof name);
    }
}

static int add_row(compare_table *t, const csv_reader *r, const compare_columns *c,
                   rl_error *err) {
    const char *variant = c->variant >= 0 ? csv_reader_field(r, c->variant) : "";
    note_variant(t, variant);
    int g = group_index(t, csv_reader_field(r, c->scenario), csv_reader_field(r, c->api));
    int a = algorithm_index(t, t->by_variant ? variant : csv_reader_field(r, c->algorithm));
    if (g < 0 || a < 0) {
        return rl_error_set(err, RL_ERR_LIMIT,
                            "%s:%lld: more than %d scenario groups or %d algorithms", r->path,
                            (long long)r->line_number, PLOT_COMPARE_GROUPS_MAX,
                            PLOT_COMPARE_ALGORITHMS_MAX);
    }
    if (t->present[g][a]) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: a second row for %s, %s, %s",
                            r->path, (long long)r->line_number, t->group_scenario[g],
                            t->algorithms[a], t->group_api[g]);
    }
    int64_t replications;
    int rc = csv_reader_int64(r, c->replications, &replications, err);
    for (int v = 0; rc == RL_OK && v < COMPARE_VALUES; v++) {
        double value;
        rc = csv_reader_double(r, c->values[v], &value, err);
        if (rc == RL_OK && value < 0) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: %s: %g is below 0", r->path,
                              (long long)r->line_number, value_columns[v], value);
        }
        t->values[g][a][v] = value * value_scales[v];
    }
    if (rc == RL_OK && replications < 1) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: replications must be 1 or more",
                          r->path, (long long)r->line_number);
    }
    t->present[g][a] = true;
    bool first = t->replications_max == 0;
    t->replications_min = first || replications < t->replications_min ? replications
                                                                       : t->replications_min;
    t->replications_max = replications > t->replications_max ? replications
                                                              : t->replications_max;
    return rc;
}

static int read_rows(const char *path, compare_table *t, rl_error *err) {
    csv_reader r;
    int rc = csv_reader_open(&r, path, err);
    if (rc != RL_OK) {
        return rc;
    }
    compare_columns columns;
    rc = find_columns(&r, &columns, err);
    while (rc == RL_OK) {
        int got = csv_reader_next(&r, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        rc = add_row(t, &r, &columns, err);
    }
    csv_reader_close(&r);
    if (rc == RL_OK && t->group_count == 0) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s: no rows under the header", path);
    }
    return rc;
}

/* Reads comparison.csv into t: the bars are its algorithms, or, when it holds two or more
 * variants (settings of a sweep, --algorithms), its variants, read again that way. */
static int read_table(const char *path, compare_table *t, rl_error *err) {
    int rc = read_rows(path, t, err);
    if (rc == RL_OK && t->variant_count >= 2) {
        memset(t, 0, sizeof *t);
        t->by_variant = true;
        rc = read_rows(path, t, err);
    }
    return rc;
}

/* True when another group has the same scenario: its label then names the API too. */
static bool scenario_has_several_apis(const compare_table *t, int g) {
    for (int i = 0; i < t->group_count; i++) {
        if (i != g && strcmp(t->group_scenario[i], t->group_scenario[g]) == 0) {
            return true;
        }
    }
    return false;
}

static int write_dat(const compare_table *t, const char *dir, rl_error *err) {
    FILE *out = NULL;
    const char *name = PLOT_COMPARE_NAME ".dat";
    int rc = output_file_open(dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    fputs("# written by ratelab from comparison.csv: one row per scenario group; for each "
          "series (algorithm or variant), in the order of comparison.gp's series_title:\n"
          "# rate_429 mean and ci95 (%), latency p99 mean and ci95 (s), wasted quota mean and "
          "ci95 (%), jobs done mean and ci95 (%); NaN where the series did not run\n",
          out);
    bool one_scenario = true;
    for (int g = 1; g < t->group_count; g++) {
        one_scenario = one_scenario && strcmp(t->group_scenario[g], t->group_scenario[0]) == 0;
    }
    for (int g = 0; g < t->group_count; g++) {
        if (one_scenario && t->group_count > 1) {
            fprintf(out, "\"%s\"", t->group_api[g]); /* the title names the scenario */
        } else if (scenario_has_several_apis(t, g)) {
            fprintf(out, "\"%s: %s\"", t->group_scenario[g], t->group_api[g]);
        } else {
            fprintf(out, "\"%s\"", t->group_scenario[g]);
        }
        for (int a = 0; a < t->algorithm_count; a++) {
            for (int v = 0; v < COMPARE_VALUES; v++) {
                if (t->present[g][a]) {
                    fprintf(out, " %.6g", t->values[g][a][v]);
                } else {
                    fputs(" NaN", out);
                }
            }
        }
        fputc('\n', out);
    }
    return output_file_close(out, dir, name, err);
}

/* 1 when the latency means span two decades or more: the axis is then logarithmic. */
static int latency_needs_log(const compare_table *t) {
    double low = 0, high = 0;
    for (int g = 0; g < t->group_count; g++) {
        for (int a = 0; a < t->algorithm_count; a++) {
            double p99 = t->values[g][a][2];
            if (!t->present[g][a] || p99 <= 0) {
                continue;
            }
            low = low == 0 || p99 < low ? p99 : low;
            high = p99 > high ? p99 : high;
        }
    }
    return low > 0 && high / low >= 100.0 ? 1 : 0;
}

static void write_title(FILE *out, const compare_table *t) {
    char title[512], replications[128];
    if (t->replications_max <= 1) {
        snprintf(replications, sizeof replications,
                 "one run each (no confidence interval)");
    } else if (t->replications_min == t->replications_max) {
        snprintf(replications, sizeof replications,
                 "mean of %" PRId64 " replications, whiskers: 95%% confidence interval",
                 t->replications_max);
    } else {
        snprintf(replications, sizeof replications,
                 "mean of %" PRId64 " to %" PRId64
                 " replications, whiskers: 95%% confidence interval",
                 t->replications_min, t->replications_max);
    }
    bool one_scenario = true;
    for (int g = 1; g < t->group_count; g++) {
        one_scenario = one_scenario && strcmp(t->group_scenario[g], t->group_scenario[0]) == 0;
    }
    char groups[COMPARE_TEXT_BYTES + 32];
    if (one_scenario) {
        snprintf(groups, sizeof groups, "%s, %d API%s", t->group_scenario[0], t->group_count,
                 t->group_count == 1 ? "" : "s");
    } else {
        snprintf(groups, sizeof groups, "%d scenario groups", t->group_count);
    }
    snprintf(title, sizeof title,
             "comparison of %d %s over %s; jobs done: higher is better, the rest: lower\n%s",
             t->algorithm_count, t->by_variant ? "variants" : "algorithms", groups,
             replications);
    gnuplot_assign_string(out, "title_text", title);
}

static int write_script(const compare_table *t, const char *dir, plot_format format,
                        rl_error *err) {
    FILE *out = NULL;
    const char *script = PLOT_COMPARE_NAME ".gp";
    int rc = output_file_open(dir, script, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    char image[64];
    snprintf(image, sizeof image, PLOT_COMPARE_NAME ".%s", plot_format_name(format));
    plot_figure_write_head(out, dir, script, image, "comparison", format);
    gnuplot_assign_string(out, "datafile", PLOT_COMPARE_NAME ".dat");
    write_title(out, t);
    gnuplot_assign_number(out, "group_count", t->group_count);
    gnuplot_assign_number(out, "series_count", t->algorithm_count);
    gnuplot_assign_number(out, "with_ci", t->replications_max > 1 ? 1 : 0);
    gnuplot_assign_number(out, "log_p99", latency_needs_log(t));
    const char *titles[PLOT_COMPARE_ALGORITHMS_MAX], *colors[PLOT_COMPARE_ALGORITHMS_MAX];
    char color_text[PLOT_COMPARE_ALGORITHMS_MAX][PLOT_COLOR_BYTES];
    for (int a = 0; a < t->algorithm_count; a++) {
        plot_palette_color(t->algorithms[a], color_text[a]);
        titles[a] = t->algorithms[a];
    }
    /* Variants of one algorithm would share its colour: bars that differ by a setting get one
     * colour each, as do algorithms whose colours collide. */
    bool collide = t->by_variant;
    for (int a = 0; a < t->algorithm_count && !collide; a++) {
        for (int b = 0; b < a; b++) {
            collide = collide || strcmp(color_text[a], color_text[b]) == 0;
        }
    }
    for (int a = 0; a < t->algorithm_count; a++) {
        if (collide) {
            plot_palette_series_color(a, color_text[a]);
        }
        colors[a] = color_text[a];
    }
    gnuplot_assign_strings(out, "series_title", titles, t->algorithm_count);
    gnuplot_assign_strings(out, "series_color", colors, t->algorithm_count);
    plot_figure_write_tail(out, "comparison");
    return output_file_close(out, dir, script, err);
}

int plot_comparison(const char *comparison_csv_path, const char *out_dir, plot_format format,
                    rl_error *err) {
    compare_table *t = rl_calloc(1, sizeof *t);
    if (t == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for the comparison figure");
    }
    int rc = read_table(comparison_csv_path, t, err);
    if (rc == RL_OK) rc = output_dir_make(out_dir, err);
    if (rc == RL_OK) rc = plot_script_write(out_dir, "plot_style.gp", err);
    if (rc == RL_OK) rc = plot_script_write(out_dir, "plot_comparison.gp", err);
    if (rc == RL_OK) rc = write_dat(t, out_dir, err);
    if (rc == RL_OK) rc = write_script(t, out_dir, format, err);
    rl_free(t);
    if (rc != RL_OK) {
        return rc;
    }
    const char *script = PLOT_COMPARE_NAME ".gp";
    return gnuplot_run(GNUPLOT_PROGRAM, out_dir, &script, 1, err);
}
