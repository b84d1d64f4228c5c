/* limiter_registry.h - the algorithm objects the registry lists, for code that names one directly.
 *
 * Most code should look algorithms up by name (limiter_algorithm_find in limiter.h); tests and
 * differential checks use these objects directly. */
#ifndef RATELAB_LIMITER_REGISTRY_H
#define RATELAB_LIMITER_REGISTRY_H

#include "algorithms/limiter.h"

/* Token bucket: capacity burst, continuous refill of limit per period_us; starts full. */
extern const limiter_algorithm limiter_token_bucket;
/* Token bucket refilled to limit all at once every period_us (windows aligned to 0). */
extern const limiter_algorithm limiter_token_bucket_interval;
/* GCRA (virtual scheduling), limit mode: admit or refuse, tolerance burst. */
extern const limiter_algorithm limiter_gcra;
/* GCRA, pace mode: reserve a slot and answer when to fire, bounded by max_wait_us. */
extern const limiter_algorithm limiter_gcra_pace;
/* Leaky bucket as a meter: capacity burst, draining at limit per period_us; starts empty. */
extern const limiter_algorithm limiter_leaky_bucket_meter;
/* Leaky bucket as a queue: at most queue_max waiting, one departure every period_us/limit. */
extern const limiter_algorithm limiter_leaky_bucket_queue;
/* Fixed window: at most limit cost per window of period_us aligned to 0. */
extern const limiter_algorithm limiter_fixed_window;
/* Sliding window counter: two-window weighted estimate at most limit. */
extern const limiter_algorithm limiter_sliding_window;
/* No limiter: always allowed at once. */
extern const limiter_algorithm limiter_unlimited;


/* The adaptive limiters: they learn from each outcome (limiter_algorithm.observe). They are not
 * in the registry's table yet: a scenario can name them once the pod logic reports outcomes
 * (docs/ADAPTIVE.md). */
/* AIMD on the rate: GCRA at a rate raised per window of successes, halved on a 429. */
extern const limiter_algorithm limiter_aimd;
/* SRE client-side adaptive throttling: refuse locally with probability
 * max(0, (requests - K accepts) / (requests + 1)), spread deterministically. */
extern const limiter_algorithm limiter_sre_throttle;
/* A concurrency limit moved by the latency gradient (no-load latency / latency). */
extern const limiter_algorithm limiter_gradient;
/* Dynamic selection: bursts (token bucket) or paces (GCRA) as the API's 429s say. */
extern const limiter_algorithm limiter_selector;

#endif
