/* baseline.h - a committed set of compare rows, and the tolerance of each figure: a later
 * comparison flags every figure that got worse than its baseline value by more than the
 * tolerance. Read and written as JSON with jansson:
 *
 *   {"ratelab_baseline": 1,
 *    "tolerances": {"rate_429": {"absolute": 0.002, "relative": 0.1}, ...},
 *    "rows": [{"scenario": "...", "variant": "...", "api": "...",
 *              "figures": {"rate_429": 0.0, "latency_p99": 65929215, ...}}, ...]}
 *
 * Ratios are fractions and times microseconds. A figure is worse when it moved in its bad
 * direction (up, or down for fairness and done_ratio) by more than
 * max(absolute, relative x |baseline value|). */
#ifndef RATELAB_BASELINE_H
#define RATELAB_BASELINE_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/compare/compare_table.h"

typedef struct figure_tolerance {
    bool checked; /* false: the figure is not compared */
    double absolute;
    double relative;
} figure_tolerance;

typedef struct baseline {
    figure_tolerance tolerance[FIGURE_COUNT];
    compare_table rows; /* only the means are used */
} baseline;

/* The tolerances a new baseline gets (see baseline.c for the values and why). */
void baseline_default_tolerances(figure_tolerance *out);

/* Reads path into out (owned by the caller; free with baseline_free). Figures missing from the
 * file's tolerances get the defaults. Returns 0, RL_ERR_IO (unreadable) or RL_ERR_INVALID (one
 * line naming the file and what is wrong); on failure out holds nothing to free. */
int baseline_read(const char *path, baseline *out, rl_error *err);

/* Writes table's means as a baseline with tolerances to out. Returns 0 or RL_ERR_IO. */
int baseline_write(FILE *out, const compare_table *table, const figure_tolerance *tolerances,
                   rl_error *err);

/* One finding of a comparison. */
typedef struct baseline_finding {
    const compare_row *base;    /* in the baseline */
    const compare_row *current; /* NULL when the row is missing now */
    int figure;                 /* the figure that got worse, or -1 for a missing row */
    double allowed;             /* the tolerance it exceeded */
} baseline_finding;

/* Compares current with b: calls found(context, finding) for every figure worse than allowed
 * and every baseline row missing from current. Only the scenarios current compares are checked:
 * one baseline can cover several sets of scenarios (the seeds, the patterns), each compared on
 * its own. Returns how many there were. */
int baseline_check(const baseline *b, const compare_table *current,
                   void (*found)(void *context, const baseline_finding *finding), void *context);

/* Frees what b holds. */
void baseline_free(baseline *b);

#endif
