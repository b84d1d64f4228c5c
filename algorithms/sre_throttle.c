/* sre_throttle.c - client-side adaptive throttling (Google SRE book, "Handling Overload"): the
 * client counts the requests it was asked to send and the ones the API accepted, over a recent
 * window, and refuses a request locally with probability
 *   p = max(0, (requests - K x accepts) / (requests + 1)).
 * With K = 2 the API keeps seeing about twice what it accepts; a larger K throttles later.
 *
 * No randomness: the probability is spread by error diffusion. Each request adds p (in parts
 * per million) to an accumulator; when it reaches 10^6 the request is refused and 10^6 taken
 * off. Over any run of requests with the same p, the refused share is p to within one request,
 * and the decision stays a pure function of the state (the Lua twin needs no generator).
 *
 * Settings: k_milli = 1000 K (>= 1000), window_us: the counts are halved for every whole
 * window_us that passes (windows aligned to 0), so they remember about the last two windows
 * (the SRE book uses two minutes). decide counts the request in `requests` whether it is
 * refused or not, as the book does; observe counts an accepted one in `accepts`. A refused
 * request gets wait_us = max(1, floor(window_us / max(1, accepts))): the time in which the API
 * has lately accepted one request.
 *
 * State slots (a fresh state, all zero, refuses nothing):
 *   slot[0] requests (cost units, halved per window)
 *   slot[1] accepts (cost units, halved per window)
 *   slot[2] index of the current window (now_us / window_us); an earlier now_us counts as in it
 *   slot[3] the accumulator, parts per million, 0 <= acc < 10^6
 * Halving per window keeps each count below twice the requests of one window (below 2^53 for
 * any run ratelab makes); the products of sre_refuse_ppm are formed in 128 bits. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { SRE_SLOT_REQUESTS = 0, SRE_SLOT_ACCEPTS, SRE_SLOT_WINDOW, SRE_SLOT_ACC_PPM };

#define SRE_PPM INT64_C(1000000)
#define SRE_K_MILLI_MAX INT64_C(1000000) /* K up to 1000 */

static int sre_validate(const limiter_config *cfg, rl_error *err) {
    if (cfg->k_milli < 1000 || cfg->k_milli > SRE_K_MILLI_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "k must be from 1 to 1000 (k_milli 1000 to %lld; got %lld)",
                            (long long)SRE_K_MILLI_MAX, (long long)cfg->k_milli);
    }
    return rate_math_validate_positive(cfg->window_us, "window_us", err);
}

/* Halves the counts once per whole window passed since the state's window. */
static void sre_age(const limiter_config *cfg, limiter_state *state, int64_t now_us) {
    int64_t window = now_us / cfg->window_us;
    int64_t passed = window - state->slot[SRE_SLOT_WINDOW];
    if (passed <= 0) {
        return;
    }
    int shift = passed > 62 ? 62 : (int)passed;
    state->slot[SRE_SLOT_REQUESTS] >>= shift;
    state->slot[SRE_SLOT_ACCEPTS] >>= shift;
    state->slot[SRE_SLOT_WINDOW] = window;
}

/* floor(10^6 x max(0, (requests - K accepts) / (requests + 1))). */
static int64_t sre_refuse_ppm(const limiter_config *cfg, const limiter_state *state) {
    rate_math_i128 requests = state->slot[SRE_SLOT_REQUESTS];
    rate_math_i128 excess = requests * 1000 - (rate_math_i128)cfg->k_milli *
                                                   state->slot[SRE_SLOT_ACCEPTS];
    if (excess <= 0) {
        return 0;
    }
    int64_t ppm = (int64_t)(excess * 1000 / (requests + 1));
    assert(ppm >= 0 && ppm < SRE_PPM);
    return ppm;
}

static void sre_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                       int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    sre_age(cfg, state, now_us);
    int64_t acc = state->slot[SRE_SLOT_ACC_PPM] + sre_refuse_ppm(cfg, state);
    state->slot[SRE_SLOT_REQUESTS] += cost;
    if (acc >= SRE_PPM) {
        state->slot[SRE_SLOT_ACC_PPM] = acc - SRE_PPM;
        out->allowed = false;
        out->wait_us = rate_math_max_i64(
            1, cfg->window_us / rate_math_max_i64(1, state->slot[SRE_SLOT_ACCEPTS]));
        return;
    }
    state->slot[SRE_SLOT_ACC_PPM] = acc;
    out->allowed = true;
    out->wait_us = 0;
}

static void sre_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                        const limiter_outcome *outcome) {
    sre_age(cfg, state, now_us);
    if (outcome->kind == LIMITER_OUTCOME_ACCEPTED) {
        state->slot[SRE_SLOT_ACCEPTS] += outcome->cost;
    }
}

/* SRE client-side adaptive throttling (see the file comment). */
const limiter_algorithm limiter_sre_throttle = {
    .name = "sre_throttle",
    .summary = "SRE adaptive throttling: refuse with p = (requests - K accepts) / (requests + 1)",
    .params = LIMITER_PARAM_K | LIMITER_PARAM_WINDOW,
    .paces = false,
    .validate = sre_validate,
    .decide = sre_decide,
    .observe = sre_observe,
};
