/* gcra.c - Generic Cell Rate Algorithm (virtual scheduling), "limit" mode: admit or refuse.
 *
 * Emission interval T = period_us / limit (an exact rational), tolerance tau = (burst - 1) x T.
 * The state is the theoretical arrival time TAT. For a request of cost c at time t:
 *   TAT' = max(t, TAT) + c x T;
 *   allowed iff TAT' - t <= tau + T (= burst x T); then TAT = TAT'.
 * A refused request leaves the state unchanged and gets wait_us = ceil(TAT' - tau - T - t)
 * (>= 1), the exact delay after which it would pass. When c > burst it can never pass and gets
 * ceil(TAT - t), the time until the limiter is idle again (at least 1 us). Admits exactly what
 * token_bucket with capacity burst and the same rate admits, with the same waits.
 *
 * Exactness: with L/P the rate reduced by gcd(limit, period_us), TAT is the instant
 * us + frac / L with 0 <= frac < L (rate_math.h).
 *
 * State slots (all stay below 2^53; validate requires burst x P < 2^52, so
 * TAT <= now + burst x T < 2^40 + 2^52):
 *   slot[0] TAT, whole microseconds (0 when fresh: a fresh limiter is idle)
 *   slot[1] TAT, fraction in units of 1/L us (0..L-1)
 *   slot[2] time of the latest admitted request, us (0 when fresh)
 *   slot[3] unused (0)
 * now_us earlier than slot[2] counts as slot[2] (no time passed); waits count from that
 * effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { GCRA_SLOT_TAT = 0, GCRA_SLOT_LATEST_US = 2 };

static int gcra_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->burst, "burst", err);
    }
    if (rc == 0) {
        rc = rate_math_validate_span(cfg->burst, "burst", cfg, 52, err);
    }
    return rc;
}

static void gcra_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                        int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    rate_math_rate r = rate_math_rate_of(cfg);
    int64_t at_us = rate_math_effective_now(now_us, state->slot[GCRA_SLOT_LATEST_US]);
    rate_math_instant tat = rate_math_instant_load(state, GCRA_SLOT_TAT, r);
    if (cost > cfg->burst) {
        /* Can never pass: report when the limiter is idle again. */
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, rate_math_instant_ceil_after(tat, at_us));
        return;
    }
    rate_math_instant start = rate_math_instant_max(rate_math_instant_at(at_us), tat);
    rate_math_instant new_tat = rate_math_instant_add(start, cost, r);
    if (!rate_math_instant_within(new_tat, at_us, cfg->burst, r)) {
        rate_math_instant allowed_at = rate_math_instant_add(new_tat, -cfg->burst, r);
        out->allowed = false;
        out->wait_us = rate_math_instant_ceil_after(allowed_at, at_us);
        assert(out->wait_us >= 1);
        return;
    }
    rate_math_instant_store(state, GCRA_SLOT_TAT, new_tat);
    state->slot[GCRA_SLOT_LATEST_US] = at_us;
    out->allowed = true;
    out->wait_us = 0;
}

/* GCRA in limit mode (see the file comment). */
const limiter_algorithm limiter_gcra = {
    .name = "gcra",
    .summary = "GCRA (virtual scheduling): admit or refuse; tolerance burst, no pacing",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST,
    .paces = false,
    .validate = gcra_validate,
    .decide = gcra_decide,
};
