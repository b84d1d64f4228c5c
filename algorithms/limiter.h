/* limiter.h - the common interface of the limiter algorithms, and their registry by name.
 *
 * Every algorithm is a pure function: settings, state, the current time and the cost of a
 * request go in; a decision comes out and the state is updated in place. No I/O, no clock
 * reads, no allocation, no floating point. The same function runs in a pod ("local" scope) and
 * inside the simulated store ("redis" scope); Lua scripts mirror it for real Redis.
 *
 * Time is int64 microseconds relative to the run's start (always >= 0 and below 2^40), so every
 * stored value stays below 2^53 and survives the trip through Lua's doubles. Rates are exact
 * rationals (limit per period_us): no rounding drifts over a long run. */
#ifndef RATELAB_LIMITER_H
#define RATELAB_LIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"

/* Slots of state an algorithm may use. A state of all zeros is a fresh limiter. */
#define LIMITER_STATE_SLOTS 4

/* Bound on exact arithmetic: products that reach stored state must stay below 2^53. */
#define LIMITER_EXACT_MAX (INT64_C(1) << 53)

typedef struct limiter_state {
    int64_t slot[LIMITER_STATE_SLOTS];
} limiter_state;

/* Which settings an algorithm reads (bits of limiter_algorithm.params). */
enum {
    LIMITER_PARAM_RATE = 1u << 0,     /* limit per period_us */
    LIMITER_PARAM_BURST = 1u << 1,    /* burst */
    LIMITER_PARAM_MAX_WAIT = 1u << 2, /* max_wait_us */
    LIMITER_PARAM_QUEUE = 1u << 3,    /* queue_max */
    LIMITER_PARAM_K = 1u << 4,        /* k_milli */
    LIMITER_PARAM_WINDOW = 1u << 5    /* window_us */
};

struct limiter_algorithm;

/* Settings of one limiter. The meaning of each field per algorithm is in its file. */
typedef struct limiter_config {
    const struct limiter_algorithm *algorithm;
    int64_t limit;       /* requests (cost units) per period_us; > 0 */
    int64_t period_us;   /* > 0 */
    int64_t burst;       /* capacity or tolerance, in requests; >= 1 */
    int64_t max_wait_us; /* pacing: longest delay a reservation may have; 0 means no bound */
    int64_t queue_max;   /* queue: most requests waiting in the queue; >= 1 */
    int64_t k_milli;     /* SRE adaptive throttling: K x 1000 (2000 for K = 2); >= 1000 */
    int64_t window_us;   /* SRE adaptive throttling: how long its counts remember; >= 1 */
} limiter_config;

/* The answer to one request. */
typedef struct limiter_decision {
    bool allowed;
    /* allowed: how long to wait before firing (0 = now; > 0 only for pacing algorithms).
     * refused: the earliest delay after which the same request could be allowed (>= 1). */
    int64_t wait_us;
} limiter_decision;

/* What became of one request a limiter allowed: the answer the API gave, for the algorithms
 * that learn from it (limiter_algorithm.observe). */
typedef enum limiter_outcome_kind {
    LIMITER_OUTCOME_ACCEPTED = 0, /* the API did the work (a 2xx) */
    LIMITER_OUTCOME_REFUSED,      /* a 429: the API's limit was hit */
    LIMITER_OUTCOME_DROPPED       /* no answer: a dropped connection, a timeout */
} limiter_outcome_kind;

typedef struct limiter_outcome {
    limiter_outcome_kind kind;
    int64_t retry_after_us; /* REFUSED: the Retry-After the API sent, 0 when none */
    int64_t latency_us;     /* from sending the request to its answer (>= 0) */
    int64_t cost;           /* the cost the request was decided with (>= 1) */
} limiter_outcome;

typedef struct limiter_algorithm {
    const char *name;    /* as written in scenario files: "gcra", "token_bucket", ... */
    const char *summary; /* one line for `ratelab list` */
    unsigned params;     /* LIMITER_PARAM_* bits this algorithm reads */
    bool paces;          /* true when an allowed decision may carry a wait */
    /* Checks cfg for this algorithm; returns 0 or RL_ERR_INVALID with a message naming the
     * setting, what was wrong and what is allowed. */
    int (*validate)(const limiter_config *cfg, rl_error *err);
    /* Decides one request of cost (>= 1) at now_us (>= the time of any earlier call with the
     * same state, minus clock skew: an earlier now_us must not break invariants), updating
     * state. Pure: same inputs, same outputs. */
    void (*decide)(const limiter_config *cfg, limiter_state *state, int64_t now_us, int64_t cost,
                   limiter_decision *out);
    /* Learns from the outcome of a request this state allowed, at now_us (when the answer
     * came), updating state. NULL for algorithms that do not learn: observing is then a no-op
     * (call limiter_algorithm_observe, never this pointer directly). Pure, like decide. */
    void (*observe)(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                    const limiter_outcome *outcome);
} limiter_algorithm;

/* Tells cfg's algorithm the outcome of a request it allowed with state (see observe); nothing
 * happens for an algorithm that does not learn. */
void limiter_algorithm_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                               const limiter_outcome *outcome);

/* The algorithm called name, or NULL. The registry is static: nothing to free. */
const limiter_algorithm *limiter_algorithm_find(const char *name);

/* How many algorithms the registry holds. */
size_t limiter_algorithm_count(void);

/* The index-th algorithm (index < limiter_algorithm_count()), in a fixed order. */
const limiter_algorithm *limiter_algorithm_at(size_t index);

/* Validates cfg with its algorithm, plus the checks common to all (cfg->algorithm set, rate
 * positive). Returns 0 or RL_ERR_INVALID with a message. */
int limiter_config_validate(const limiter_config *cfg, rl_error *err);

#endif
