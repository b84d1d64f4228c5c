/* rate_math.h - exact rational-rate arithmetic shared by the limiter algorithms.
 *
 * A rate is `limit` units per `period_us`, reduced by gcd(limit, period_us): one unit every
 * T = period_us / limit microseconds, which is generally not an integer (7/s gives T =
 * 142857 + 1/7 us). Two exact representations keep long runs free of drift:
 *
 * - an instant is (us, frac) with 0 <= frac < limit (reduced), meaning us + frac / limit; adding
 *   n units of T is exact (rate_math_instant_add);
 * - a count of units is scaled by period_us (reduced): n units are n * period_us scaled units and
 *   one microsecond of refill or drain is `limit` scaled units (a bucket's level or deficit).
 *
 * Intermediate products use 128-bit integers. Values that reach limiter_state stay below
 * LIMITER_EXACT_MAX (2^53) for now_us < RATE_MATH_NOW_MAX_US, provided the algorithm's
 * validate() passed: each one checks its own bound with rate_math_validate_span.
 *
 * Clock skew: every algorithm keeps the time of its latest admitted request and decides at
 * rate_math_effective_now(now_us, latest): an earlier now_us means "no time passed". */
#ifndef RATELAB_RATE_MATH_H
#define RATELAB_RATE_MATH_H

#include <stdbool.h>
#include <stdint.h>

#include "algorithms/limiter.h"
#include "harness/core/rl_error.h"

/* Bound on now_us that the exactness bounds assume (limiter.h): 2^40 us, about 12.7 days. */
#define RATE_MATH_NOW_MAX_US (INT64_C(1) << 40)

/* 128-bit intermediates (a GCC/Clang extension; __extension__ keeps -Wpedantic quiet). */
__extension__ typedef __int128 rate_math_i128;

/* limit per period_us, reduced by their gcd; both > 0. */
typedef struct rate_math_rate {
    int64_t limit;
    int64_t period_us;
} rate_math_rate;

/* The instant us + frac / rate.limit, with 0 <= frac < rate.limit. */
typedef struct rate_math_instant {
    int64_t us;
    int64_t frac;
} rate_math_instant;

/* The larger of a and b. */
static inline int64_t rate_math_max_i64(int64_t a, int64_t b) {
    return a > b ? a : b;
}

