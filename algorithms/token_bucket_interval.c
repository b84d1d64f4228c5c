/* token_bucket_interval.c - token bucket refilled to full all at once every period_us.
 *
 * The variant from the field report (max_tokens, refill_interval): the bucket holds limit
 * tokens (max_tokens) and is refilled to full at every multiple of period_us (refill_interval),
 * so window k is [k x period_us, (k+1) x period_us). A request of cost c is allowed iff at least
 * c tokens remain in the current window. A refused request gets the time until the next refill
 * (at least 1 us); when c > limit it can never pass and gets the same answer. burst is not read.
 * Decisions are identical to fixed_window's: this is the same arithmetic under the name and
 * settings the report used.
 *
 * State slots (all stay below 2^53; validate requires limit and period_us below 2^53):
 *   slot[0] time of the latest admitted request, us (0 when fresh); its window is
 *           slot[0] / period_us
 *   slot[1] tokens taken in that window (0..limit), so that all zeros is a full bucket
 *   slot[2], slot[3] unused (0)
 * A denied request leaves the state unchanged. now_us earlier than slot[0] counts as slot[0]
 * (no time passed); waits count from that effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { TOKEN_BUCKET_INTERVAL_SLOT_LATEST_US = 0, TOKEN_BUCKET_INTERVAL_SLOT_TAKEN = 1 };

static int token_bucket_interval_validate(const limiter_config *cfg, rl_error *err) {
    return rate_math_validate_rate(cfg, err);
}

static void token_bucket_interval_decide(const limiter_config *cfg, limiter_state *state,
                                         int64_t now_us, int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    int64_t latest_us = state->slot[TOKEN_BUCKET_INTERVAL_SLOT_LATEST_US];
    int64_t at_us = rate_math_effective_now(now_us, latest_us);
    int64_t window = at_us / cfg->period_us;
    int64_t taken = state->slot[TOKEN_BUCKET_INTERVAL_SLOT_TAKEN];
    if (window != latest_us / cfg->period_us) {
        taken = 0; /* refilled at the start of this window */
    }
    if (cost > cfg->limit - taken) {
        out->allowed = false;
        out->wait_us = (window + 1) * cfg->period_us - at_us;
        return;
    }
    state->slot[TOKEN_BUCKET_INTERVAL_SLOT_LATEST_US] = at_us;
    state->slot[TOKEN_BUCKET_INTERVAL_SLOT_TAKEN] = taken + cost;
    out->allowed = true;
    out->wait_us = 0;
}

/* Token bucket refilled to full every period_us (see the file comment). */
const limiter_algorithm limiter_token_bucket_interval = {
    .name = "token_bucket_interval",
    .summary = "token bucket refilled to limit all at once every period (aligned to 0)",
    .params = LIMITER_PARAM_RATE,
    .paces = false,
    .validate = token_bucket_interval_validate,
    .decide = token_bucket_interval_decide,
};
