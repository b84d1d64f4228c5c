/* plot_frontier.c - tune's figure: points.csv in, four panels against the rate out. */
#include "harness/report/plot_frontier.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/csv_reader.h"
#include "harness/report/gnuplot_run.h"
#include "harness/report/gnuplot_text.h"
#include "harness/report/output_file.h"
#include "harness/report/plot_figure.h"
#include "harness/report/plot_scripts.h"

#define FRONTIER_VALUES 8 /* four figures, each mean and ci95 */

/* One row of points.csv, in the figure's units. */
typedef struct frontier_row {
    double rate_per_s;
    int64_t burst;
    bool safe;
    bool on_frontier;
    bool best;
    double values[FRONTIER_VALUES];
} frontier_row;

static const char *const VALUE_COLUMNS[FRONTIER_VALUES] = {
    "rate_429_mean",     "rate_429_ci95",     "latency_p99_us_mean", "latency_p99_us_ci95",
    "wasted_quota_mean", "wasted_quota_ci95", "done_ratio_mean",     "done_ratio_ci95"};
static const double VALUE_SCALES[FRONTIER_VALUES] = {100.0, 100.0, 1e-6, 1e-6,
                                                     100.0, 100.0, 100.0, 100.0};

typedef struct frontier_columns {
    int rate, burst, verdict, on_frontier, best;
    int values[FRONTIER_VALUES];
} frontier_columns;

static int find_columns(const csv_reader *r, frontier_columns *c, rl_error *err) {
    int rc = csv_reader_require(r, "rate_per_s", &c->rate, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "burst", &c->burst, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "verdict", &c->verdict, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "on_frontier", &c->on_frontier, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "best", &c->best, err);
    for (int v = 0; rc == RL_OK && v < FRONTIER_VALUES; v++) {
        rc = csv_reader_require(r, VALUE_COLUMNS[v], &c->values[v], err);
    }
    return rc;
}

static int read_row(const csv_reader *r, const frontier_columns *c, frontier_row *row,
                    rl_error *err) {
    int64_t on_frontier = 0, best = 0;
    int rc = csv_reader_double(r, c->rate, &row->rate_per_s, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->burst, &row->burst, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->on_frontier, &on_frontier, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->best, &best, err);
    for (int v = 0; rc == RL_OK && v < FRONTIER_VALUES; v++) {
        rc = csv_reader_double(r, c->values[v], &row->values[v], err);
        row->values[v] *= VALUE_SCALES[v];
    }
    row->safe = strcmp(csv_reader_field(r, c->verdict), "holds") == 0;
    row->on_frontier = on_frontier != 0;
    row->best = best != 0;
    return rc;
}

static int read_rows(const char *path, frontier_row *rows, int *count, rl_error *err) {
    csv_reader r;
    int rc = csv_reader_open(&r, path, err);
    if (rc != RL_OK) {
        return rc;
    }
    frontier_columns columns;
    rc = find_columns(&r, &columns, err);
    while (rc == RL_OK) {
        int got = csv_reader_next(&r, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (*count == PLOT_FRONTIER_POINTS_MAX) {
            rc = rl_error_set(err, RL_ERR_LIMIT, "%s: more than %d points", path,
                              PLOT_FRONTIER_POINTS_MAX);
            break;
        }
        rc = read_row(&r, &columns, &rows[*count], err);
        (*count)++;
    }
    csv_reader_close(&r);
    if (rc == RL_OK && *count == 0) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s: no rows under the header", path);
    }
    return rc;
}

static int by_rate(const void *a, const void *b) {
    const frontier_row *x = a, *y = b;
    if (x->rate_per_s != y->rate_per_s) {
        return x->rate_per_s < y->rate_per_s ? -1 : 1;
    }
    return x->burst < y->burst ? -1 : x->burst > y->burst ? 1 : 0;
}

/* frontier.dat: one row per point, by rate: rate, burst, class (0 grey, 1 frontier), safe (0,
 * 1), best (0, 1), then the four figures' mean and ci95. */
