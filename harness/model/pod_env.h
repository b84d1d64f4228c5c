/* pod_env.h - what pod logic needs from the world it runs in: a clock, timers, the store, the API.
 *
 * Pod logic (fleet.h) is written once against this interface. The simulation implements it with
 * events in virtual time (harness/sim/sim_run.c); a live runner implements it with an event loop
 * and wall-clock time. Requests are asynchronous: the world answers later by calling
 * fleet_on_timer, fleet_on_store_reply or fleet_on_api_reply, passing back the job token it was
 * given (a job id and the job's life counter: an answer for a job that has since died, say in a
 * pod restart, is recognised and dropped by the fleet). Nothing here allocates for the caller. */
#ifndef RATELAB_POD_ENV_H
#define RATELAB_POD_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "algorithms/limiter.h"

/* Which kind of fleet timer fires (with a target of that kind). */
typedef enum fleet_timer_kind {
    FLEET_TIMER_POD_WAKE = 0, /* target: pod index | wake generation << 32 */
    FLEET_TIMER_ARRIVAL,      /* target: stream index | arrival chain << 32 */
    FLEET_TIMER_JOB,          /* target: job id | timer sequence << 32; the job's wait is over */
    FLEET_TIMER_FAULT         /* target: fault index in the scenario; the fault starts */
} fleet_timer_kind;

typedef enum store_reply_status {
    STORE_REPLY_OK = 0,
    STORE_REPLY_REFUSED, /* the store refused the connection or the command */
    STORE_REPLY_TIMEOUT  /* no answer within the client's timeout */
} store_reply_status;

/* A plain store command: the steps of a limiter whose state the pods compute themselves,
 * guarded by a lock in the store (scope redis_lock). */
typedef enum store_op {
    STORE_OP_LOCK = 0, /* SET lock NX PX lock_ttl_us with value owner: ok when taken */
    STORE_OP_READ,     /* GET the limiter's state */
    STORE_OP_WRITE,    /* SET the limiter's state to state */
    STORE_OP_UNLOCK    /* delete the lock if owner still holds it (compare-and-delete): ok if so */
} store_op;

typedef struct store_command {
    store_op op;
    int limiter_index;
    uint64_t owner;      /* lock, unlock */
    int64_t lock_ttl_us; /* lock */
    limiter_state state; /* write */
} store_command;

/* The store's answer to a limiter call or a store command. */
typedef struct store_reply {
    store_reply_status status;
    limiter_decision decision; /* limiter call, status OK */
    int64_t decided_at_us;     /* limiter call: the instant the decision's wait counts from */
    bool ok;                   /* lock: taken; unlock: it was ours and is deleted */
    limiter_state state;       /* read */
} store_reply;

typedef struct pod_env_ops {
    /* The world's current time in run-relative microseconds. */
    int64_t (*now_us)(void *world);
    /* After delay_us (>= 0), calls fleet_on_timer(fleet, kind, target). */
    void (*timer_start)(void *world, int64_t delay_us, fleet_timer_kind kind, uint64_t target);
    /* Runs the shared limiter limiter_index for one request of cost atomically in the store;
     * later calls fleet_on_store_reply(fleet, job_token, reply). */
    void (*store_limiter_call)(void *world, uint64_t job_token, int limiter_index, int64_t cost);
    /* Runs one plain command in the store; later calls fleet_on_store_reply(fleet, job_token,
     * reply). command is copied before the call returns. */
    void (*store_command)(void *world, uint64_t job_token, const store_command *command);
    /* Tells the shared limiter limiter_index (scope redis) what became of a request it allowed:
     * the store runs limiter_algorithm_observe on its state when the command reaches it.
     * Fire-and-forget: no answer comes back, and one lost in a store failure is lost. outcome
     * is copied before the call returns. */
    void (*store_limiter_observe)(void *world, int limiter_index, const limiter_outcome *outcome);
    /* Sends the job's request to API api_index; later calls fleet_on_api_reply. */
    void (*api_call)(void *world, uint64_t job_token, int api_index);
} pod_env_ops;

/* An environment: its operations and the world they act on (borrowed, not owned). */
typedef struct pod_env {
    const pod_env_ops *ops;
    void *world;
} pod_env;

#endif
