/* summary_read.h - reading a results folder's summary.json back: the figures the plots and the
 * report page need, per API, as plain data. */
#ifndef RATELAB_SUMMARY_READ_H
#define RATELAB_SUMMARY_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

#define SUMMARY_LABEL_BYTES 96

/* One API's figures, as summary.json reports them (docs/METRICS.md). */
typedef struct summary_api {
    char name[SCENARIO_NAME_BYTES];
    char limiter[SUMMARY_LABEL_BYTES]; /* "gcra_pace@redis", "none", ...; "" if not recorded */
    char model[SCENARIO_NAME_BYTES];
    int64_t limit;
    int64_t window_us;
    int64_t burst_window_us;
    int64_t jobs_created;
    int64_t jobs_completed;
    int64_t jobs_abandoned;
    int64_t jobs_pending;
    int64_t attempts;
    int64_t accepted;
    int64_t rejected_429;
    int64_t dropped;
    double rate_429;
    int64_t latency_p50_us;
    int64_t latency_p99_us;
    int64_t latency_max_us;
    double wasted_quota;
    int64_t max_burst;
    int64_t burst_allowance;
    double burst_ratio;
    double fairness_jain;
} summary_api;

/* A run's summary.json. Plain data: copy it freely. */
typedef struct run_summary {
    char name[SCENARIO_NAME_BYTES];
    char file[SCENARIO_PATH_BYTES];
    char description[SCENARIO_DESCRIPTION_BYTES];
    char world[16];
    uint64_t seed;
    bool partial;
    int64_t duration_us;
    int64_t bin_us;
    int64_t pods;
    int api_count;
    summary_api apis[SCENARIO_APIS_MAX];
    int64_t store_ops;
    double store_ops_per_s;
    int64_t store_rtt_p50_us;
    int64_t store_rtt_p99_us;
} run_summary;

/* Reads the summary.json at path into out (the caller's memory). Returns 0, RL_ERR_IO when the
 * file cannot be read, or RL_ERR_INVALID with a one-line message naming the file and the first
 * missing or malformed key (API names must be 1 to 63 characters of A-Z a-z 0-9 _ . -). */
int summary_read_file(const char *path, run_summary *out, rl_error *err);

/* The index of the API called name in s, or -1. */
int summary_api_index(const run_summary *s, const char *name);

/* True when name is a name ratelab would give an API: 1 to 63 characters of A-Z a-z 0-9 _ . -,
 * not "." or "..". Such a name is safe in a file name. */
bool summary_name_is_safe(const char *name);

#endif
