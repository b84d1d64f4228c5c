/* unlimited.c - the "no limiter" baseline: every request is allowed at once.
 *
 * Reads no settings (params = 0) and no state; its validate accepts any settings.
 *
 * State slots: none used (all stay 0). */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"

static int unlimited_validate(const limiter_config *cfg, rl_error *err) {
    (void)cfg;
    (void)err;
    return 0;
}

static void unlimited_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                             int64_t cost, limiter_decision *out) {
    (void)cfg;
    (void)state;
    (void)now_us;
    assert(cost >= 1);
    out->allowed = true;
    out->wait_us = 0;
}

/* The no-limiter baseline (see the file comment). */
const limiter_algorithm limiter_unlimited = {
    .name = "unlimited",
    .summary = "no limiter: every request allowed at once (baseline)",
    .params = 0,
    .paces = false,
    .validate = unlimited_validate,
    .decide = unlimited_decide,
};
