/* fixed_window.c - fixed window counter: at most limit cost per window of period_us.
 *
 * Windows are aligned to time 0: window k is [k x period_us, (k+1) x period_us). A request of
 * cost c is allowed iff the cost already admitted in its window plus c is at most limit. A
 * refused request gets the time until the next window starts (at least 1 us); when c > limit it
 * can never pass and gets the same answer. burst is not read.
 *
 * State slots (all stay below 2^53; validate requires limit and period_us below 2^53):
 *   slot[0] time of the latest admitted request, us (0 when fresh); its window is
 *           slot[0] / period_us
 *   slot[1] cost admitted in that window (0..limit)
 *   slot[2], slot[3] unused (0)
 * A denied request leaves the state unchanged. now_us earlier than slot[0] counts as slot[0]
 * (no time passed); waits count from that effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { FIXED_WINDOW_SLOT_LATEST_US = 0, FIXED_WINDOW_SLOT_COUNT = 1 };

static int fixed_window_validate(const limiter_config *cfg, rl_error *err) {
    return rate_math_validate_rate(cfg, err);
}

static void fixed_window_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                                int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    int64_t latest_us = state->slot[FIXED_WINDOW_SLOT_LATEST_US];
    int64_t at_us = rate_math_effective_now(now_us, latest_us);
    int64_t window = at_us / cfg->period_us;
    int64_t count = state->slot[FIXED_WINDOW_SLOT_COUNT];
    if (window != latest_us / cfg->period_us) {
        count = 0; /* a new window */
    }
    if (cost > cfg->limit - count) {
        out->allowed = false;
        out->wait_us = (window + 1) * cfg->period_us - at_us;
        return;
    }
    state->slot[FIXED_WINDOW_SLOT_LATEST_US] = at_us;
    state->slot[FIXED_WINDOW_SLOT_COUNT] = count + cost;
    out->allowed = true;
    out->wait_us = 0;
}

/* Fixed window counter (see the file comment). */
const limiter_algorithm limiter_fixed_window = {
    .name = "fixed_window",
    .summary = "fixed window: at most limit per window of period, windows aligned to 0",
    .params = LIMITER_PARAM_RATE,
    .paces = false,
    .validate = fixed_window_validate,
    .decide = fixed_window_decide,
};
