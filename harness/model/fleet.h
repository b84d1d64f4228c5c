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
 * A job with a time-to-live is abandoned the instant it expires, whatever it was waiting for
 * (but not during an API call or a store round trip: it is checked when those answer). */
#ifndef RATELAB_FLEET_H
#define RATELAB_FLEET_H

#include <stdint.h>

#include "harness/core/rng.h"
#include "harness/model/pod_env.h"
#include "harness/report/metrics.h"
#include "harness/scenario/scenario.h"
#include "mock_api/api_model.h"

#define FLEET_NIL UINT32_MAX

typedef enum job_state {
    JOB_FREE = 0,
    JOB_QUEUED,         /* waiting for a worker slot in its pod */
    JOB_STORE,          /* waiting for the store's limiter answer */
    JOB_PACED,          /* permitted, waiting for its reserved instant */
    JOB_LIMITER_DENIED, /* refused by the limiter, waiting to ask again */
    JOB_API,            /* in an API call */
    JOB_BACKOFF         /* sleeping after a 429 or a dropped connection */
} job_state;

typedef struct fleet_job {
    const scenario_traffic *traffic; /* its stream's (borrowed from the scenario) */
    job_timing timing;
    quota_tracker quota;
    int64_t phase_start_us; /* when the current state began */
    int64_t sent_us;        /* when the current API call was sent */
    int64_t last_sleep_us;  /* the previous backoff, for decorrelated jitter */
    uint32_t stream;
    uint32_t next;          /* free list, or the stream's queue of jobs waiting for a slot */
    uint32_t attempts;      /* API calls made */
    uint32_t timer_seq;     /* only the job's latest timer counts; older ones are stale */
    uint8_t state;          /* job_state */
} fleet_job;

typedef struct fleet_stream {
    limiter_state local_limiter; /* local scope: this pod's own limiter */
    int64_t arrivals;            /* arrival events so far (constant workloads place the k-th) */
    int64_t first_arrival_us;
    uint32_t pod;
    uint16_t traffic;            /* index into the pod's group's traffic */
    int64_t in_progress;         /* jobs holding a worker slot */
    uint32_t queue_head, queue_tail;
} fleet_stream;

typedef struct fleet_pod {
    rng random;       /* jitter, workload arrivals, backoff */
    int64_t wake_us;
    uint32_t group;
    uint32_t first_stream;
} fleet_pod;

typedef struct fleet {
    const scenario *scenario; /* borrowed */
    pod_env env;              /* borrowed world */
    metrics *metrics;         /* borrowed */
    int64_t pod_count;
    fleet_pod *pods;
    int64_t stream_count;
    fleet_stream *streams;
    fleet_job *jobs;
    uint32_t job_capacity;
    uint32_t free_jobs;       /* head of the free list */
    int64_t jobs_alive;
    int64_t jobs_alive_max;
    int first_error;          /* RL_ERR_NOMEM when jobs could not grow, else 0 */
} fleet;

/* Builds the pods and streams of s (borrowed, like env and m; all must outlive f), drawing each
 * pod's wake-up time from its own stream of seed. Returns 0 or RL_ERR_NOMEM / RL_ERR_LIMIT. */
int fleet_init(fleet *f, const scenario *s, pod_env env, metrics *m, uint64_t seed);

/* Frees what f allocated. */
void fleet_destroy(fleet *f);

/* Schedules every pod's wake-up through the environment. */
void fleet_start(fleet *f);

/* A timer started through the environment has fired. */
void fleet_on_timer(fleet *f, fleet_timer_kind kind, uint64_t target);

/* The store answered job_id's limiter call. */
void fleet_on_store_reply(fleet *f, uint32_t job_id, const store_reply *reply);

/* The API answered job_id's request. */
void fleet_on_api_reply(fleet *f, uint32_t job_id, const api_response *response);

/* Reports every job still alive at end_us as pending to the metrics. */
void fleet_finish(fleet *f, int64_t end_us);

/* Prefetch hints for worlds that know their next event (they change nothing): the records a
 * timer of kind for target, or an answer to job_id, will read. */
void fleet_prefetch_timer(const fleet *f, fleet_timer_kind kind, uint64_t target);
void fleet_prefetch_job(const fleet *f, uint32_t job_id);

/* The API index job_id's stream sends to (for worlds that need it). */
int fleet_job_api(const fleet *f, uint32_t job_id);

#endif
