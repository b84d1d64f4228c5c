/* token_bucket.c - token bucket with continuous refill: capacity burst, limit per period_us.
 *
 * The bucket holds up to burst tokens and refills continuously at limit tokens per period_us;
 * it starts full. A request of cost c is allowed iff the bucket holds at least c tokens, which
 * it then takes. A refused request gets the exact time (rounded up) until the bucket holds c
 * tokens; when c > burst it can never pass and gets the time until the bucket is full again
 * (at least 1 us).
 *
 * Exactness: with L/P the rate reduced by gcd(limit, period_us), token counts are kept in units
 * of 1/P token, and one microsecond refills L of those units. The state stores how many units
 * the bucket is missing (its deficit), so that all zeros is a full, fresh bucket.
 *
 * State slots (all stay below 2^53; validate requires burst x P < 2^53):
 *   slot[0] time of the latest admitted request, us (0 when fresh)
 *   slot[1] deficit at that time: burst x P - tokens x P, in units of 1/P token (0..burst x P)
 *   slot[2], slot[3] unused (0)
 * A denied request leaves the state unchanged. now_us earlier than slot[0] counts as slot[0]
 * (no time passed); waits count from that effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { TOKEN_BUCKET_SLOT_LATEST_US = 0, TOKEN_BUCKET_SLOT_DEFICIT = 1 };

static int token_bucket_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->burst, "burst", err);
    }
    if (rc == 0) {
        rc = rate_math_validate_span(cfg->burst, "burst", cfg, 53, err);
    }
    return rc;
}

static void token_bucket_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                                int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    rate_math_rate r = rate_math_rate_of(cfg);
    int64_t latest_us = state->slot[TOKEN_BUCKET_SLOT_LATEST_US];
    int64_t at_us = rate_math_effective_now(now_us, latest_us);
    int64_t deficit =
        rate_math_bucket_drain(state->slot[TOKEN_BUCKET_SLOT_DEFICIT], at_us - latest_us, r);
    if (cost > cfg->burst) {
        /* Can never pass: report when the bucket is full again. */
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, (int64_t)rate_math_ceil_div(deficit, r.limit));
        return;
    }
    int64_t capacity = cfg->burst * r.period_us;
    int64_t missing = deficit + cost * r.period_us - capacity; /* > 0: too few tokens */
    if (missing > 0) {
        out->allowed = false;
        out->wait_us = (int64_t)rate_math_ceil_div(missing, r.limit);
        return;
    }
    state->slot[TOKEN_BUCKET_SLOT_LATEST_US] = at_us;
    state->slot[TOKEN_BUCKET_SLOT_DEFICIT] = deficit + cost * r.period_us;
    out->allowed = true;
    out->wait_us = 0;
}

/* Token bucket with continuous refill (see the file comment). */
const limiter_algorithm limiter_token_bucket = {
    .name = "token_bucket",
    .summary = "token bucket: capacity burst, continuous refill of limit per period; starts full",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST,
    .paces = false,
    .validate = token_bucket_validate,
    .decide = token_bucket_decide,
};
