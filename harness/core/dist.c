/* dist.c - sampling the distributions of dist.h. */
#include "harness/core/dist.h"

#include <math.h>

/* z such that P(Z <= z) = 0.99 for a standard normal Z. */
#define Z_P99 2.3263478740408408
#define TWO_PI 6.283185307179586

dist dist_constant(int64_t value) {
    dist d = {.kind = DIST_CONSTANT, .a = value, .b = value};
    return d;
}

static int64_t clamp_value(double x) {
    if (!(x > 0.0)) {
        return 0;
    }
    if (x >= (double)DIST_VALUE_MAX) {
        return DIST_VALUE_MAX;
    }
    return dist_round_nonnegative(x); /* 0 < x < 2^40 here */
}

static double lognormal_sigma(const dist *d) {
    if (d->a <= 0 || d->b <= d->a) {
        return 0.0;
    }
    return log((double)d->b / (double)d->a) / Z_P99;
}

/* A standard normal draw by the Box-Muller transform (one of the pair is used). */
static double standard_normal(rng *r) {
    double u1 = rng_uniform01_open0(r);
    double u2 = rng_uniform01(r);
    return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

dist_sampler dist_sampler_of(const dist *d) {
    dist_sampler s = {.d = *d, .sigma = d->kind == DIST_LOGNORMAL ? lognormal_sigma(d) : 0.0};
    return s;
}

int64_t dist_sampler_draw(const dist_sampler *s, rng *r) {
    const dist *d = &s->d;
    switch (d->kind) {
    case DIST_CONSTANT:
        return d->a;
    case DIST_UNIFORM:
        return d->a + (int64_t)rng_below(r, (uint64_t)(d->b - d->a) + 1);
    case DIST_EXPONENTIAL:
        return clamp_value(-(double)d->a * log(rng_uniform01_open0(r)));
    case DIST_LOGNORMAL:
        return clamp_value((double)d->a * exp(s->sigma * standard_normal(r)));
    }
    return d->a;
}

int64_t dist_sample(const dist *d, rng *r) {
    dist_sampler s = dist_sampler_of(d);
    return dist_sampler_draw(&s, r);
}

double dist_mean(const dist *d) {
    switch (d->kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
        return (double)d->a;
    case DIST_UNIFORM:
        return ((double)d->a + (double)d->b) / 2.0;
    case DIST_LOGNORMAL: {
        double sigma = lognormal_sigma(d);
        return (double)d->a * exp(sigma * sigma / 2.0);
    }
    }
    return (double)d->a;
}

const char *dist_kind_name(dist_kind kind) {
    switch (kind) {
    case DIST_CONSTANT: return "constant";
    case DIST_UNIFORM: return "uniform";
    case DIST_EXPONENTIAL: return "exponential";
    case DIST_LOGNORMAL: return "lognormal";
    }
    return "unknown";
}
