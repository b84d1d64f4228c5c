/* fleet.h - the pods and their jobs: make requests, ask the limiter, wait, call the API, read
 * 429 and Retry-After, back off, give up. Written once against pod_env.h, for both worlds.
 *
 * A stream is one traffic entry of one pod (a pod with two traffic entries has two streams).
 * A job is one logical request; it lives from creation to completion or abandonment:
 *
 *   created -> [queued for a worker slot] -> acquire -> (local limiter | store round trip)
 *     -> allowed: [paced wait] -> send -> API -> accepted: completed
 *                                            -> 429 / dropped: backoff -> acquire (or give up)
 *     -> refused: wait Retry-After of the limiter -> acquire   (pacing limiters: give up)
 *
 * Every change of a job's state goes through one door (job_door in fleet.c), which checks the
 * move against the table of legal moves (job_moves.c), closes the timing of the phase it leaves,
 * applies the time-to-live and tells the observer (job_observer.h): the metrics are an observer,
 * the model knows nothing of them.
 *
 * A job with a time-to-live is abandoned the instant it expires, whatever it was waiting for
 * (but not during an API call or a store round trip: it is checked when those answer). */
#ifndef RATELAB_FLEET_H
#define RATELAB_FLEET_H

#include <stdint.h>

#include "harness/core/rng.h"
#include "harness/model/job_observer.h"
#include "harness/model/pod_env.h"
#include "harness/scenario/scenario.h"
#include "mock_api/api_model.h"

#define FLEET_NIL UINT32_MAX

/* Whose limiter allowed a job's current attempt: the one that must hear its outcome. */
typedef enum job_allower {
    JOB_ALLOWED_BY_NONE = 0,  /* no limiter, or a store failure with fail_open */
    JOB_ALLOWED_BY_POD,       /* the stream's own limiter (scope local) */
    JOB_ALLOWED_BY_FALLBACK,  /* the stream's share of a shared limiter (local_fallback) */
    JOB_ALLOWED_BY_STORE,     /* the shared limiter in the store (scope redis) */
    JOB_ALLOWED_BY_LOCK       /* the shared state under the lock (scope redis_lock) */
} job_allower;

/* The lock protocol's progress for one job (scope redis_lock). */
typedef struct lock_progress {
    limiter_state state;       /* the state read, then updated by the pod's decision */
    limiter_decision decision; /* the pod's decision, applied once the lock is released */
    int64_t decided_at_us;
    uint8_t step;              /* the store_op awaited */
} lock_progress;

typedef struct fleet_job {
    const scenario_traffic *traffic; /* its stream's (borrowed from the scenario) */
    job_timing timing;
    job_books books;         /* the observer's, per job */
    lock_progress lock;
    int64_t phase_start_us; /* when the current state began */
    int64_t last_sleep_us;  /* the previous backoff, for decorrelated jitter */
    uint32_t stream;
    uint32_t pod;           /* its stream's, kept here: the stream record is cold at scale */
    uint32_t next;          /* free list, or the stream's queue of jobs waiting for a slot */
    uint32_t peer_prev;     /* the stream's live jobs, a doubly linked list (FLEET_NIL ends) */
    uint32_t peer_next;
    uint32_t attempts;      /* API calls made */
    uint32_t timer_seq;     /* only the job's latest timer counts; older ones are stale */
    uint32_t life;          /* bumped when the job dies: answers for an older life are stale */
    uint16_t store_failures;
    uint8_t allowed_by;     /* job_allower: whose limiter allowed the attempt now under way */
    uint8_t state;          /* job_state: changed only by the door (job_door in fleet.c) */
    bool holds_slot;        /* it holds one of its stream's worker slots */
} fleet_job;

typedef struct fleet_stream {
    limiter_state local_limiter; /* local scope: this pod's own limiter; shared scopes with
                                    local_fallback: the fallback, started when the store fails */
    int64_t store_down_until_us; /* after a store failure: use the fallback until then */
    int64_t last_grant_us;       /* shared scopes: the last instant the store let this pod fire */
    bool fallback_active;        /* local_fallback: local_limiter holds the fallback's state */
    uint32_t arrival_chain;      /* arrival timers of older chains (before a restart) are stale */
    int64_t arrivals;            /* arrival events so far (constant workloads place the k-th) */
    int64_t first_arrival_us;
    uint32_t pod;
    uint16_t traffic;            /* index into the pod's group's traffic */
    int64_t in_progress;         /* jobs holding a worker slot */
    uint32_t queue_head, queue_tail;
    uint32_t jobs_head;          /* its live jobs (through fleet_job.peer_next): a restart
                                    visits these, not every job record */
} fleet_stream;

typedef struct fleet_pod {
    rng random;       /* jitter, workload arrivals, backoff */
    int64_t wake_us;
    int64_t clock_offset_us; /* clock skew: this pod's clock reads now + offset */
    uint32_t wake_generation; /* a wake-up scheduled before a restart is stale */
    uint32_t group;
    uint32_t first_stream;
} fleet_pod;

typedef struct fleet {
    const scenario *scenario; /* borrowed */
    pod_env env;              /* borrowed world */
    job_observer observer;    /* borrowed books: told of every move of every job */
    int64_t pod_count;
    fleet_pod *pods;
    int64_t stream_count;
    fleet_stream *streams;
    fleet_job *jobs;
    uint32_t job_capacity;
    uint32_t free_jobs;       /* head of the free list */
    int64_t jobs_alive;
    int64_t jobs_alive_max;
    limiter_config fallback[SCENARIO_LIMITERS_MAX]; /* each shared limiter's per-pod share */
    int first_error;          /* RL_ERR_NOMEM when jobs could not grow, else 0 */
    int64_t restart_jobs_examined; /* job records pod restarts looked at: their cost, for tests */
} fleet;

/* Builds the pods and streams of s (borrowed, like env and observer's books; all must outlive f),
 * telling observer of every job's moves, drawing each
 * pod's wake-up time (and clock offset, under clock skew) from its own stream of seed.
 * Returns 0, or RL_ERR_NOMEM / RL_ERR_LIMIT, or RL_ERR_INVALID with a message in err when a
 * shared limiter's per-pod share (for local_fallback) is not a valid limiter. */
int fleet_init(fleet *f, const scenario *s, pod_env env, job_observer observer, uint64_t seed,
               rl_error *err);

/* Frees what f allocated. */
void fleet_destroy(fleet *f);

/* Schedules every pod's wake-up through the environment. */
void fleet_start(fleet *f);

/* A timer started through the environment has fired. */
void fleet_on_timer(fleet *f, fleet_timer_kind kind, uint64_t target);

/* The store answered the limiter call or command of the job with job_token. */
void fleet_on_store_reply(fleet *f, uint64_t job_token, const store_reply *reply);

/* The API answered the request of the job with job_token. */
void fleet_on_api_reply(fleet *f, uint64_t job_token, const api_response *response);

/* Reports every job still alive at end_us as pending to the observer. */
void fleet_finish(fleet *f, int64_t end_us);

/* Prefetch hints for worlds that know their next event (they change nothing): the records a
 * timer of kind for target, or an answer to the job with job_token, will read. */
void fleet_prefetch_timer(const fleet *f, fleet_timer_kind kind, uint64_t target);
void fleet_prefetch_job(const fleet *f, uint64_t job_token);

/* The API index the job with job_token sends to (for worlds that need it). */
int fleet_job_api(const fleet *f, uint64_t job_token);

#endif
