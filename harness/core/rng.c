/* rng.c - xoshiro256** seeded through splitmix64 (after Blackman and Vigna's published algorithms). */
#include "harness/core/rng.h"

#include <assert.h>

static uint64_t splitmix64_next(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream_id) {
    uint64_t x = seed;
    uint64_t mixed_seed = splitmix64_next(&x);
    x = mixed_seed ^ (stream_id * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++) {
        r->s[i] = splitmix64_next(&x);
    }
}

uint64_t rng_next_u64(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t rng_below(rng *r, uint64_t bound) {
    assert(bound > 0);
    uint64_t threshold = -bound % bound; /* 2^64 mod bound */
    for (;;) {
        uint64_t x = rng_next_u64(r);
        if (x >= threshold) {
            return x % bound;
        }
    }
}

double rng_uniform01(rng *r) {
    return (double)(rng_next_u64(r) >> 11) * 0x1.0p-53;
}

double rng_uniform01_open0(rng *r) {
    return ((double)(rng_next_u64(r) >> 11) + 1.0) * 0x1.0p-53;
}
