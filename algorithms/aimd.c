/* aimd.c - AIMD on the rate: a GCRA whose rate learns from the API's answers. Additive increase
 * of one request per period for every window of successes (one period's worth of requests at
 * the current rate), multiplicative decrease (halving) on a 429 or a dropped connection, and on
 * a Retry-After RA at most one request per RA, with nothing admitted before RA has passed.
 *
 * Settings: limit per period_us is the ceiling C (the rate never rises above it, and a fresh
 * limiter starts there); burst is the GCRA tolerance, as in gcra.c.
 *
 * The current rate r is kept in milli-requests per period (1 <= r <= 1000 C). Its emission
 * interval is T = ceil(1000 period_us / r) whole microseconds (rounded up: never faster than
 * r). decide is gcra.c's rule with that T: for cost c at time t, TAT' = max(t, TAT) + c T,
 * allowed iff TAT' - t <= burst T. observe, at time t, for a request of cost c:
 *   accepted:           r += max(1, floor(10^6 c / r)) (so r successes add 1000: one request
 *                       per period), at most 1000 C;
 *   refused or dropped: when the request was sent (t - latency) at or after the latest
 *                       decrease: r = max(1, floor(r / 2)), and with a Retry-After RA,
 *                       r = min(r, max(1, floor(1000 period_us / RA))) and TAT = max(TAT,
 *                       t + RA + (burst - 1) T), so the next request passes at t + RA at the
 *                       earliest; the latest decrease is then t. An answer to a request sent
 *                       before the latest decrease is ignored: the rate already fell for it
 *                       (one decrease per round trip, as TCP does per window).
 *
 * State slots (a fresh state, all zero, is at the ceiling and idle):
 *   slot[0] TAT, whole microseconds
 *   slot[1] deficit: 1000 C - r (milli-requests per period)
 *   slot[2] time of the latest decrease, us
 *   slot[3] time of the latest admitted request, us (an earlier now_us counts as this)
 * Bounds (validate): 1000 C < 2^53, and burst x 1000 period_us < 2^52, so T <= 1000 period_us
 * and TAT <= now + burst T + RA stay below 2^53 (now and a Retry-After are below 2^40). */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { AIMD_SLOT_TAT = 0, AIMD_SLOT_DEFICIT, AIMD_SLOT_DECREASED_US, AIMD_SLOT_LATEST_US };

#define AIMD_MILLI INT64_C(1000)

static int aimd_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->burst, "burst", err);
    }
    if (rc == 0 && cfg->limit >= LIMITER_EXACT_MAX / AIMD_MILLI) {
        rc = rl_error_set(err, RL_ERR_INVALID, "limit must be below 2^53 / 1000 (got %lld)",
                          (long long)cfg->limit);
    }
    if (rc == 0 && (rate_math_i128)cfg->burst * cfg->period_us * AIMD_MILLI >=
                       ((rate_math_i128)1 << 52)) {
        rc = rl_error_set(err, RL_ERR_INVALID,
                          "burst x period_us x 1000 must be below 2^52 (got burst %lld, "
                          "period_us %lld)",
                          (long long)cfg->burst, (long long)cfg->period_us);
    }
    return rc;
}

/* The current rate in milli-requests per period. */
static int64_t aimd_rate_milli(const limiter_config *cfg, const limiter_state *state) {
    int64_t rate = cfg->limit * AIMD_MILLI - state->slot[AIMD_SLOT_DEFICIT];
    assert(rate >= 1 && rate <= cfg->limit * AIMD_MILLI);
    return rate;
}

static void aimd_set_rate_milli(const limiter_config *cfg, limiter_state *state, int64_t rate) {
    int64_t ceiling = cfg->limit * AIMD_MILLI;
    rate = rate < 1 ? 1 : rate > ceiling ? ceiling : rate;
    state->slot[AIMD_SLOT_DEFICIT] = ceiling - rate;
}

/* The emission interval at the current rate: ceil(1000 period_us / r) us. */
static int64_t aimd_interval_us(const limiter_config *cfg, const limiter_state *state) {
    int64_t rate = aimd_rate_milli(cfg, state);
    return (int64_t)rate_math_ceil_div((rate_math_i128)cfg->period_us * AIMD_MILLI, rate);
}

static void aimd_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                        int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    int64_t at_us = rate_math_effective_now(now_us, state->slot[AIMD_SLOT_LATEST_US]);
    int64_t interval_us = aimd_interval_us(cfg, state);
    int64_t tat_us = state->slot[AIMD_SLOT_TAT];
    if (cost > cfg->burst) {
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, tat_us - at_us);
        return;
    }
    int64_t new_tat_us = rate_math_max_i64(at_us, tat_us) + cost * interval_us;
    int64_t allowed_at_us = new_tat_us - cfg->burst * interval_us;
    if (allowed_at_us > at_us) {
        out->allowed = false;
        out->wait_us = allowed_at_us - at_us;
        return;
    }
    state->slot[AIMD_SLOT_TAT] = new_tat_us;
    state->slot[AIMD_SLOT_LATEST_US] = at_us;
    out->allowed = true;
    out->wait_us = 0;
}

static void aimd_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                         const limiter_outcome *outcome) {
    int64_t rate = aimd_rate_milli(cfg, state);
    if (outcome->kind == LIMITER_OUTCOME_ACCEPTED) {
        int64_t step = (int64_t)((rate_math_i128)outcome->cost * AIMD_MILLI * AIMD_MILLI / rate);
        aimd_set_rate_milli(cfg, state, rate + rate_math_max_i64(1, step));
        return;
    }
    int64_t sent_us = now_us - outcome->latency_us;
    if (sent_us < state->slot[AIMD_SLOT_DECREASED_US]) {
        return; /* sent at the old rate: the rate already fell for it */
    }
    rate = rate / 2;
    int64_t retry_after_us = outcome->kind == LIMITER_OUTCOME_REFUSED ? outcome->retry_after_us
                                                                       : 0;
    if (retry_after_us > 0) {
        int64_t implied = (int64_t)((rate_math_i128)cfg->period_us * AIMD_MILLI / retry_after_us);
        rate = implied < rate ? implied : rate;
    }
    aimd_set_rate_milli(cfg, state, rate);
    state->slot[AIMD_SLOT_DECREASED_US] = now_us;
    if (retry_after_us > 0) {
        /* the first request allowed after this one is at now + RA, whatever the burst */
        int64_t quiet_until_us =
            now_us + retry_after_us + (cfg->burst - 1) * aimd_interval_us(cfg, state);
        state->slot[AIMD_SLOT_TAT] = rate_math_max_i64(state->slot[AIMD_SLOT_TAT], quiet_until_us);
    }
}

/* AIMD on the rate (see the file comment). */
const limiter_algorithm limiter_aimd = {
    .name = "aimd",
    .summary = "GCRA whose rate learns: +1/period per window of successes, halved on a 429",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST,
    .paces = false,
    .validate = aimd_validate,
    .decide = aimd_decide,
    .observe = aimd_observe,
};
