/* sim_run.h - running a scenario in the simulated world: virtual time, simulated store and APIs. */
#ifndef RATELAB_SIM_RUN_H
#define RATELAB_SIM_RUN_H

#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/report/metrics.h"
#include "harness/scenario/scenario.h"

/* Called now and then during a run (about every 1% of virtual time) with how far it got. */
typedef void (*sim_progress_fn)(void *context, int64_t virtual_us, int64_t duration_us,
                                uint64_t events_run);

typedef struct sim_run_stats {
    uint64_t events_run;
    int64_t jobs_alive_max;
    uint64_t events_pending_max; /* most events waiting in the engine's queue at once */
} sim_run_stats;

/* Runs s (its seed, its duration) and fills out (initialised here; the caller calls
 * metrics_destroy on it, also after an error). progress may be NULL. Returns 0, or RL_ERR_NOMEM /
 * RL_ERR_LIMIT / RL_ERR_INVARIANT with a message in err. */
int sim_run(const scenario *s, metrics *out, sim_run_stats *stats, sim_progress_fn progress,
            void *progress_context, rl_error *err);

#endif
