/* selector.c - dynamic algorithm selection: a GCRA that bursts (tolerance burst, as a token
 * bucket of capacity burst) or paces (tolerance 0: one request every T) and switches between
 * the two from what the API's refusals say, with hysteresis.
 *
 * Evidence, from observe:
 *   a 429 with a Retry-After of at most one period of the limiter's rate (period_us), or a
 *   dropped connection: the API limits bursts (a short window) -> +1 towards pacing;
 *   a 429 with a longer Retry-After: the API counts a long quota, which bursts within the rate
 *   do not break -> -1 towards bursting. A 429 without Retry-After counts as a short one.
 *   A success says nothing.
 * The score stays within [-3, 3]. At +3 the limiter paces, at -3 it bursts; in between it keeps
 * its mode, so switching back takes 6 pieces of evidence net (hysteresis). A fresh limiter
 * bursts (mode 0): a burst-intolerant API soon says so.
 *
 * decide is gcra_pace's (gcra_pace.c: allowed with a wait, refused beyond max_wait_us) with
 * burst = the setting's burst when bursting, 1 when pacing; it reads and writes slots 0-2 only.
 * limiter_selector_mode tells the caller the mode, so a switch can be logged where observe is
 * called (compare the mode before and after).
 *
 * State slots:
 *   slot[0..2] gcra_pace's: TAT (us, fraction), latest admitted time
 *   slot[3] 2 x score + mode (mode 0 bursting, 1 pacing; score -3..3)
 * Settings: as gcra_pace (limit per period_us, burst, max_wait_us). */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/selector.h"

enum { SELECTOR_SLOT_MODE = 3 };

#define SELECTOR_SCORE_MAX 3

static int selector_validate(const limiter_config *cfg, rl_error *err) {
    return limiter_gcra_pace.validate(cfg, err);
}

selector_mode limiter_selector_mode(const limiter_state *state) {
    return (selector_mode)(state->slot[SELECTOR_SLOT_MODE] & 1);
}

/* The score, -3..3. */
static int64_t selector_score(const limiter_state *state) {
    int64_t packed = state->slot[SELECTOR_SLOT_MODE];
    return (packed - (packed & 1)) / 2;
}

static void selector_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                            int64_t cost, limiter_decision *out) {
    limiter_config as_used = *cfg;
    as_used.burst = limiter_selector_mode(state) == SELECTOR_PACING ? 1 : cfg->burst;
    int64_t packed = state->slot[SELECTOR_SLOT_MODE];
    limiter_gcra_pace.decide(&as_used, state, now_us, cost, out);
    assert(state->slot[SELECTOR_SLOT_MODE] == packed);
}

static void selector_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                             const limiter_outcome *outcome) {
    (void)now_us;
    if (outcome->kind == LIMITER_OUTCOME_ACCEPTED) {
        return;
    }
    bool long_quota = outcome->kind == LIMITER_OUTCOME_REFUSED &&
                      outcome->retry_after_us > cfg->period_us;
    int64_t score = selector_score(state) + (long_quota ? -1 : 1);
    score = score > SELECTOR_SCORE_MAX ? SELECTOR_SCORE_MAX
            : score < -SELECTOR_SCORE_MAX ? -SELECTOR_SCORE_MAX
                                          : score;
    selector_mode mode = limiter_selector_mode(state);
    if (score == SELECTOR_SCORE_MAX) {
        mode = SELECTOR_PACING;
    } else if (score == -SELECTOR_SCORE_MAX) {
        mode = SELECTOR_BURSTING;
    }
    state->slot[SELECTOR_SLOT_MODE] = 2 * score + (int64_t)mode;
}

/* The selector (see the file comment). */
const limiter_algorithm limiter_selector = {
    .name = "selector",
    .summary = "bursts (token bucket) or paces (GCRA) as the API's 429s say, with hysteresis",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST | LIMITER_PARAM_MAX_WAIT,
    .paces = true,
    .validate = selector_validate,
    .decide = selector_decide,
    .observe = selector_observe,
};
