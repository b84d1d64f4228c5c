/* rng.h - a seeded pseudo-random generator; one independent stream per simulated entity. */
#ifndef RATELAB_RNG_H
#define RATELAB_RNG_H

#include <stdint.h>

/* The version of the random streams: which numbers a (seed, stream) draws and in what order
 * the simulation asks for them. Raise it with any change that makes the same scenario and seed
 * draw different numbers (generator, seeding, stream ids, order of draws), so results record
 * whether they can be compared draw for draw. */
#define RNG_STREAM_VERSION 1

/* xoshiro256** state. Seed it with rng_seed; never share one between entities. */
typedef struct rng {
    uint64_t s[4];
} rng;

/* Seeds r for the stream stream_id of the run seeded with seed (splitmix64 of both). */
void rng_seed(rng *r, uint64_t seed, uint64_t stream_id);

/* Next 64 random bits. */
uint64_t rng_next_u64(rng *r);

/* Uniform integer in [0, bound) without modulo bias; bound must be > 0. */
uint64_t rng_below(rng *r, uint64_t bound);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform01(rng *r);

/* Uniform double in (0, 1]: safe to take the logarithm of. */
double rng_uniform01_open0(rng *r);

#endif
