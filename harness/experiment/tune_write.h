/* tune_write.h - what `ratelab tune` writes: every point it ran (points.csv), the Pareto
 * frontier among them (frontier.csv) and summary.json (the question and the answer).
 *
 * The frontier is over four figures of the tuned API: 429 rate, p99 latency and wasted quota
 * (lower is better) and done ratio (higher is better). A point is on it when no other point is
 * at least as good in all four and better in one (by their means). */
#ifndef RATELAB_TUNE_WRITE_H
#define RATELAB_TUNE_WRITE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/experiment/tune_search.h"

/* A finished search and what it was asked: everything borrowed. */
typedef struct tune_outcome {
    const char *file;
    const scenario *base;   /* the file as loaded with the --set overrides */
    const tune_space *space;
    const tune_goal *goal;
    const tune_result *result;
    int api;                /* the API whose figures the frontier is drawn on */
    int replications;
    uint64_t seed;          /* run r of each point used seed + r */
    int64_t budget_runs;
} tune_outcome;

/* Sets on_frontier[i] (one per record) for the records on the Pareto frontier of api. */
void tune_frontier_mark(const tune_result *result, int api, bool *on_frontier);

/* Writes one row per record (header first): settings, verdict, on_frontier, best, and the
 * mean and 95% half-width of the four frontier figures and the objective. Only the frontier's
 * rows when frontier_only. */
void tune_write_points_csv(FILE *out, const tune_outcome *o, const bool *on_frontier,
                           bool frontier_only);

/* Writes points.csv, frontier.csv and summary.json into the folder dir (which exists). Returns
 * 0 or RL_ERR_IO / RL_ERR_INVALID / RL_ERR_NOMEM with a message. */
int tune_write_files(const char *dir, const tune_outcome *o, rl_error *err);

#endif
