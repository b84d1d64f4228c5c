/* plot_data.c - turning a results folder's CSV files into the data files gnuplot draws. */
#include "harness/report/plot_data.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/csv_reader.h"
#include "harness/report/output_file.h"
#include "harness/report/results_folder.h"

/* The slowest latency a histogram may hold: 2^53 us (exact as a double; about 285 years). */
#define PLOT_LATENCY_US_MAX (INT64_C(1) << 53)

static int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

static int64_t max_i64(int64_t a, int64_t b) {
    return a > b ? a : b;
}

const plot_bucket *plot_series_bucket(const plot_series *series, int api, int64_t bucket) {
    return &series->buckets[(int64_t)api * series->bucket_count + bucket];
}

/* Sizes the buckets for summary: a second or more each, at most PLOT_BUCKETS_MAX per API. */
static int series_init(plot_series *out, const run_summary *summary, rl_error *err) {
    memset(out, 0, sizeof *out);
    out->api_count = summary->api_count;
    out->duration_us = summary->duration_us;
    out->bin_us = summary->bin_us;
    int64_t bin_count = ceil_div(summary->duration_us, summary->bin_us);
    out->step_bins = max_i64(ceil_div(1000000, summary->bin_us),
                             ceil_div(bin_count, PLOT_BUCKETS_MAX));
    out->bucket_us = out->step_bins * summary->bin_us;
    out->bucket_count = ceil_div(bin_count, out->step_bins);
    out->buckets = rl_calloc((size_t)(out->bucket_count * out->api_count), sizeof *out->buckets);
    if (out->buckets == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for %lld plot buckets",
                            (long long)(out->bucket_count * out->api_count));
    }
    for (int64_t i = 0; i < out->bucket_count * out->api_count; i++) {
        out->buckets[i].limit_per_s = -1;     /* not seen yet */
        out->buckets[i].burst_allowance = -1; /* not seen yet */
    }
    return RL_OK;
}

/* The columns of timeseries.csv the figures need. */
typedef struct series_columns {
    int time_s, api, attempts, accepted, rejected_429, dropped, limit_per_s, burst_max,
        burst_allowance;
} series_columns;

static int series_columns_find(const csv_reader *r, series_columns *c, rl_error *err) {
    int rc = csv_reader_require(r, "time_s", &c->time_s, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "api", &c->api, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "attempts", &c->attempts, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "accepted", &c->accepted, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "rejected_429", &c->rejected_429, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "dropped", &c->dropped, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "limit_per_s", &c->limit_per_s, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "burst_max", &c->burst_max, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "burst_allowance", &c->burst_allowance, err);
    return rc;
}

/* Adds the current row of r into its bucket. */
static int series_add_row(plot_series *out, const run_summary *summary, const csv_reader *r,
                          const series_columns *c, rl_error *err) {
    int api = summary_api_index(summary, csv_reader_field(r, c->api));
    if (api < 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: api '%s' is not in summary.json",
                            r->path, (long long)r->line_number, csv_reader_field(r, c->api));
    }
    double time_s, limit_per_s;
    int64_t counts[4], burst_max, burst_allowance;
    int rc = csv_reader_double(r, c->time_s, &time_s, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->attempts, &counts[0], err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->accepted, &counts[1], err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->rejected_429, &counts[2], err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->dropped, &counts[3], err);
    if (rc == RL_OK) rc = csv_reader_double(r, c->limit_per_s, &limit_per_s, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->burst_max, &burst_max, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->burst_allowance, &burst_allowance, err);
    if (rc != RL_OK) {
        return rc;
    }
    /* The file is not trusted (issue 22: time_s 1e300 made llround's result negative, and the
     * bucket index with it): the range is checked before anything is converted or indexed. */
    double bin_exact = time_s * 1e6 / (double)out->bin_us;
    double bins = (double)(out->bucket_count * out->step_bins);
    if (!(bin_exact >= 0) || !(bin_exact < bins - 0.5)) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: time_s %g is outside the run",
                            r->path, (long long)r->line_number, time_s);
    }
    if (counts[0] < 0 || counts[1] < 0 || counts[2] < 0 || counts[3] < 0 || burst_max < 0 ||
        burst_allowance < 0 || limit_per_s < 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: a count or limit below 0", r->path,
                            (long long)r->line_number);
    }
    int64_t bin = (int64_t)llround(bin_exact);
    assert(bin >= 0 && bin < out->bucket_count * out->step_bins);
    plot_bucket *b = &out->buckets[(int64_t)api * out->bucket_count + bin / out->step_bins];
    if (__builtin_add_overflow(b->attempts, counts[0], &b->attempts) ||
        __builtin_add_overflow(b->accepted, counts[1], &b->accepted) ||
        __builtin_add_overflow(b->rejected_429, counts[2], &b->rejected_429) ||
        __builtin_add_overflow(b->dropped, counts[3], &b->dropped)) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: counts too large to add up", r->path,
                            (long long)r->line_number);
    }
    b->limit_per_s = limit_per_s > b->limit_per_s ? limit_per_s : b->limit_per_s;
    b->burst_max = max_i64(b->burst_max, burst_max);
    b->burst_allowance = max_i64(b->burst_allowance, burst_allowance);
    return RL_OK;
}