static int write_dat(const frontier_row *rows, int count, const char *dir, rl_error *err) {
    FILE *out = NULL;
    const char *name = PLOT_FRONTIER_NAME ".dat";
    int rc = output_file_open(dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    fputs("# written by ratelab from points.csv, by rate: rate (/s), burst, on_frontier, safe, "
          "best, then the mean and ci95 of: 429 rate (%), latency p99 (s), wasted quota (%), "
          "done ratio (%)\n",
          out);
    for (int i = 0; i < count; i++) {
        const frontier_row *row = &rows[i];
        fprintf(out, "%.9g %lld %d %d %d", row->rate_per_s, (long long)row->burst,
                row->on_frontier ? 1 : 0, row->safe ? 1 : 0, row->best ? 1 : 0);
        for (int v = 0; v < FRONTIER_VALUES; v++) {
            fprintf(out, " %.6g", row->values[v]);
        }
        fputc('\n', out);
    }
    return output_file_close(out, dir, name, err);
}

/* True when the frontier's points should carry their burst: bursts vary, and the frontier has
 * few enough points (8 at most) for the labels to stay legible. */
static bool label_bursts(const frontier_row *rows, int count) {
    bool differ = false;
    int frontier = 0;
    for (int i = 0; i < count; i++) {
        differ = differ || rows[i].burst != rows[0].burst;
        frontier += rows[i].on_frontier ? 1 : 0;
    }
    return differ && frontier <= 8;
}

/* The floor of a logarithmic 429 axis, or 0 for a linear one. The axis is logarithmic when the
 * 429 rates (and the threshold, when it is drawn there) span more than two decades: then a
 * threshold of 0.1% and rates of 40% are both legible. Zero rates sit on the floor, a tenth of
 * the smallest positive value, and the floor is labelled 0. In %. */
static double log_floor_429(const frontier_row *rows, int count,
                            const plot_frontier_options *options) {
    double low = 0, high = 0;
    for (int i = 0; i < count; i++) {
        double v = rows[i].values[0];
        low = v > 0 && (low == 0 || v < low) ? v : low;
        high = v > high ? v : high;
    }
    if (options->threshold_panel == 0 && options->threshold > 0) {
        low = low == 0 || options->threshold < low ? options->threshold : low;
    }
    return low > 0 && high / low > 100.0 ? low / 10.0 : 0;
}

static int write_script(const frontier_row *rows, int count, const char *dir, plot_format format,
                        const plot_frontier_options *options, rl_error *err) {
    FILE *out = NULL;
    const char *script = PLOT_FRONTIER_NAME ".gp";
    int rc = output_file_open(dir, script, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    char image[64], title[512];
    snprintf(image, sizeof image, PLOT_FRONTIER_NAME ".%s", plot_format_name(format));
    plot_figure_write_head(out, dir, script, image, "frontier", format);
    gnuplot_assign_string(out, "datafile", PLOT_FRONTIER_NAME ".dat");
    snprintf(title, sizeof title,
             "%s: %d points run\nblue: on the Pareto frontier of the four figures; grey: beaten "
             "on all four; hollow: not safe",
             options->title, count);
    gnuplot_assign_string(out, "title_text", title);
    gnuplot_assign_number(out, "label_bursts", label_bursts(rows, count) ? 1 : 0);
    gnuplot_assign_number(out, "floor_429", log_floor_429(rows, count, options));
    gnuplot_assign_number(out, "threshold_panel", options->threshold_panel + 1);
    gnuplot_assign_number(out, "threshold", options->threshold);
    gnuplot_assign_string(out, "threshold_text",
                          options->threshold_text != NULL ? options->threshold_text : "");
    plot_figure_write_tail(out, "frontier");
    return output_file_close(out, dir, script, err);
}

int plot_frontier(const char *points_csv_path, const char *out_dir, plot_format format,
                  const plot_frontier_options *options, rl_error *err) {
    frontier_row *rows = rl_calloc(PLOT_FRONTIER_POINTS_MAX, sizeof *rows);
    if (rows == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for the frontier figure");
    }
    int count = 0;
    int rc = read_rows(points_csv_path, rows, &count, err);
    if (rc == RL_OK) {
        qsort(rows, (size_t)count, sizeof *rows, by_rate);
        rc = output_dir_make(out_dir, err);
    }
    if (rc == RL_OK) rc = plot_script_write(out_dir, "plot_style.gp", err);
    if (rc == RL_OK) rc = plot_script_write(out_dir, "plot_frontier.gp", err);
    if (rc == RL_OK) rc = write_dat(rows, count, out_dir, err);
    if (rc == RL_OK) rc = write_script(rows, count, out_dir, format, options, err);
    rl_free(rows);
    if (rc != RL_OK) {
        return rc;
    }
    const char *script = PLOT_FRONTIER_NAME ".gp";
    return gnuplot_run(GNUPLOT_PROGRAM, out_dir, &script, 1, err);
}
