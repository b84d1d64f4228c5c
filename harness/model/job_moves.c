/* job_moves.c - the table of a job's legal moves, and the names of its states and reasons. */
#include "harness/model/job_observer.h"

#define MOVE_LEGAL JOB_MOVE_LEGAL
#define MOVE_CHECKS_DEADLINE JOB_MOVE_CHECKS_DEADLINE
#define WAIT_ENDS(state) [state] = {[JOB_READY] = MOVE_CHECKS_DEADLINE, [JOB_FREE] = MOVE_LEGAL}

/* JOB_MOVES[from][to]. Any live state may go to FREE (a pod restart kills a job wherever it is). A
 * wait ends in READY, where the job's time-to-live is checked, except an API call: its answer is
 * read first (accepted completes, exhausted retries give up) and the check comes with the move
 * into a backoff. New pod behaviours add states and rows here, not call sites. */
const unsigned char JOB_MOVES[JOB_STATE_COUNT][JOB_STATE_COUNT] = {
    [JOB_FREE] = {[JOB_READY] = MOVE_LEGAL, [JOB_QUEUED] = MOVE_LEGAL},
    [JOB_READY] = {[JOB_FREE] = MOVE_LEGAL,
                   [JOB_STORE] = MOVE_LEGAL,
                   [JOB_LOCK_WAIT] = MOVE_LEGAL,
                   [JOB_PACED] = MOVE_LEGAL,
                   [JOB_LIMITER_DENIED] = MOVE_LEGAL,
                   [JOB_API] = MOVE_LEGAL,
                   [JOB_BACKOFF] = MOVE_CHECKS_DEADLINE},
    WAIT_ENDS(JOB_QUEUED),
    WAIT_ENDS(JOB_STORE),
    WAIT_ENDS(JOB_LOCK_WAIT),
    WAIT_ENDS(JOB_PACED),
    WAIT_ENDS(JOB_LIMITER_DENIED),
    [JOB_API] = {[JOB_READY] = MOVE_LEGAL, [JOB_FREE] = MOVE_LEGAL},
    WAIT_ENDS(JOB_BACKOFF),
};

const char *job_state_name(job_state state) {
    switch (state) {
    case JOB_FREE: return "free";
    case JOB_READY: return "ready";
    case JOB_QUEUED: return "queued";
    case JOB_STORE: return "store";
    case JOB_LOCK_WAIT: return "lock_wait";
    case JOB_PACED: return "paced";
    case JOB_LIMITER_DENIED: return "limiter_denied";
    case JOB_API: return "api";
    case JOB_BACKOFF: return "backoff";
    case JOB_STATE_COUNT: break;
    }
    return "unknown";
}

const char *abandon_reason_name(abandon_reason reason) {
    switch (reason) {
    case ABANDON_TTL_EXPIRED: return "ttl_expired";
    case ABANDON_RETRIES_EXHAUSTED: return "retries_exhausted";
    case ABANDON_LIMITER_REJECTED: return "limiter_rejected";
    case ABANDON_STORE_UNAVAILABLE: return "store_unavailable";
    case ABANDON_POD_RESTARTED: return "pod_restarted";
    case ABANDON_REASON_COUNT: break;
    }
    return "unknown";
}
