/* gcra_pace.c - Generic Cell Rate Algorithm, "pace" mode: reserve a slot, answer when to fire.
 *
 * Emission interval T = period_us / limit (an exact rational), tolerance tau = (burst - 1) x T.
 * For a request of cost c at time t, with the theoretical arrival time TAT:
 *   fire = max(t, TAT - tau); TAT = max(fire, TAT) + c x T;
 *   allowed, wait_us = ceil(fire - t): the caller fires at t + wait_us.
 * From idle, burst requests fire at once, then one every T. A bound on the wait:
 *   if ceil(fire - t) > max_wait_us: refused, state unchanged, wait_us = ceil(fire - t) -
 *   max_wait_us (>= 1), the delay after which the same request's wait would fit.
 * max_wait_us = 0 means no bound; the arithmetic still caps waits at GCRA_PACE_WAIT_MAX_US
 * (2^50 us, about 35 years) so that stored values stay below 2^53.
 * Cost c > burst is refused (as in limit mode and redis-cell): wait_us = ceil(TAT - t), the
 * time until the limiter is idle again (at least 1 us); it can never pass.
 *
 * Exactness: with L/P the rate reduced by gcd(limit, period_us), TAT is the instant
 * us + frac / L with 0 <= frac < L (rate_math.h).
 *
 * State slots (all stay below 2^53; validate requires burst x P < 2^51 and max_wait_us <=
 * 2^50, so TAT <= now + max_wait + (2 x burst - 1) x T < 2^40 + 2^50 + 2^52):
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

/* Largest wait when max_wait_us is 0 (no bound), and largest max_wait_us accepted. */
#define GCRA_PACE_WAIT_MAX_US (INT64_C(1) << 50)

enum { GCRA_PACE_SLOT_TAT = 0, GCRA_PACE_SLOT_LATEST_US = 2 };

static int gcra_pace_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->burst, "burst", err);
    }
    if (rc == 0) {
        rc = rate_math_validate_span(cfg->burst, "burst", cfg, 51, err);
    }
    if (rc == 0 && (cfg->max_wait_us < 0 || cfg->max_wait_us > GCRA_PACE_WAIT_MAX_US)) {
        rc = rl_error_set(err, RL_ERR_INVALID,
                          "max_wait_us must be 0 (no bound) or between 1 and 2^50 (got %lld)",
                          (long long)cfg->max_wait_us);
    }
    return rc;
}

static void gcra_pace_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                             int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    rate_math_rate r = rate_math_rate_of(cfg);
    int64_t at_us = rate_math_effective_now(now_us, state->slot[GCRA_PACE_SLOT_LATEST_US]);
    rate_math_instant tat = rate_math_instant_load(state, GCRA_PACE_SLOT_TAT, r);
    if (cost > cfg->burst) {
        /* Can never pass: report when the limiter is idle again. */
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, rate_math_instant_ceil_after(tat, at_us));
        return;
    }
    rate_math_instant earliest = rate_math_instant_add(tat, -(cfg->burst - 1), r); /* TAT - tau */
    rate_math_instant fire = rate_math_instant_max(rate_math_instant_at(at_us), earliest);
    int64_t wait_us = rate_math_instant_ceil_after(fire, at_us);
    int64_t wait_max_us = cfg->max_wait_us > 0 ? cfg->max_wait_us : GCRA_PACE_WAIT_MAX_US;
    if (wait_us > wait_max_us) {
        out->allowed = false;
        out->wait_us = wait_us - wait_max_us;
        return;
    }
    rate_math_instant new_tat = rate_math_instant_add(rate_math_instant_max(fire, tat), cost, r);
    rate_math_instant_store(state, GCRA_PACE_SLOT_TAT, new_tat);
    state->slot[GCRA_PACE_SLOT_LATEST_US] = at_us;
    out->allowed = true;
    out->wait_us = wait_us;
}

/* GCRA in pace mode (see the file comment). */
const limiter_algorithm limiter_gcra_pace = {
    .name = "gcra_pace",
    .summary = "GCRA pacing: reserve the next slot and wait for it; tolerance burst, max_wait",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST | LIMITER_PARAM_MAX_WAIT,
    .paces = true,
    .validate = gcra_pace_validate,
    .decide = gcra_pace_decide,
};
