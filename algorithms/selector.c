/* selector.c - dynamic algorithm selection: a GCRA that bursts (tolerance burst, as a token
 * bucket of capacity burst) or paces (tolerance 0: one request every T) and switches between
 * the two from what the API's refusals say, with hysteresis.
 *
 * Evidence, from observe:
 *   a 429 with a Retry-After of at most 1 s, or a dropped connection: the API limits bursts
 *   (short windows are a second or less: Power BI's is 1 s) -> +1 towards pacing;
 *   a 429 with a longer Retry-After: the API counts a long quota, which bursts within the rate
 *   do not break -> -1 towards bursting. A 429 without Retry-After counts as a short one.
 *   (The 1 s boundary is an assumption about APIs, not a setting: an API with a burst window
 *   longer than a second would read as a quota, and a quota's last second reads as a burst
 *   window; the hysteresis absorbs the few such answers a client honouring Retry-After gets.)
 *   A success says nothing.
 * The score stays within [-30, 30]. Reaching +3 the limiter paces, reaching -3 it bursts; in
 * between it keeps its mode (hysteresis: switching back takes at least 6 pieces of evidence
 * net, and up to 33 after a long run of the same evidence). The wide range is what keeps an
 * overloaded quota steady: most of its 429s carry long Retry-Afters, but the few in the last
 * second of each quota window carry short ones; with a range of +-3 those few flip the mode
 * once a window. A fresh limiter bursts (mode 0): a burst-intolerant API soon says so.
 *
 * decide is gcra_pace's (gcra_pace.c: allowed with a wait, refused beyond max_wait_us) with
 * burst = the setting's burst when bursting, 1 when pacing; it reads and writes slots 0-2 only.
 * limiter_selector_mode tells the caller the mode, so a switch can be logged where observe is
 * called (compare the mode before and after).
 *
 * State slots:
 *   slot[0..2] gcra_pace's: TAT (us, fraction), latest admitted time
 *   slot[3] 2 x score + mode (mode 0 bursting, 1 pacing; score -30..30)
 * Settings: as gcra_pace (limit per period_us, burst, max_wait_us). */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/selector.h"

enum { SELECTOR_SLOT_MODE = 3 };

#define SELECTOR_SCORE_MAX 30 /* the score's range */
#define SELECTOR_SWITCH_AT 3   /* the score at which the mode changes */
#define SELECTOR_SHORT_RETRY_AFTER_US INT64_C(1000000)

static int selector_validate(const limiter_config *cfg, rl_error *err) {
    return limiter_gcra_pace.validate(cfg, err);
}

selector_mode limiter_selector_mode(const limiter_state *state) {
    return (selector_mode)(state->slot[SELECTOR_SLOT_MODE] & 1);
}

/* The score, -30..30. */
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
    (void)cfg;
    (void)now_us;
    if (outcome->kind == LIMITER_OUTCOME_ACCEPTED) {
        return;
    }
    bool long_quota = outcome->kind == LIMITER_OUTCOME_REFUSED &&
                      outcome->retry_after_us > SELECTOR_SHORT_RETRY_AFTER_US;
    int64_t score = selector_score(state) + (long_quota ? -1 : 1);
    score = score > SELECTOR_SCORE_MAX ? SELECTOR_SCORE_MAX
            : score < -SELECTOR_SCORE_MAX ? -SELECTOR_SCORE_MAX
                                          : score;
    selector_mode mode = limiter_selector_mode(state);
    if (score >= SELECTOR_SWITCH_AT) {
        mode = SELECTOR_PACING;
    } else if (score <= -SELECTOR_SWITCH_AT) {
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
