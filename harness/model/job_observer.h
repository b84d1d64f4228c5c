/* job_observer.h - what pod logic tells whoever keeps the books: every move of a job between
 * states (left, entered, why), each store round trip, each lock retry, the jobs alive at the end.
 *
 * The mirror of pod_env.h: pod_env is what the pods ask of the world, this is what they report
 * to an observer. The fleet (fleet.h) moves a job only through one door, job_move_to in fleet.c,
 * which checks the move against the table of legal moves (job_move_legal) and reports it here.
 * The metrics (harness/metrics) implement this interface; the model knows nothing of them. */
#ifndef RATELAB_JOB_OBSERVER_H
#define RATELAB_JOB_OBSERVER_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/model/pod_env.h"
#include "mock_api/api_model.h"

/* Where a job is. A job waits in every state but JOB_READY, which it passes through in no time
 * between two waits (its next step is being decided), and JOB_FREE (not alive). */
typedef enum job_state {
    JOB_FREE = 0,       /* not a live job: before its creation, after it completed or died */
    JOB_READY,          /* between two waits: the pod decides its next step, at once */
    JOB_QUEUED,         /* waiting for a worker slot in its pod */
    JOB_STORE,          /* waiting for the store's answer (limiter call or lock step) */
    JOB_LOCK_WAIT,      /* redis_lock: the lock was held; waiting to try again */
    JOB_PACED,          /* permitted, waiting for its reserved instant */
    JOB_LIMITER_DENIED, /* refused by the limiter, waiting to ask again */
    JOB_API,            /* in an API call */
    JOB_BACKOFF,        /* sleeping after a 429 or a dropped connection */
    JOB_STATE_COUNT
} job_state;

/* Why a job moved. */
typedef enum job_cause {
    JOB_CAUSE_CREATED = 0,  /* FREE -> READY, or FREE -> QUEUED when no worker slot is free */
    JOB_CAUSE_SLOT_FREED,   /* QUEUED -> READY */
    JOB_CAUSE_WAIT_OVER,    /* PACED, LIMITER_DENIED, BACKOFF, LOCK_WAIT -> READY: its timer */
    JOB_CAUSE_STORE_ANSWER, /* STORE -> READY: the store answered (or failed to) */
    JOB_CAUSE_API_ANSWER,   /* API -> READY: the API answered with job_move.status */
    JOB_CAUSE_STORE_CALL,   /* READY -> STORE: a limiter call or a lock step */
    JOB_CAUSE_LOCK_HELD,    /* READY -> LOCK_WAIT */
    JOB_CAUSE_PACED,        /* READY -> PACED: permitted for a later instant */
    JOB_CAUSE_DENIED,       /* READY -> LIMITER_DENIED: refused (or the store is down) */
    JOB_CAUSE_SENT,         /* READY -> API */
    JOB_CAUSE_BACKOFF,      /* READY -> BACKOFF: after a 429 or a drop */
    JOB_CAUSE_COMPLETED,    /* READY -> FREE: the API accepted it */
    JOB_CAUSE_ABANDONED,    /* any live state -> FREE: given up for job_move.reason */
    JOB_CAUSE_COUNT
} job_cause;

typedef enum abandon_reason {
    ABANDON_TTL_EXPIRED = 0,
    ABANDON_RETRIES_EXHAUSTED,
    ABANDON_LIMITER_REJECTED,
    ABANDON_STORE_UNAVAILABLE,
    ABANDON_POD_RESTARTED,
    ABANDON_REASON_COUNT
} abandon_reason;

/* A job's time, split by where it went. Sums to its latency when it completes. */
typedef struct job_timing {
    int64_t created_us;
    int64_t queue_wait_us;   /* waiting for a free worker slot in its pod */
    int64_t limiter_wait_us; /* permitted later than ready: pacing waits and refused-then-retried */
    int64_t store_us;        /* in round trips to the store */
    int64_t api_us;          /* in API calls */
    int64_t backoff_us;      /* sleeping after a 429 or a dropped connection */
} job_timing;

/* What the observer keeps per job: the fleet stores it in the job, zeroed at creation, and never
 * reads it. */
typedef struct job_books {
    int64_t slot[2];
} job_books;

/* One move of one job, as the observer sees it. */
typedef struct job_move {
    job_state from, to;
    job_cause cause;
    abandon_reason reason; /* cause JOB_CAUSE_ABANDONED */
    api_status status;     /* cause JOB_CAUSE_API_ANSWER */
    int api_index;
    int64_t pod;
    int64_t now_us;
    int64_t from_since_us;    /* when the job entered `from`: for JOB_API, when it was sent */
    const job_timing *timing; /* the job's, closed up to now_us (owned by the fleet) */
    job_books *books;         /* the job's (owned by the fleet, kept by the observer) */
} job_move;

typedef struct job_observer_ops {
    /* A job moved (the fleet has already closed its timing and changed its state). */
    void (*job_moved)(void *books, const job_move *move);
    /* One store round trip of a job ended at now_us after rtt_us with status. */
    void (*store_round_trip)(void *books, int64_t now_us, int64_t rtt_us,
                             store_reply_status status);
    /* A job found the store's lock held and will try again. */
    void (*lock_retry)(void *books);
    /* A job for api_index is still alive, in state, at the run's end (end_us). */
    void (*job_pending_at_end)(void *books, int api_index, job_state state, int64_t end_us,
                               job_books *books_of_job);
    /* A request reached API api_index at now_us, leaving in_burst_window arrivals in the API's
     * sliding burst window (this one included); called by the API side (api_side.h). */
    void (*api_arrival)(void *books, int api_index, int64_t now_us, int64_t in_burst_window);
    /* Prefetch hint (changes nothing; may be NULL): the books of pod. */
    void (*prefetch_pod)(const void *books, int64_t pod);
} job_observer_ops;

/* An observer: its operations and the books they keep (borrowed, not owned). */
typedef struct job_observer {
    const job_observer_ops *ops;
    void *books;
} job_observer;

/* The table of a job's moves (job_moves.c): JOB_MOVES[from][to] is one of these. Read through
 * the two functions below, inline: the door reads it on every move. */
enum { JOB_MOVE_ILLEGAL = 0, JOB_MOVE_LEGAL, JOB_MOVE_CHECKS_DEADLINE };
extern const unsigned char JOB_MOVES[JOB_STATE_COUNT][JOB_STATE_COUNT];

/* Whether a job may move from `from` to `to` (the table of legal moves). */
static inline bool job_move_legal(job_state from, job_state to) {
    assert(from < JOB_STATE_COUNT && to < JOB_STATE_COUNT);
    return JOB_MOVES[from][to] != JOB_MOVE_ILLEGAL;
}

/* Whether the move from `from` to `to` ends a wait at which the job's time-to-live is checked
 * (every wait's end but an API call's, whose answer is read first, and the move into a backoff). */
static inline bool job_move_checks_deadline(job_state from, job_state to) {
    assert(from < JOB_STATE_COUNT && to < JOB_STATE_COUNT);
    return JOB_MOVES[from][to] == JOB_MOVE_CHECKS_DEADLINE;
}

/* A static name of state ("queued", ...) and of reason ("ttl_expired", ...). */
const char *job_state_name(job_state state);
const char *abandon_reason_name(abandon_reason reason);

#endif