/* Greatest common divisor of a and b (both > 0). */
static inline int64_t rate_math_gcd(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* The rate of cfg (limit > 0, period_us > 0) reduced by gcd(limit, period_us). */
static inline rate_math_rate rate_math_rate_of(const limiter_config *cfg) {
    int64_t g = rate_math_gcd(cfg->limit, cfg->period_us);
    rate_math_rate r = {cfg->limit / g, cfg->period_us / g};
    return r;
}

/* floor(num / den) for den > 0 and any sign of num. A num that fits in 64 bits (nearly always)
 * is divided in 64 bits: the same quotient, without the 128-bit division routine. */
static inline rate_math_i128 rate_math_floor_div(rate_math_i128 num, int64_t den) {
    if (num >= INT64_MIN && num <= INT64_MAX) {
        int64_t n = (int64_t)num;
        int64_t q64 = n / den;
        return n % den < 0 ? q64 - 1 : q64;
    }
    rate_math_i128 q = num / den;
    if (num % den < 0) {
        q--;
    }
    return q;
}

/* ceil(num / den) for den > 0 and any sign of num. */
static inline rate_math_i128 rate_math_ceil_div(rate_math_i128 num, int64_t den) {
    return -rate_math_floor_div(-num, den);
}

/* The time a request is decided at: now_us, or latest_us when the clock went backwards. */
static inline int64_t rate_math_effective_now(int64_t now_us, int64_t latest_us) {
    return rate_math_max_i64(now_us, latest_us);
}

/* The whole microsecond us as an instant. */
static inline rate_math_instant rate_math_instant_at(int64_t us) {
    rate_math_instant t = {us, 0};
    return t;
}

/* t plus units * T (units may be negative); normalises frac into [0, r.limit). */
static inline rate_math_instant rate_math_instant_add(rate_math_instant t, int64_t units,
                                                      rate_math_rate r) {
    rate_math_i128 scaled = (rate_math_i128)units * r.period_us + t.frac;
    rate_math_i128 whole = rate_math_floor_div(scaled, r.limit);
    rate_math_instant out = {t.us + (int64_t)whole, (int64_t)(scaled - whole * r.limit)};
    return out;
}

/* The instant stored in slot[index] (us) and slot[index + 1] (frac), normalised. */
static inline rate_math_instant rate_math_instant_load(const limiter_state *state, int index,
                                                       rate_math_rate r) {
    rate_math_instant t = {state->slot[index], state->slot[index + 1]};
    return rate_math_instant_add(t, 0, r);
}

/* Stores t into slot[index] (us) and slot[index + 1] (frac). */
static inline void rate_math_instant_store(limiter_state *state, int index, rate_math_instant t) {
    state->slot[index] = t.us;
    state->slot[index + 1] = t.frac;
}

/* (t - us) * r.limit: the exact signed distance from the whole microsecond us to t, in units of
 * 1/r.limit us. */
static inline rate_math_i128 rate_math_instant_scaled_after(rate_math_instant t, int64_t us,
                                                            rate_math_rate r) {
    return (rate_math_i128)(t.us - us) * r.limit + t.frac;
}

/* The later of a and b. */
static inline rate_math_instant rate_math_instant_max(rate_math_instant a, rate_math_instant b) {
    if (a.us != b.us) {
        return a.us > b.us ? a : b;
    }
    return a.frac >= b.frac ? a : b;
}

/* ceil(t - us): whole microseconds from us until t (negative or zero when t <= us). */
static inline int64_t rate_math_instant_ceil_after(rate_math_instant t, int64_t us) {
    return t.us - us + (t.frac > 0 ? 1 : 0);
}

/* True when t - us <= units * T, exactly. */
static inline bool rate_math_instant_within(rate_math_instant t, int64_t us, int64_t units,
                                            rate_math_rate r) {
    return rate_math_instant_scaled_after(t, us, r) <= (rate_math_i128)units * r.period_us;
}

/* A bucket level (scaled units, >= 0) after draining for elapsed_us (>= 0): never below 0. */
static inline int64_t rate_math_bucket_drain(int64_t level, int64_t elapsed_us, rate_math_rate r) {
    rate_math_i128 drained = (rate_math_i128)elapsed_us * r.limit;
    return drained >= level ? 0 : level - (int64_t)drained;
}

/* Checks limit and period_us: both at least 1 and below 2^53. Returns 0 or RL_ERR_INVALID. */
static inline int rate_math_validate_rate(const limiter_config *cfg, rl_error *err) {
    if (cfg->limit < 1) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "limit must be at least 1 request per period (got %lld)",
                            (long long)cfg->limit);
    }
    if (cfg->period_us < 1) {
        return rl_error_set(err, RL_ERR_INVALID, "period_us must be at least 1 (got %lld)",
                            (long long)cfg->period_us);
    }
    if (cfg->limit >= LIMITER_EXACT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID, "limit must be below 2^53 (got %lld)",
                            (long long)cfg->limit);
    }
    if (cfg->period_us >= LIMITER_EXACT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID, "period_us must be below 2^53 (got %lld)",
                            (long long)cfg->period_us);
    }
    return 0;
}

/* Checks that value, the setting called name, is at least 1. Returns 0 or RL_ERR_INVALID. */
static inline int rate_math_validate_positive(int64_t value, const char *name, rl_error *err) {
    if (value < 1) {
        return rl_error_set(err, RL_ERR_INVALID, "%s must be at least 1 (got %lld)", name,
                            (long long)value);
    }
    return 0;
}

/* Checks count * period_us / gcd(limit, period_us) < 2^bits, the bound that keeps an
 * algorithm's stored values below 2^53; what names count ("burst"). The rate must be valid.
 * Returns 0 or RL_ERR_INVALID. */
static inline int rate_math_validate_span(int64_t count, const char *what,
                                          const limiter_config *cfg, int bits, rl_error *err) {
    rate_math_rate r = rate_math_rate_of(cfg);
    if ((rate_math_i128)count * r.period_us >= ((rate_math_i128)1 << bits)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s x period is too large for exact arithmetic (%s %lld x "
                            "period_us/gcd(limit, period_us) %lld must be below 2^%d)",
                            what, what, (long long)count, (long long)r.period_us, bits);
    }
    return 0;
}

#endif
