/* leaky_bucket_meter.c - leaky bucket as a meter: capacity burst, draining at limit per period_us.
 *
 * The bucket starts empty and drains continuously at limit units per period_us (never below
 * empty). A request of cost c pours c units in: it is allowed iff level + c <= burst (then the
 * level rises by c). A refused request gets the exact time (rounded up) until level + c <= burst,
 * at least 1 us; when c > burst it can never pass and gets the time until the bucket is empty
 * (at least 1 us). The meter's level is the token bucket's deficit, so it admits exactly what
 * token_bucket with the same settings admits, with the same waits.
 *
 * Exactness: with L/P the rate reduced by gcd(limit, period_us), the level is kept in units of
 * 1/P, and one microsecond drains L of those units.
 *
 * State slots (all stay below 2^53; validate requires burst x P < 2^53):
 *   slot[0] time of the latest admitted request, us (0 when fresh)
 *   slot[1] level at that time, in units of 1/P (0..burst x P; 0 when fresh: empty)
 *   slot[2], slot[3] unused (0)
 * A denied request leaves the state unchanged. now_us earlier than slot[0] counts as slot[0]
 * (no time passed); waits count from that effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { LEAKY_BUCKET_METER_SLOT_LATEST_US = 0, LEAKY_BUCKET_METER_SLOT_LEVEL = 1 };

static int leaky_bucket_meter_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->burst, "burst", err);
    }
    if (rc == 0) {
        rc = rate_math_validate_span(cfg->burst, "burst", cfg, 53, err);
    }
    return rc;
}

static void leaky_bucket_meter_decide(const limiter_config *cfg, limiter_state *state,
                                      int64_t now_us, int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    rate_math_rate r = rate_math_rate_of(cfg);
    int64_t latest_us = state->slot[LEAKY_BUCKET_METER_SLOT_LATEST_US];
    int64_t at_us = rate_math_effective_now(now_us, latest_us);
    int64_t level =
        rate_math_bucket_drain(state->slot[LEAKY_BUCKET_METER_SLOT_LEVEL], at_us - latest_us, r);
    if (cost > cfg->burst) {
        /* Can never pass: report when the bucket is empty. */
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, (int64_t)rate_math_ceil_div(level, r.limit));
        return;
    }
    int64_t overflow = level + cost * r.period_us - cfg->burst * r.period_us; /* > 0: refuse */
    if (overflow > 0) {
        out->allowed = false;
        out->wait_us = (int64_t)rate_math_ceil_div(overflow, r.limit);
        return;
    }
    state->slot[LEAKY_BUCKET_METER_SLOT_LATEST_US] = at_us;
    state->slot[LEAKY_BUCKET_METER_SLOT_LEVEL] = level + cost * r.period_us;
    out->allowed = true;
    out->wait_us = 0;
}

/* Leaky bucket as a meter (see the file comment). */
const limiter_algorithm limiter_leaky_bucket_meter = {
    .name = "leaky_bucket_meter",
    .summary = "leaky bucket as a meter: capacity burst, draining at limit per period; "
               "starts empty",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST,
    .paces = false,
    .validate = leaky_bucket_meter_validate,
    .decide = leaky_bucket_meter_decide,
};
