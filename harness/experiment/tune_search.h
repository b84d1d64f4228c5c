/* tune_search.h - the search of `ratelab tune`: the best setting of a limiter for an objective
 * figure, subject to constraints, within a budget of runs.
 *
 * Every point is measured with the same replications (seeds), so each figure has a mean and a
 * 95% confidence interval. A constraint holds at a point when its whole interval is on the
 * right side of its threshold, fails when the whole interval is on the wrong side, and
 * straddles otherwise; only a point where every constraint holds can be the best.
 *
 * The search fits the shape of the constraints. When every constraint bounds from above a
 * figure that grows with the rate and the burst (rate_429, burst_ratio, attempts_per_job; the
 * usual case), the safe settings are everything below a boundary: it is found by bisection on
 * the rate (for each value of a coarse grid of bursts), points known unsafe by that order are
 * never run, and a point that contradicts the order (safe above an unsafe one) switches the
 * search to the grid below. Otherwise a coarse grid (5 values per varied setting) is run. Then,
 * in both cases, the points around the best so far are run at the grid's step, and the step is
 * halved until it is one step of the space; each round's points run together, on every core.
 *
 * The search itself runs nothing: it asks an evaluate function for the figures of a batch of
 * points, so tests can drive it with figures computed by a formula. */
#ifndef RATELAB_TUNE_SEARCH_H
#define RATELAB_TUNE_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/experiment/experiment.h"
#include "harness/experiment/tune_space.h"
#include "harness/scenario/figure.h"
#include "harness/scenario/scenario.h"

#define TUNE_CONSTRAINTS_MAX 8
#define TUNE_GRID_STEPS 4        /* a coarse grid has TUNE_GRID_STEPS + 1 values per setting */
#define TUNE_BUDGET_MAX_RUNS 10000

/* Where a constraint stands at a point. */
typedef enum tune_verdict {
    TUNE_HOLDS = 0, /* its whole interval satisfies it */
    TUNE_STRADDLES, /* its interval crosses the threshold: neither safe nor unsafe */
    TUNE_FAILS      /* its whole interval violates it */
} tune_verdict;

/* What is sought. Figures of the store are read at API index 0 (as experiment.h keeps them). */
typedef struct tune_goal {
    int constraint_count;
    scenario_expectation constraints[TUNE_CONSTRAINTS_MAX];
    int objective_api; /* -1 for the store */
    figure_id objective;
    bool maximise;     /* else the least value is best */
} tune_goal;

/* The estimates of every figure of every API at one point. */
typedef struct tune_estimates {
    experiment_estimate figure[SCENARIO_APIS_MAX][FIGURE_COUNT];
} tune_estimates;

/* One point the search ran. */
typedef struct tune_record {
    tune_point at;
    tune_estimates estimates;
    tune_verdict verdict[TUNE_CONSTRAINTS_MAX];
    tune_verdict overall; /* the worst of the constraints' (TUNE_HOLDS without constraints) */
    int round;            /* which batch measured it, from 0 */
} tune_record;

/* Measures count points (with the plan's replications each) into out[i]. Returns 0 or an error
 * with a message in err, which stops the search. */
typedef int (*tune_evaluate_fn)(void *context, const tune_point *points, int count,
                                tune_estimates *out, rl_error *err);

/* The search's inputs, all borrowed. */
typedef struct tune_plan {
    const tune_space *space; /* checked (tune_space_check) */
    const tune_goal *goal;
    int replications;        /* >= 2 */
    int64_t budget_runs;     /* >= tune_search_min_runs */
    tune_evaluate_fn evaluate;
    void *context;
} tune_plan;

/* How the search went. Owned by the caller; free with tune_result_free. */
typedef struct tune_result {
    bool bisection;        /* the constraints allowed a boundary search */
    bool order_broken;     /* a point contradicted the order: the search fell back to the grid */
    bool budget_exhausted; /* points were left unrun for want of budget */
    int record_count;
    int record_capacity;
    tune_record *records;  /* in the order they ran */
    int best;              /* index into records, -1 when no point satisfies every constraint */
    int64_t runs_spent;
    int rounds;
} tune_result;

/* True when every constraint of goal bounds from above (< or <=) a figure that does not fall
 * as the rate or the burst rises: the search may then bisect. */
bool tune_goal_is_monotone(const tune_goal *goal);

/* The runs the search needs at least to give an answer: the boundary's bisection (its two ends
 * and log2 of the rate's span, per coarse burst value), or the coarse grid, times the
 * replications. */
int64_t tune_search_min_runs(const tune_space *space, const tune_goal *goal, int replications);

/* Checks budget_runs against what the search needs and TUNE_BUDGET_MAX_RUNS. Returns 0 or
 * RL_ERR_INVALID with a line saying how many runs are needed and why. */
int tune_search_check_budget(const tune_space *space, const tune_goal *goal, int replications,
                             int64_t budget_runs, rl_error *err);

/* Where constraint c stands given estimate (mean, half_width). */
tune_verdict tune_verdict_of(const scenario_expectation *c, const experiment_estimate *estimate);

/* Runs the search of plan into out. Returns 0 (also when no point is safe: out->best is -1),
 * RL_ERR_INVALID when the budget is below tune_search_min_runs, RL_ERR_NOMEM, or the error of
 * plan->evaluate. */
int tune_search_run(const tune_plan *plan, tune_result *out, rl_error *err);

/* The estimate of the objective at record r. */
const experiment_estimate *tune_record_objective(const tune_goal *goal, const tune_record *r);

/* Frees what result holds. */
void tune_result_free(tune_result *result);

#endif
