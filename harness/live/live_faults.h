/* live_faults.h - the scenario's store faults, played live: through the fault proxy (refuse,
 * blackhole, delay), by pausing the server (SIGSTOP of ratelab's own server, or CLIENT PAUSE),
 * or by killing the server ratelab started and restarting it empty. Pod faults (pod_restart,
 * clock_skew) are the pod logic's own (fleet.c), the same in both worlds: nothing to do here. */
#ifndef RATELAB_LIVE_FAULTS_H
#define RATELAB_LIVE_FAULTS_H

#include <stdbool.h>

#include "harness/core/rl_error.h"
#include "harness/live/live_run.h"
#include "harness/scenario/scenario.h"

struct live_world;

/* Checks that every fault of s can be played live with options (embedded: whether ratelab
 * starts the server). Returns 0 or RL_ERR_INVALID naming the fault. */
int live_faults_check(const scenario *s, const live_options *options, bool embedded,
                      rl_error *err);

/* Starts the fault proxy when a fault needs it, and sets where pods connect. Returns 0 or
 * RL_ERR_IO. */
int live_faults_init(struct live_world *w, rl_error *err);

/* Schedules the beginning and end of every store fault. */
void live_faults_schedule(struct live_world *w);

/* Begins (begin) or ends fault index. */
void live_faults_apply(struct live_world *w, int index, bool begin);

/* Ends what is still in force (a paused server is resumed) and closes the proxy. */
void live_faults_close(struct live_world *w);

/* Frees what the faults allocated, after the loop has closed every handle. */
void live_faults_destroy(struct live_world *w);

#endif
