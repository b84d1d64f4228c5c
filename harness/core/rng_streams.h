/* rng_streams.h - the one table of random stream ids. Every entity of a run draws from its own
 * stream of the run's seed (rng_seed(&r, seed, id)), so that adding draws to one entity changes
 * no other's; the ids below are all different, whatever the world (simulated or live). */
#ifndef RATELAB_RNG_STREAMS_H
#define RATELAB_RNG_STREAMS_H

#include <assert.h>
#include <stdint.h>

/* Pods take ids 1 to 2^40 - 1 (pod p: p + 1); the other entities sit above. */
#define RNG_STREAM_ENTITIES_FIRST (UINT64_C(1) << 40)
#define RNG_STREAM_STORE (RNG_STREAM_ENTITIES_FIRST + 1)       /* the simulated store */
#define RNG_STREAM_LIVE_CLIENT (RNG_STREAM_ENTITIES_FIRST + 2) /* the live Redis client's seed:
                                                                  the run's seed ^ this */
#define RNG_STREAM_CLOCK_SKEW (RNG_STREAM_ENTITIES_FIRST + 8)  /* which pods skew how much */
#define RNG_STREAM_API_FIRST (RNG_STREAM_ENTITIES_FIRST + 16)  /* API i: this + i */
#define RNG_STREAM_API_COUNT_MAX 16
/* The live Redis client's retry jitter, a stream of the client's own seed (above). */
#define RNG_STREAM_REDIS_CLIENT (UINT64_C(1) << 41)

/* The stream of pod (0-based). */
static inline uint64_t rng_stream_pod(int64_t pod) {
    assert(pod >= 0 && (uint64_t)pod + 1 < RNG_STREAM_ENTITIES_FIRST);
    return (uint64_t)pod + 1;
}

/* The stream of API api (0-based index in the scenario). */
static inline uint64_t rng_stream_api(int api) {
    assert(api >= 0 && api < RNG_STREAM_API_COUNT_MAX);
    return RNG_STREAM_API_FIRST + (uint64_t)api;
}

#endif
