/* gradient.c - a concurrency limit moved by the latency gradient, after Netflix's
 * concurrency-limits (Gradient): while answers come as fast as the fastest seen, the limit
 * grows by about its square root per answer; when latency rises, the gradient
 * (fastest / current, between 1/2 and 1) scales it down; a 429 or a drop cuts it by 10%.
 *
 * Settings: burst is the most requests in flight the limit may reach (Lmax >= 1); a fresh
 * limiter starts at min(Lmax, 10), low enough for its first answers to show the API's latency
 * unloaded (started at Lmax, a fleet's first wave would make the loaded latency its fastest). A request of cost c is allowed iff in_flight + c <= floor(limit), and
 * then counts as in flight until its outcome is observed: observe must be called for EVERY
 * allowed request, answered or not (a dropped or abandoned one as DROPPED), or the limiter
 * fills up and refuses for ever. A refused request gets wait_us = the fastest latency seen (1 ms
 * before any): about when a call in flight should end.
 *
 * observe, for a request of cost c answered after latency L (at least 1 us):
 *   in_flight -= c; fastest = min(fastest, L) (L when none yet);
 *   accepted: gradient = clamp(1000 fastest / L, 500, 1000) (per mille),
 *             target = limit x gradient / 1000 + 1000 isqrt(floor(limit)),
 *             limit = (4 limit + target) / 5 (smoothing 0.2), within [1000, 1000 Lmax];
 *   refused or dropped: limit = max(1000, 9 limit / 10).
 * All divisions floor. The limit is kept in thousandths of a request.
 * Limitation: the fastest latency is never forgotten, so a lasting change of the API's
 * no-load latency is read as congestion (Netflix re-probes it from time to time).
 *
 * State slots (all zero: at the initial limit, idle, no latency seen):
 *   slot[0] the limit in thousandths of a request (0: the initial limit)
 *   slot[1] requests in flight (cost units)
 *   slot[2] the fastest latency seen, us (0: none yet)
 *   slot[3] unused (0) */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { GRADIENT_SLOT_LIMIT = 0, GRADIENT_SLOT_IN_FLIGHT, GRADIENT_SLOT_FASTEST_US };

#define GRADIENT_MILLI INT64_C(1000)
#define GRADIENT_BURST_MAX (INT64_C(1) << 30) /* keeps 9 x the limit in thousandths below 2^53 */
#define GRADIENT_WAIT_UNKNOWN_US INT64_C(1000)
#define GRADIENT_INITIAL INT64_C(10)

static int gradient_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_positive(cfg->burst, "burst", err);
    if (rc == 0 && cfg->burst >= GRADIENT_BURST_MAX) {
        rc = rl_error_set(err, RL_ERR_INVALID, "burst must be below 2^30 (got %lld)",
                          (long long)cfg->burst);
    }
    return rc;
}

/* floor(sqrt(n)) for n >= 0. */
static int64_t gradient_isqrt(int64_t n) {
    int64_t root = 0;
    for (int64_t bit = INT64_C(1) << 30; bit > 0; bit >>= 1) {
        int64_t candidate = root + bit;
        if (candidate * candidate <= n) {
            root = candidate;
        }
    }
    return root;
}

static int64_t gradient_limit_milli(const limiter_config *cfg, const limiter_state *state) {
    int64_t initial = cfg->burst < GRADIENT_INITIAL ? cfg->burst : GRADIENT_INITIAL;
    int64_t stored = state->slot[GRADIENT_SLOT_LIMIT];
    int64_t limit = stored == 0 ? initial * GRADIENT_MILLI : stored;
    assert(limit >= GRADIENT_MILLI && limit <= cfg->burst * GRADIENT_MILLI);
    return limit;
}

static void gradient_set_limit_milli(const limiter_config *cfg, limiter_state *state,
                                     int64_t limit) {
    int64_t ceiling = cfg->burst * GRADIENT_MILLI;
    limit = limit < GRADIENT_MILLI ? GRADIENT_MILLI : limit > ceiling ? ceiling : limit;
    state->slot[GRADIENT_SLOT_LIMIT] = limit;
}

static void gradient_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                            int64_t cost, limiter_decision *out) {
    (void)now_us;
    assert(cost >= 1);
    int64_t limit = gradient_limit_milli(cfg, state) / GRADIENT_MILLI;
    if (state->slot[GRADIENT_SLOT_IN_FLIGHT] + cost > limit) {
        int64_t fastest_us = state->slot[GRADIENT_SLOT_FASTEST_US];
        out->allowed = false;
        out->wait_us = fastest_us > 0 ? fastest_us : GRADIENT_WAIT_UNKNOWN_US;
        return;
    }
    state->slot[GRADIENT_SLOT_IN_FLIGHT] += cost;
    out->allowed = true;
    out->wait_us = 0;
}

static void gradient_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                             const limiter_outcome *outcome) {
    (void)now_us;
    int64_t in_flight = state->slot[GRADIENT_SLOT_IN_FLIGHT] - outcome->cost;
    state->slot[GRADIENT_SLOT_IN_FLIGHT] = in_flight > 0 ? in_flight : 0;
    int64_t latency_us = rate_math_max_i64(1, outcome->latency_us);
    int64_t fastest_us = state->slot[GRADIENT_SLOT_FASTEST_US];
    fastest_us = fastest_us == 0 || latency_us < fastest_us ? latency_us : fastest_us;
    state->slot[GRADIENT_SLOT_FASTEST_US] = fastest_us;
    int64_t limit = gradient_limit_milli(cfg, state);
    if (outcome->kind != LIMITER_OUTCOME_ACCEPTED) {
        gradient_set_limit_milli(cfg, state, limit * 9 / 10);
        return;
    }
    int64_t gradient = (int64_t)((rate_math_i128)fastest_us * GRADIENT_MILLI / latency_us);
    gradient = gradient < 500 ? 500 : gradient > 1000 ? 1000 : gradient;
    int64_t target = limit * gradient / GRADIENT_MILLI +
                     GRADIENT_MILLI * gradient_isqrt(limit / GRADIENT_MILLI);
    gradient_set_limit_milli(cfg, state, (4 * limit + target) / 5);
}

/* The gradient concurrency limit (see the file comment). */
const limiter_algorithm limiter_gradient = {
    .name = "gradient",
    .summary = "concurrency limit scaled by fastest/current latency, cut 10% on a 429",
    .params = LIMITER_PARAM_BURST,
    .paces = false,
    .validate = gradient_validate,
    .decide = gradient_decide,
    .observe = gradient_observe,
};
