/* pod_env.h - what pod logic needs from the world it runs in: a clock, timers, the store, the API.
 *
 * Pod logic (fleet.h) is written once against this interface. The simulation implements it with
 * events in virtual time (harness/sim/sim_world.c); a live runner implements it with an event loop
 * and wall-clock time. Requests are asynchronous: the world answers later by calling
 * fleet_on_timer, fleet_on_store_reply or fleet_on_api_reply. Nothing here allocates for the
 * caller; the world owns its own state. */
#ifndef RATELAB_POD_ENV_H
#define RATELAB_POD_ENV_H

#include <stdint.h>

#include "algorithms/limiter.h"

/* Which kind of fleet timer fires (with a target index of that kind). */
typedef enum fleet_timer_kind {
    FLEET_TIMER_POD_WAKE = 0, /* target: pod index */
    FLEET_TIMER_ARRIVAL,      /* target: stream index; the workload creates jobs */
    FLEET_TIMER_JOB           /* target: job id | timer sequence << 32; the job's wait is over */
} fleet_timer_kind;

typedef enum store_reply_status {
    STORE_REPLY_OK = 0,
    STORE_REPLY_REFUSED, /* the store refused the connection or the command */
    STORE_REPLY_TIMEOUT  /* no answer within the client's timeout */
} store_reply_status;

/* The store's answer to a limiter call. */
typedef struct store_reply {
    store_reply_status status;
    limiter_decision decision; /* valid when status is STORE_REPLY_OK */
    int64_t decided_at_us;     /* the store's clock when the limiter ran; waits count from here */
} store_reply;

typedef struct pod_env_ops {
    /* The world's current time in run-relative microseconds. */
    int64_t (*now_us)(void *world);
    /* After delay_us (>= 0), calls fleet_on_timer(fleet, kind, target). */
    void (*timer_start)(void *world, int64_t delay_us, fleet_timer_kind kind, uint64_t target);
    /* Runs the shared limiter limiter_index for one request of cost in the store; later calls
     * fleet_on_store_reply(fleet, job_id, reply). */
    void (*store_limiter_call)(void *world, uint32_t job_id, int limiter_index, int64_t cost);
    /* Sends job_id's request to API api_index; later calls fleet_on_api_reply. */
    void (*api_call)(void *world, uint32_t job_id, int api_index);
} pod_env_ops;

/* An environment: its operations and the world they act on (borrowed, not owned). */
typedef struct pod_env {
    const pod_env_ops *ops;
    void *world;
} pod_env;

#endif
