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

/* The figures shown as columns, in order, and how many. */
extern const figure_id COMPARE_COLUMNS[];
extern const int COMPARE_COLUMN_COUNT;

/* Writes t as a Markdown table (what CI puts in its job summary). */
void compare_table_write_markdown(FILE *out, const compare_table *t);

/* Writes t as CSV: scenario, variant, algorithm, api, replications, then NAME_mean and
 * NAME_ci95 for every figure (times as NAME_us_...), the columns plot_comparison reads. */
void compare_table_write_csv(FILE *out, const compare_table *t);

/* Writes t as a JSON document {"rows": [...]} (with jansson). Returns 0 or RL_ERR_IO. */
int compare_table_write_json(FILE *out, const compare_table *t, rl_error *err);

/* Frees t's rows. */
void compare_table_free(compare_table *t);

#endif
