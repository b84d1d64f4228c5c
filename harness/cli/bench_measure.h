/* bench_measure.h - one benchmark measurement: a scenario simulated once, with its wall time, its
 * memory and the allocations of its steady state. Used by `ratelab bench`. */
#ifndef RATELAB_BENCH_MEASURE_H
#define RATELAB_BENCH_MEASURE_H

#include <stdint.h>

#include "harness/core/rl_error.h"

/* From this share of the virtual time to the end of the events, a run is in its steady state:
 * allocations there would be allocations per event. */
#define BENCH_STEADY_FROM_PERCENT 50

typedef struct bench_sample {
    char name[64];                /* the scenario's name */
    int64_t pods;
    uint64_t events;              /* events the engine ran */
    int64_t jobs;                 /* jobs created, over every API */
    int64_t jobs_alive_max;
    uint64_t events_pending_max;  /* most events in the engine's queue at once */
    double wall_s;                /* sim_run: set-up, events and the closing of the books */
    int64_t rss_before_bytes;     /* peak resident memory after loading, before the run */
    int64_t rss_peak_bytes;       /* peak resident memory of the process after the run */
    uint64_t steady_events;       /* events run in the steady state */
    uint64_t steady_allocations;  /* allocations through rl_alloc in the steady state */
    uint64_t steady_bytes;        /* bytes they asked for */
    double steady_wall_s;         /* wall time of the steady state: no set-up, ramp or closing */
} bench_sample;

/* Loads the scenario in file and simulates it once in this process, filling out. Peak memory
 * is the process's: run one measurement per process for a figure of that run alone.
 * Returns 0, or an RL_ERR_* with a message in err (a bad scenario, or a failed run). */
int bench_measure_run(const char *file, bench_sample *out, rl_error *err);

#endif
