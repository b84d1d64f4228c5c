/* plot_data.h - the data of the figures, prepared from a results folder's files: each API's time
 * series in buckets of about a second, its latency distribution as a cumulative curve, and the
 * fault windows to shade. */
#ifndef RATELAB_PLOT_DATA_H
#define RATELAB_PLOT_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/report/summary_read.h"

#define PLOT_BUCKETS_MAX 2000 /* per API: a longer run gets wider buckets */
#define PLOT_FAULTS_MAX 64
#define PLOT_FAULT_TEXT_BYTES 64

/* One bucket of one API: counts summed over its bins, peaks over its bins. */
typedef struct plot_bucket {
    int64_t attempts;
    int64_t accepted;
    int64_t rejected_429;
    int64_t dropped;
    double limit_per_s;      /* the API's declared limit (the largest seen in the bucket) */
    int64_t burst_max;       /* the most arrivals in the burst window, over the bucket */
    int64_t burst_allowance; /* what the API allows in that window */
} plot_bucket;

/* Every API's time series, in buckets of step_bins bins of the run. */
typedef struct plot_series {
    int api_count;
    int64_t duration_us;
    int64_t bin_us;
    int64_t step_bins;    /* bins per bucket: 1 s worth at least, and at most PLOT_BUCKETS_MAX */
    int64_t bucket_us;    /* step_bins * bin_us */
    int64_t bucket_count; /* per API */
    plot_bucket *buckets; /* api_count * bucket_count, API by API; freed by plot_series_free */
} plot_series;

/* Reads timeseries.csv at path for the APIs of summary into out (the caller's struct; the
 * buckets are allocated and owned by out). Returns 0, RL_ERR_IO, RL_ERR_NOMEM, or
 * RL_ERR_INVALID naming the file, line and column of the first bad value or unknown API. */
int plot_series_read(const char *path, const run_summary *summary, plot_series *out,
                     rl_error *err);

/* The bucket of API api at index bucket (points into series' buckets). */
const plot_bucket *plot_series_bucket(const plot_series *series, int api, int64_t bucket);

/* Writes API api's buckets to out as a gnuplot data file: each bucket as two rows (its start
 * and its end, to draw steps) with columns time_s attempts_per_s accepted_per_s
 * rejected_429_per_s dropped_per_s limit_per_s burst_max burst_allowance. */
void plot_series_write_dat(const plot_series *series, const char *api_name, int api, FILE *out);

/* Frees the buckets of series (not series itself). */
void plot_series_free(plot_series *series);

/* What the latency files hold, for the figure's axes and legend. */
typedef struct plot_latency_range {
    int64_t low_us_min;    /* the fastest bucket's lower bound over all APIs (0 when none) */
    int64_t high_us_max;   /* the slowest bucket's upper bound over all APIs */
    int64_t completed[SCENARIO_APIS_MAX]; /* jobs counted per API (the histogram's total) */
} plot_latency_range;

/* Reads latency_histogram.csv at path and writes, for each API of summary with completed jobs,
 * dir/latency_API.dat: the share of the API's created jobs done within each latency (columns
 * latency_s done_pct), flat to the slowest latency of any API. Returns 0, RL_ERR_IO,
 * RL_ERR_NOMEM or RL_ERR_INVALID naming the file and line. */
int plot_latency_write_dats(const char *path, const run_summary *summary, const char *dir,
                            plot_latency_range *range, rl_error *err);

/* One fault window of a run (faults.csv: kind,target,start_s,end_s). */
typedef struct plot_fault {
    char kind[PLOT_FAULT_TEXT_BYTES];   /* printable characters only */
    char target[PLOT_FAULT_TEXT_BYTES]; /* "store", an API, a pod group, ... */
    double start_s;
    double end_s;
} plot_fault;

typedef struct plot_faults {
    int count;
    plot_fault faults[PLOT_FAULTS_MAX];
} plot_faults;

/* Reads dir/faults.csv into out. A folder without it has no faults (count 0, returns 0).
 * Returns RL_ERR_INVALID for a malformed file or more than PLOT_FAULTS_MAX faults. */
int plot_faults_read(const char *dir, plot_faults *out, rl_error *err);

#endif
