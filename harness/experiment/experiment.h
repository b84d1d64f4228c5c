/* experiment.h - many independent simulated runs of one scenario file: a sweep's grid of
 * settings times N replications (seeds), run on every core, summarised as mean and 95%
 * confidence interval per headline figure.
 *
 * Each run loads the file again with the point's settings as --set overrides, so a sweep value
 * is checked exactly as --set checks it. Run r of every point uses seed base + r (common random
 * numbers: points differ by their settings, not their luck). Results are stored by run index,
 * so the figures are the same whatever the number of threads. */
#ifndef RATELAB_EXPERIMENT_H
#define RATELAB_EXPERIMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/figure.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_load.h"

#define EXPERIMENT_RUNS_MAX 100000
#define EXPERIMENT_OVERRIDES_MAX 80
#define EXPERIMENT_LABEL_BYTES 512

/* Told after each finished run: runs and points (all of whose runs finished) done so far, of
 * how many. Calls come from the worker threads one at a time (under a lock), so the callback
 * needs no locking of its own; it must be quick. */
typedef void (*experiment_progress_fn)(void *context, int64_t runs_done, int64_t runs_total,
                                       int points_done, int points_total);

/* What to run. Strings are borrowed for the experiment's life. */
typedef struct experiment_spec {
    const char *file;
    const scenario_override *overrides; /* applied to every run, before the point's */
    size_t override_count;
    const scenario_sweep_key *extra_sweep; /* --sweep keys; replace the file's of the same path */
    int extra_sweep_count;
    int replications;  /* >= 1 */
    bool seed_given;   /* else the scenario's seed */
    uint64_t seed;     /* run r uses seed + r */
    int jobs;          /* threads, >= 1 */
    const volatile sig_atomic_t *stop; /* may be NULL; once non-zero, runs stop (see below) */
    /* When given_point_count > 0: run exactly these points instead of a grid (the file's
     * sweep: and extra_sweep are ignored). Their override texts are borrowed. */
    const struct experiment_point *given_points;
    int given_point_count;
    experiment_progress_fn progress;   /* may be NULL; called after each run (see below) */
    void *progress_context;
    /* A shard of the runs (experiment_shard.h): when shard_count > 0, only the runs whose index
     * mod shard_count is shard_index - 1 are run, and no estimates are computed. 0, 0: all. */
    int shard_index;   /* 1 .. shard_count */
    int shard_count;
} experiment_spec;

/* One point of the grid (or a given point): its settings and a label such as
 * "pods.workers.count=10". */
typedef struct experiment_point {
    int override_count;
    scenario_override overrides[SCENARIO_SWEEP_KEYS_MAX]; /* borrow the plan's sweep texts */
    char label[EXPERIMENT_LABEL_BYTES];
} experiment_point;

/* Mean and 95% confidence interval of one figure over a point's replications. */
typedef struct experiment_estimate {
    double mean;
    double half_width; /* 0 with one replication */
} experiment_estimate;

/* The outcome: every run's figures, and each point's estimates. Owned by the caller; free
 * with experiment_free. */
typedef struct experiment {
    scenario base;     /* the file with the spec's overrides, before any point */
    int sweep_key_count;
    scenario_sweep_key sweep[SCENARIO_SWEEP_KEYS_MAX];
    int point_count;
    experiment_point *points;
    int replications;
    uint64_t seed;
    int api_count;
    int64_t runs_done;    /* runs that finished whole */
    bool interrupted;     /* the stop flag was raised: figures and estimates are incomplete */
    double *values;       /* [point][replication][api][figure] */
    double *expect_values; /* [point][replication][expectation] */
    experiment_estimate *estimates; /* [point][api][figure] */
    int expectation_count;
    int shard_index;      /* the shard run (1-based), or 0 when every run was */
    int shard_count;      /* 0 when every run was */
} experiment;

/* Loads spec's file, builds the grid, and checks the run count (at most EXPERIMENT_RUNS_MAX)
 * and the shard (at most one shard per run). Returns 0, RL_ERR_INVALID/RL_ERR_IO (the file, a
 * sweep value; one line in err) or RL_ERR_LIMIT (too many runs, or more shards than runs).
 * Nothing is run. */
int experiment_plan(const experiment_spec *spec, experiment *out, rl_error *err);

/* Runs every (point, replication) of a planned experiment (of its shard, when it is one) on
 * spec->jobs threads and fills its figures and (not for a shard) estimates. Returns 0 or the
 * first error (with the run's point and seed in err).
 * When spec->stop is raised, the runs under way stop, no new one starts, and it returns 0 with
 * e->interrupted set: only runs_done runs finished, and the estimates are not computed. */
int experiment_run(const experiment_spec *spec, experiment *e, rl_error *err);

/* The number of runs of the whole grid: points x replications. */
int64_t experiment_runs_total(const experiment *e);

/* Whether run index (point-major) belongs to e's shard (always, when e is not a shard). */
bool experiment_run_in_shard(const experiment *e, int64_t index);

/* The number of runs in e's shard (all of them, when e is not a shard). */
int64_t experiment_runs_in_shard(const experiment *e);

/* Allocates e's figures (zeroed) for a planned experiment. Returns 0 or RL_ERR_NOMEM. */
int experiment_figures_alloc(experiment *e, rl_error *err);

/* Computes every point's estimates from the figures of all its runs (which must all be in). */
void experiment_summarise(experiment *e);

/* The slot of figure of api in run (point, replication): its value, to be filled. */
double *experiment_value_slot(experiment *e, int point, int replication, int api, int figure);

/* The slot of expectation i's figure in run index: its value, to be filled. */
double *experiment_expect_slot(experiment *e, int64_t index, int i);

/* The value of figure of api in run (point, replication). */
double experiment_value(const experiment *e, int point, int replication, int api, figure_id figure);

/* The mean over point's replications of the figure of the scenario's expectation i. */
double experiment_expectation_mean(const experiment *e, int point, int i);

/* The estimate of figure of api at point. */
const experiment_estimate *experiment_estimate_of(const experiment *e, int point, int api,
                                                  figure_id figure);

/* Frees what e holds. */
void experiment_free(experiment *e);

#endif
