/* api_model.h - models of upstream APIs: what they accept, refuse or drop, and how fast they answer.
 *
 * Two models share one interface:
 * - burst_intolerant (a Power BI-like API): at most `limit` accepted requests per fixed window of
 *   window_us, and at most burst_limit accepted requests in any sliding burst_window_us. A request
 *   over either gets a 429 with Retry-After (the time until it would fit), or, with probability
 *   drop_ppm, a dropped connection; after a violation, every request is refused for penalty_us.
 * - quota_bound (an LLM-like API): at most `limit` requests and tokens_limit tokens per fixed
 *   window of window_us (tokens per request drawn from cost_tokens), and at most quota_limit
 *   requests per quota_window_us; over any, a 429 whose Retry-After is the reset time of the
 *   window that refused. Bursts are welcome: there is no short window unless burst_limit is set.
 * - leaky_bucket (a Shopify-like API): a bucket bucket_size requests deep that leaks `limit` per
 *   window_us, continuously. Each accepted request adds one; a request that would overflow it
 *   (fill + 1 > bucket_size) gets a 429 whose Retry-After is the time until one unit has leaked
 *   enough for it to fit. Every answer reports the bucket's fill after the decision (rounded up
 *   to whole requests) and its size, as Shopify's X-Shopify-Shop-Api-Call-Limit: "32/40" does;
 *   a fill below the size means a request at that instant would be accepted. The bucket starts
 *   empty. No fixed window, burst window limit, tokens or quota; drop and penalty apply.
 *
 * Both count accepted requests against their limits (refused ones do not use quota). Every
 * arrival, accepted or not, counts towards max_burst, the most arrivals seen in any sliding
 * burst_window_us: the figure that says whether the API saw a burst it does not tolerate.
 * Windows are aligned to the run's start (time 0). Time is run-relative microseconds. */
#ifndef RATELAB_API_MODEL_H
#define RATELAB_API_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/core/dist.h"
#include "harness/core/rl_error.h"
#include "harness/core/rng.h"

typedef enum api_model_kind {
    API_MODEL_BURST_INTOLERANT = 0,
    API_MODEL_QUOTA_BOUND,
    API_MODEL_LEAKY_BUCKET
} api_model_kind;

/* Deepest leaky bucket, in requests: keeps the fill's fixed-point arithmetic (requests times
 * window_us) below 2^62. */
#define API_BUCKET_SIZE_MAX (INT64_C(1) << 20)

/* Settings of one API, as a scenario file gives them. */
typedef struct api_config {
    api_model_kind kind;
    int64_t limit;           /* accepted requests per window_us (the declared quota); > 0 */
    int64_t window_us;       /* > 0 */
    int64_t burst_limit;     /* accepted requests per sliding burst_window_us; 0 = no short window */
    int64_t burst_window_us; /* the window of burst_limit and of max_burst; > 0 */
    int64_t drop_ppm;        /* share of refusals answered by a dropped connection, per million */
    int64_t penalty_us;      /* after a refusal, refuse everything for this long; 0 = none */
    int64_t tokens_limit;    /* quota_bound: tokens per window_us; 0 = no token limit */
    dist cost_tokens;        /* quota_bound: tokens one request uses */
    int64_t quota_limit;     /* quota_bound: requests per quota_window_us; 0 = none */
    int64_t quota_window_us;
    int64_t bucket_size;     /* leaky_bucket: requests the bucket holds (1 to 2^20); else 0 */
    dist latency_us;         /* time from arrival to the response, accepted or not */
} api_config;

typedef enum api_status {
    API_STATUS_ACCEPTED = 0, /* 2xx */
    API_STATUS_REJECTED_429, /* 429 Too Many Requests, with Retry-After */
    API_STATUS_DROPPED       /* connection dropped or reset: no answer, no Retry-After */
} api_status;

/* The API's answer to one request, decided at its arrival. */
typedef struct api_response {
    api_status status;
    int64_t latency_us;     /* when the client sees the answer, after arrival */
    int64_t retry_after_us; /* 429 only: Retry-After (>= 1); 0 otherwise */
    int64_t cost_tokens;    /* tokens the request used (quota_bound accepted only) */
    int64_t bucket_fill;    /* leaky_bucket: requests in the bucket after this decision, rounded
                               up (X-Shopify-Shop-Api-Call-Limit's first number); else 0 */
    int64_t bucket_size;    /* leaky_bucket: its size (the header's second number); else 0 */
} api_response;

