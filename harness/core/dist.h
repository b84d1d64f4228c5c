/* dist.h - distributions of non-negative integer quantities (durations in us, token counts). */
#ifndef RATELAB_DIST_H
#define RATELAB_DIST_H

#include <stdint.h>

#include "harness/core/rng.h"

/* Samples are clamped to [0, DIST_VALUE_MAX]. */
#define DIST_VALUE_MAX (INT64_C(1) << 40)

typedef enum dist_kind {
    DIST_CONSTANT = 0, /* always a */
    DIST_UNIFORM,      /* integers uniform in [a, b] */
    DIST_EXPONENTIAL,  /* mean a, rounded to the nearest integer */
    DIST_LOGNORMAL     /* median a, 99th percentile b (b >= a) */
} dist_kind;

/* A distribution; a zeroed dist is the constant 0. */
typedef struct dist {
    dist_kind kind;
    int64_t a;
    int64_t b;
} dist;

/* llround(x) for 0 <= x <= 2^52, without the library call: the nearest integer, halves away
 * from zero. Exact: x minus its truncation is computed without rounding (Sterbenz). */
static inline int64_t dist_round_nonnegative(double x) {
    int64_t whole = (int64_t)x;
    return x - (double)whole >= 0.5 ? whole + 1 : whole;
}

/* A constant distribution of value. */
dist dist_constant(int64_t value);

/* Draws one value from d using r. */
int64_t dist_sample(const dist *d, rng *r);

/* A distribution ready for many draws: what each draw of dist_sample works out again from d
 * (the lognormal's sigma, a logarithm) is worked out once. Draws are bit for bit those of
 * dist_sample. Plain data; copy it freely. */
typedef struct dist_sampler {
    dist d;
    double sigma; /* lognormal only */
} dist_sampler;

/* The sampler of d. */
dist_sampler dist_sampler_of(const dist *d);

/* Draws one value from s using r; the same value dist_sample(&s->d, r) would draw. */
int64_t dist_sampler_draw(const dist_sampler *s, rng *r);

/* The distribution's mean, for reports and memory estimates. */
double dist_mean(const dist *d);

/* A static string naming kind ("constant", "uniform", "exponential", "lognormal"). */
const char *dist_kind_name(dist_kind kind);

#endif
