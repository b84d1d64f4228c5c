/* results_writer.h - a run's data files: summary.json, timeseries.csv, latency_histogram.csv. */
#ifndef RATELAB_RESULTS_WRITER_H
#define RATELAB_RESULTS_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

/* Facts about a run that are not metrics. Everything here is deterministic (no wall time), so
 * the same scenario and seed give byte-identical files. */
typedef struct run_info {
    const char *world;   /* "simulation" or "live" */
    uint64_t events_run;
    int64_t jobs_alive_max;
    bool partial;        /* interrupted before its end */
} run_info;

/* Writes summary.json for s and m (finished) to out. */
void results_write_summary_json(FILE *out, const scenario *s, const metrics *m,
                                const run_info *info);

/* Writes the per-bin time series of every API to out as CSV with a header row: the bins up to
 * where the run ended (m->end_us), which are all of them unless it was interrupted. */
void results_write_timeseries_csv(FILE *out, const scenario *s, const metrics *m);

/* Writes each API's non-empty latency buckets to out as CSV with a header row. */
void results_write_latency_csv(FILE *out, const scenario *s, const metrics *m);

/* Writes the scenario's fault windows as CSV (kind, target, start_s, end_s): what the figures
 * shade. A fault still running at the end is cut there; clock skew spans the whole run. */
void results_write_faults_csv(FILE *out, const scenario *s);

/* Writes the files (faults.csv too when s has faults) into a new folder dir, atomically (see results_folder.h).
 * Returns 0 or RL_ERR_IO / RL_ERR_INVALID with a message. */
int results_write_folder(const char *dir, const scenario *s, const metrics *m,
                         const run_info *info, rl_error *err);

/* Adds files to a results folder while it is still under its temporary name (tmp_dir), so they
 * appear with it or not at all. Returns 0, or an error that abandons the folder. */
typedef int (*results_folder_fill_fn)(const char *tmp_dir, void *context, rl_error *err);

/* Like results_write_folder, then calls fill(tmp_dir, fill_context, err) (when not NULL) before
 * the folder takes its final name: how `run --plots` draws into the folder atomically. */
int results_write_folder_then(const char *dir, const scenario *s, const metrics *m,
                              const run_info *info, results_folder_fill_fn fill,
                              void *fill_context, rl_error *err);

#endif