/* Buckets no row reached take the API's declared figures from the summary. */
static void series_fill_unseen(plot_series *out, const run_summary *summary) {
    for (int api = 0; api < out->api_count; api++) {
        const summary_api *a = &summary->apis[api];
        for (int64_t i = 0; i < out->bucket_count; i++) {
            plot_bucket *b = &out->buckets[(int64_t)api * out->bucket_count + i];
            if (b->limit_per_s < 0) {
                b->limit_per_s = (double)a->limit * 1e6 / (double)a->window_us;
            }
            if (b->burst_allowance < 0) {
                b->burst_allowance = a->burst_allowance;
            }
        }
    }
}

int plot_series_read(const char *path, const run_summary *summary, plot_series *out,
                     rl_error *err) {
    int rc = series_init(out, summary, err);
    if (rc != RL_OK) {
        return rc;
    }
    csv_reader r;
    rc = csv_reader_open(&r, path, err);
    series_columns columns;
    if (rc == RL_OK) {
        rc = series_columns_find(&r, &columns, err);
        while (rc == RL_OK) {
            int got = csv_reader_next(&r, err);
            if (got <= 0) {
                rc = got;
                break;
            }
            rc = series_add_row(out, summary, &r, &columns, err);
        }
        csv_reader_close(&r);
    }
    if (rc != RL_OK) {
        plot_series_free(out);
        return rl_error_printable(err, rc); /* a row's api is quoted as the file has it */
    }
    series_fill_unseen(out, summary);
    return RL_OK;
}

void plot_series_write_dat(const plot_series *series, const char *api_name, int api, FILE *out) {
    fprintf(out,
            "# %s per %.6g s bucket, written by ratelab plot from timeseries.csv.\n"
            "# Each bucket is two rows, its start and its end, so lines draw steps.\n"
            "# time_s attempts_per_s accepted_per_s rejected_429_per_s dropped_per_s "
            "limit_per_s burst_max burst_allowance\n",
            api_name, (double)series->bucket_us / 1e6);
    for (int64_t i = 0; i < series->bucket_count; i++) {
        const plot_bucket *b = plot_series_bucket(series, api, i);
        int64_t start_us = i * series->bucket_us;
        int64_t end_us = start_us + series->bucket_us;
        end_us = end_us < series->duration_us ? end_us : series->duration_us;
        double span_s = (double)(end_us - start_us) / 1e6;
        for (int edge = 0; edge < 2; edge++) {
            fprintf(out, "%.10g %.6g %.6g %.6g %.6g %.6g %lld %lld\n",
                    (double)(edge == 0 ? start_us : end_us) / 1e6,
                    (double)b->attempts / span_s, (double)b->accepted / span_s,
                    (double)b->rejected_429 / span_s, (double)b->dropped / span_s, b->limit_per_s,
                    (long long)b->burst_max, (long long)b->burst_allowance);
        }
    }
}

void plot_series_free(plot_series *series) {
    rl_free(series->buckets);
    series->buckets = NULL;
}

/* One row of latency_histogram.csv. */
typedef struct latency_row {
    int api;
    int64_t low_us, high_us, count;
} latency_row;

typedef struct latency_columns {
    int api, low_us, high_us, count;
} latency_columns;

