/* compare_table.h - the rows of `ratelab compare`: one per scenario, variant and API, with each
 * headline figure's mean and 95% half-width over the replications. */
#ifndef RATELAB_COMPARE_TABLE_H
#define RATELAB_COMPARE_TABLE_H

#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/experiment/experiment.h"
#include "harness/scenario/figure.h"

#define COMPARE_TEXT_BYTES (EXPERIMENT_LABEL_BYTES + 128)

typedef struct compare_row {
    char scenario[SCENARIO_NAME_BYTES];
    char variant[COMPARE_TEXT_BYTES];   /* "as written", a sweep point, or "algorithm=NAME" */
    char algorithm[COMPARE_TEXT_BYTES]; /* the algorithm named, else the API's limiters */
    char api[SCENARIO_NAME_BYTES];
    int replications;
    double mean[FIGURE_COUNT];
    double half_width[FIGURE_COUNT];
} compare_row;

/* A growable list of rows. Owned by the caller; free with compare_table_free. */
typedef struct compare_table {
    compare_row *rows;
    int count, capacity;
} compare_table;

/* Appends one row per point and API of e (finished). algorithm is the --algorithms name, or
 * NULL to describe each API's limiters. Returns 0 or RL_ERR_NOMEM. */
int compare_table_add_experiment(compare_table *t, const experiment *e, const char *algorithm,
                                 rl_error *err);

/* The row of (scenario_name, variant, api), or NULL. */
const compare_row *compare_table_find(const compare_table *t, const char *scenario_name,
                                      const char *variant, const char *api);

/* The figures shown as columns of the API rows, in order, and how many: done and abandoned
 * first (a row that lost jobs is read as such before anything else), no store figure. */
extern const figure_id COMPARE_COLUMNS[];
extern const int COMPARE_COLUMN_COUNT;

/* The store figures, shown once per scenario and variant, and how many. */
extern const figure_id COMPARE_STORE_COLUMNS[];
extern const int COMPARE_STORE_COLUMN_COUNT;

/* Writes t as Markdown (what CI puts in its job summary): the API rows, then one row of store
 * figures per scenario and variant. */
void compare_table_write_markdown(FILE *out, const compare_table *t);

/* Writes t as CSV: scenario, variant, algorithm, api, replications, then NAME_mean and
 * NAME_ci95 for every figure (times as NAME_us_...), the columns plot_comparison reads. */
void compare_table_write_csv(FILE *out, const compare_table *t);

/* One figure of a row that got worse than a baseline allows, or a baseline row missing now. */
typedef struct compare_verdict {
    const compare_row *base;    /* the baseline's row */
    const compare_row *current; /* NULL: the row is missing from this comparison */
    int figure;                 /* figure_id, or -1 for a missing row */
    double allowed;             /* the tolerance it exceeded */
} compare_verdict;

/* What a baseline check found, for the JSON output. Borrowed by the writer. */
typedef struct compare_verdicts {
    const char *baseline_path;
    int count;
    const compare_verdict *items;
} compare_verdicts;

/* Writes t as a JSON document (with jansson): {"rows": [...]} with each API's figures, "runs"
 * with the store figures once per scenario and variant, and "baseline" with the verdict and
 * every finding when verdicts is not NULL. Returns 0 or RL_ERR_IO. */
int compare_table_write_json(FILE *out, const compare_table *t, const compare_verdicts *verdicts,
                             rl_error *err);

/* Frees t's rows. */
void compare_table_free(compare_table *t);

#endif
