/* sim_run.h - running a scenario in the simulated world: virtual time, simulated store and APIs. */
#ifndef RATELAB_SIM_RUN_H
#define RATELAB_SIM_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

/* Called now and then during a run (about every 1% of virtual time) with how far it got. */
typedef void (*sim_progress_fn)(void *context, int64_t virtual_us, int64_t duration_us,
                                uint64_t events_run);

typedef struct sim_run_stats {
    uint64_t events_run;
    int64_t jobs_alive_max;
    uint64_t events_pending_max; /* most events waiting in the engine's queue at once */
    bool partial;                /* stopped early by the stop flag */
    int64_t end_us;              /* where the run ended: its duration, or earlier when partial */
} sim_run_stats;

/* How a caller follows and stops a run. Every field may be NULL. */
typedef struct sim_run_control {
    sim_progress_fn progress; /* called about every 1% of virtual time */
    void *progress_context;
    /* Read between batches of SIM_RUN_STOP_EVENTS events: once non-zero (a signal handler set
     * it), the run stops where it is and its metrics are closed at that instant, as partial. */
    const volatile sig_atomic_t *stop;
} sim_run_control;

/* Events run between two reads of the stop flag: a few milliseconds of work. */
#define SIM_RUN_STOP_EVENTS 65536

/* Runs s (its seed, its duration) and fills out (initialised here; the caller calls
 * metrics_destroy on it, also after an error). progress may be NULL. Returns 0, or RL_ERR_NOMEM /
 * RL_ERR_LIMIT / RL_ERR_INVARIANT with a message in err. */
int sim_run(const scenario *s, metrics *out, sim_run_stats *stats, sim_progress_fn progress,
            void *progress_context, rl_error *err);

/* sim_run with a control (which may be NULL): progress, and a flag that stops the run early.
 * A stopped run returns 0 with stats->partial set and its metrics finished at stats->end_us. */
int sim_run_controlled(const scenario *s, metrics *out, sim_run_stats *stats,
                       const sim_run_control *control, rl_error *err);

#endif