/* Reads the next row of r into row. Returns 1, 0 at the end, or an error. */
static int latency_next(csv_reader *r, const latency_columns *c, const run_summary *summary,
                        latency_row *row, rl_error *err) {
    int got = csv_reader_next(r, err);
    if (got <= 0) {
        return got;
    }
    row->api = summary_api_index(summary, csv_reader_field(r, c->api));
    if (row->api < 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: api '%s' is not in summary.json",
                            r->path, (long long)r->line_number, csv_reader_field(r, c->api));
    }
    int rc = csv_reader_int64(r, c->low_us, &row->low_us, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->high_us, &row->high_us, err);
    if (rc == RL_OK) rc = csv_reader_int64(r, c->count, &row->count, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (row->low_us < 0 || row->high_us < row->low_us || row->high_us > PLOT_LATENCY_US_MAX ||
        row->count < 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:%lld: a bucket needs 0 <= low_us <= high_us <= 2^53 and "
                            "count >= 0",
                            r->path, (long long)r->line_number);
    }
    return 1;
}

static int latency_open(csv_reader *r, const char *path, latency_columns *c, rl_error *err) {
    int rc = csv_reader_open(r, path, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = csv_reader_require(r, "api", &c->api, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "low_us", &c->low_us, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "high_us", &c->high_us, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "count", &c->count, err);
    if (rc != RL_OK) {
        csv_reader_close(r);
    }
    return rc;
}

/* First pass: the range of latencies and each API's total; checks the rows are grouped by API
 * in ascending order. */
static int latency_scan(const char *path, const run_summary *summary, plot_latency_range *range,
                        rl_error *err) {
    memset(range, 0, sizeof *range);
    range->low_us_min = -1;
    csv_reader r;
    latency_columns c;
    int rc = latency_open(&r, path, &c, err);
    if (rc != RL_OK) {
        return rc;
    }
    bool done[SCENARIO_APIS_MAX] = {false};
    latency_row row, previous = {.api = -1};
    for (;;) {
        rc = latency_next(&r, &c, summary, &row, err);
        if (rc <= 0) {
            break;
        }
        if (row.api != previous.api && done[row.api]) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: rows of api %s are not together",
                              path, (long long)r.line_number, summary->apis[row.api].name);
            break;
        }
        if (row.api == previous.api && row.low_us <= previous.high_us) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: buckets are not in order", path,
                              (long long)r.line_number);
            break;
        }
        done[row.api] = true;
        if (__builtin_add_overflow(range->completed[row.api], row.count,
                                   &range->completed[row.api])) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: counts too large to add up", path,
                              (long long)r.line_number);
            break;
        }
        if (range->low_us_min < 0 || row.low_us < range->low_us_min) {
            range->low_us_min = row.low_us;
        }
        range->high_us_max = max_i64(range->high_us_max, row.high_us + 1);
        previous = row;
    }
    csv_reader_close(&r);
    range->low_us_min = range->low_us_min < 0 ? 0 : range->low_us_min;
    return rc;
}

/* One API's cumulative curve, being written to its file. */
typedef struct latency_curve {
    FILE *out; /* NULL when no file is open */
    char name[SCENARIO_NAME_BYTES + 32];
    int api;
    int64_t done;
    double denominator; /* the API's created jobs (at least those counted, at least 1) */
    double pct;
} latency_curve;

/* Opens the file of row's API and writes its first point (no job done yet). */
static int curve_start(latency_curve *c, const run_summary *summary,
                       const plot_latency_range *range, const char *dir, const latency_row *row,
                       rl_error *err) {
    const summary_api *a = &summary->apis[row->api];
    c->api = row->api;
    c->done = 0;
    c->pct = 0;
    c->denominator = (double)max_i64(max_i64(a->jobs_created, range->completed[row->api]), 1);
    snprintf(c->name, sizeof c->name, "latency_%s.dat", a->name);
    int rc = output_file_open(dir, c->name, &c->out, err);
    if (rc != RL_OK) {
        return rc;
    }
    fprintf(c->out,
            "# %s: share of its %lld created jobs done within each latency, written by ratelab "
            "plot from latency_histogram.csv.\n# latency_s done_pct\n%.9g 0\n",
            a->name, (long long)a->jobs_created, (double)max_i64(row->low_us, 1) / 1e6);
    return RL_OK;
}