/* A sliding count of events in the last window_us, over a growable ring of timestamps. */
typedef struct api_sliding_count {
    int64_t *times_us;
    int64_t capacity;
    int64_t head;  /* index of the oldest timestamp */
    int64_t count; /* timestamps held */
} api_sliding_count;

/* One API's state. Owned by the caller; api_model_init fills it, api_model_destroy frees what
 * it allocated. */
typedef struct api_model {
    api_config config;
    dist_sampler cost_tokens;      /* config.cost_tokens and config.latency_us, ready to draw */
    dist_sampler latency_us;
    rng random;
    int64_t window_start_us;       /* start of the current fixed window */
    int64_t window_accepted;       /* accepted in the current fixed window */
    int64_t window_tokens;         /* tokens accepted in the current fixed window */
    int64_t quota_window_start_us; /* quota_bound: start of the current quota window */
    int64_t quota_accepted;
    int64_t penalty_until_us;      /* refusing everything before this instant */
    int64_t bucket_level;          /* leaky_bucket: fill in requests x window_us (exact) */
    int64_t bucket_updated_us;     /* leaky_bucket: when bucket_level was last leaked */
    api_sliding_count accepted_in_burst_window; /* enforcement of burst_limit */
    api_sliding_count arrivals_in_burst_window; /* measurement of max_burst */
    int64_t max_burst;             /* most arrivals in any sliding burst_window_us so far */
    int64_t max_burst_at_us;       /* when max_burst was first reached */
} api_model;

/* Checks config; returns 0 or RL_ERR_INVALID with a message naming the setting. */
int api_config_validate(const api_config *config, rl_error *err);

/* What the API allows in its burst window: burst_limit, or else the window limit scaled to the
 * burst window (at least 1); for leaky_bucket, the bucket plus what leaks in the burst window.
 * The denominator of burst_ratio. */
int64_t api_config_burst_allowance(const api_config *config);

/* Initialises model for config with random stream (seed, stream_id). Returns 0 or RL_ERR_NOMEM. */
int api_model_init(api_model *model, const api_config *config, uint64_t seed, uint64_t stream_id);

/* Frees what model allocated; model may then be initialised again. */
void api_model_destroy(api_model *model);

/* Decides the request arriving at now_us (non-decreasing across calls) and fills out.
 * Returns 0 or RL_ERR_NOMEM (when a sliding window could not grow). */
int api_model_call(api_model *model, int64_t now_us, api_response *out);

/* api_model_call with the request's token cost given (cost_tokens_given >= 0; -1: drawn from
 * the API's cost, as api_model_call does). The draw is made either way, so the model's random
 * stream does not depend on it. `ratelab serve` passes a client's X-Ratelab-Cost. */
int api_model_call_cost(api_model *model, int64_t now_us, int64_t cost_tokens_given,
                        api_response *out);
/* The burst figures of model: the most arrivals it has seen in any sliding burst window, when
 * that was first reached, and what its config allows in that window (burst_ratio's parts). */
typedef struct api_burst_peak {
    int64_t max_burst;
    int64_t max_burst_at_us;
    int64_t burst_allowance;
} api_burst_peak;

/* model's burst figures so far. */
api_burst_peak api_model_burst_peak(const api_model *model);

/* leaky_bucket: microseconds from the model's latest call until its bucket is empty (0: empty).
 * The X-RateLimit-Reset of `ratelab serve` for this model. */
int64_t api_model_bucket_drain_us(const api_model *model);

/* Arrivals in model's sliding burst window ending at its latest arrival (that one included). */
int64_t api_model_arrivals_in_burst_window(const api_model *model);

/* A static name of kind ("burst_intolerant", "quota_bound", "leaky_bucket"). */
const char *api_model_kind_name(api_model_kind kind);

/* The kind called name; returns 0 or RL_ERR_UNKNOWN. */
int api_model_kind_parse(const char *name, api_model_kind *out);

/* A static name of status ("accepted", "429", "dropped"). */
const char *api_status_name(api_status status);

#endif
