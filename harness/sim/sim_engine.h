/* sim_engine.h - the discrete-event engine: virtual time and the events due in it. */
#ifndef RATELAB_SIM_ENGINE_H
#define RATELAB_SIM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/sim/event_queue.h"

typedef struct sim_engine {
    event_queue queue;
    int64_t now_us;        /* virtual time of the event being run; never decreases */
    uint64_t events_run;
    size_t events_pending_max; /* most events in the queue at once */
    int first_error;       /* the first RL_ERR_* raised while scheduling; stops the run */
    bool prefetching;      /* a handler has a prefetch hint */
} sim_engine;

/* Initialises engine at time 0. Returns 0 or RL_ERR_NOMEM. */
int sim_engine_init(sim_engine *engine, size_t capacity_hint);

/* Frees engine's storage. */
void sim_engine_destroy(sim_engine *engine);

/* Schedules fn(context, arg0, arg1) delay_us (>= 0) after now. A failure is kept in
 * first_error and stops the run; it is not returned, so callers in event handlers stay simple. */
void sim_engine_after(sim_engine *engine, int64_t delay_us, sim_event_fn fn, void *context,
                      uint64_t arg0, int64_t arg1);

/* Gives the handler (fn, context) a prefetch hint: before an event of it runs, while the one
 * before it runs, prefetch(context, arg0, arg1) may be called. Returns 0 or RL_ERR_LIMIT. */
int sim_engine_set_prefetch(sim_engine *engine, sim_event_fn fn, void *context,
                            sim_event_prefetch_fn prefetch);

/* Runs events in order while their time is < end_us and no error occurred. Returns 0 or the
 * first error. The engine's time is end_us afterwards (unless an error stopped it). */
int sim_engine_run_until(sim_engine *engine, int64_t end_us);

/* Like sim_engine_run_until, but returns after at most events_max events, with *reached_end
 * false when events before end_us remain (the engine's time is then that of the last event run).
 * Calling it again goes on exactly where it stopped: results do not depend on events_max. */
int sim_engine_run_until_bounded(sim_engine *engine, int64_t end_us, uint64_t events_max,
                                 bool *reached_end);

#endif