static void curve_add(latency_curve *c, const latency_row *row) {
    if (__builtin_add_overflow(c->done, row->count, &c->done)) {
        c->done = INT64_MAX; /* only if the file changed since latency_scan added it up */
    }
    c->pct = 100.0 * (double)c->done / c->denominator;
    fprintf(c->out, "%.9g %.6g\n", (double)(row->high_us + 1) / 1e6, c->pct);
}

/* Ends the open curve (if any) flat to the slowest latency of all APIs and closes its file;
 * after an error (keep false) closes it without a word. */
static int curve_finish(latency_curve *c, const char *dir, const plot_latency_range *range,
                        bool keep, rl_error *err) {
    if (c->out == NULL) {
        return RL_OK;
    }
    FILE *out = c->out;
    c->out = NULL;
    if (!keep) {
        fclose(out);
        return RL_OK;
    }
    fprintf(out, "%.9g %.6g\n", (double)range->high_us_max / 1e6, c->pct);
    return output_file_close(out, dir, c->name, err);
}

/* Second pass: one file per API with its cumulative curve. */
static int latency_write(const char *path, const run_summary *summary, const char *dir,
                         const plot_latency_range *range, rl_error *err) {
    csv_reader r;
    latency_columns columns;
    int rc = latency_open(&r, path, &columns, err);
    if (rc != RL_OK) {
        return rc;
    }
    latency_curve curve = {.out = NULL, .api = -1};
    latency_row row;
    for (;;) {
        rc = latency_next(&r, &columns, summary, &row, err);
        if (rc <= 0) {
            break;
        }
        if (row.api != curve.api) {
            rc = curve_finish(&curve, dir, range, true, err);
            if (rc == RL_OK) {
                rc = curve_start(&curve, summary, range, dir, &row, err);
            }
            if (rc != RL_OK) {
                break;
            }
        }
        curve_add(&curve, &row);
    }
    csv_reader_close(&r);
    int finish_rc = curve_finish(&curve, dir, range, rc == RL_OK, err);
    return rc != RL_OK ? rc : finish_rc;
}

int plot_latency_write_dats(const char *path, const run_summary *summary, const char *dir,
                            plot_latency_range *range, rl_error *err) {
    int rc = latency_scan(path, summary, range, err);
    if (rc == RL_OK) {
        rc = latency_write(path, summary, dir, range, err);
    }
    return rl_error_printable(err, rc); /* a row's api is quoted as the file has it */
}

/* Copies text into out (PLOT_FAULT_TEXT_BYTES), keeping printable ASCII only. */
static void copy_printable(const char *text, char *out) {
    size_t i = 0;
    for (; text[i] != '\0' && i < PLOT_FAULT_TEXT_BYTES - 1; i++) {
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    }
    out[i] = '\0';
}

static int faults_read_rows(csv_reader *r, plot_faults *out, rl_error *err) {
    int kind, target, start_s, end_s;
    int rc = csv_reader_require(r, "kind", &kind, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "target", &target, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "start_s", &start_s, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "end_s", &end_s, err);
    while (rc == RL_OK) {
        int got = csv_reader_next(r, err);
        if (got <= 0) {
            return got;
        }
        if (out->count == PLOT_FAULTS_MAX) {
            return rl_error_set(err, RL_ERR_LIMIT, "%s: more than %d faults", r->path,
                                PLOT_FAULTS_MAX);
        }
        plot_fault *f = &out->faults[out->count];
        copy_printable(csv_reader_field(r, kind), f->kind);
        copy_printable(csv_reader_field(r, target), f->target);
        rc = csv_reader_double(r, start_s, &f->start_s, err);
        if (rc == RL_OK) rc = csv_reader_double(r, end_s, &f->end_s, err);
        if (rc == RL_OK && (f->start_s < 0 || f->end_s < f->start_s)) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%lld: a fault needs 0 <= start_s <= end_s",
                              r->path, (long long)r->line_number);
        }
        out->count++;
    }
    return rc;
}

int plot_faults_read(const char *dir, plot_faults *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, "faults.csv", err);
    if (rc != RL_OK) {
        return rc;
    }
    if (access(path, F_OK) != 0) {
        return RL_OK; /* no faults in this run: normal */
    }
    csv_reader r;
    rc = csv_reader_open(&r, path, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = faults_read_rows(&r, out, err);
    csv_reader_close(&r);
    return rl_error_printable(err, rc);
}
