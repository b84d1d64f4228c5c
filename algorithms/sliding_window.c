/* sliding_window.c - sliding window counter: the two-window weighted estimate (Cloudflare/NGINX).
 *
 * Windows of period_us are aligned to time 0. At time t in window k, elapsed = t - k x period_us,
 * and with prev and cur the cost admitted in windows k-1 and k:
 *   estimate = prev x (period_us - elapsed) / period_us + cur.
 * A request of cost c is allowed iff estimate + c <= limit, decided exactly by multiplying
 * through by period_us: prev x (period_us - elapsed) + (cur + c) x period_us <= limit x
 * period_us (128-bit intermediates). A refused request gets the smallest delay (>= 1) after
 * which it would be allowed if nothing else arrived, computed exactly: later in the current
 * window as prev's weight falls, or in the next window (where cur becomes prev), or at the start
 * of the window after it (both empty). When c > limit it can never pass and gets the time until
 * the next window starts. Admits at most 2 x limit in any period_us-long interval. burst is not
 * read.
 *
 * State slots (all stay below 2^53; validate requires limit and period_us below 2^53):
 *   slot[0] time of the latest admitted request, us (0 when fresh); its window is
 *           w = slot[0] / period_us
 *   slot[1] cost admitted in window w (0..limit)
 *   slot[2] cost admitted in window w - 1 (0..limit)
 *   slot[3] unused (0)
 * A denied request leaves the state unchanged. now_us earlier than slot[0] counts as slot[0]
 * (no time passed); waits count from that effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum {
    SLIDING_WINDOW_SLOT_LATEST_US = 0,
    SLIDING_WINDOW_SLOT_CUR = 1,
    SLIDING_WINDOW_SLOT_PREV = 2
};

static int sliding_window_validate(const limiter_config *cfg, rl_error *err) {
    return rate_math_validate_rate(cfg, err);
}

/* True when cost fits at elapsed_us into a window with counts prev and cur. */
static bool sliding_window_fits(const limiter_config *cfg, int64_t prev, int64_t cur,
                                int64_t elapsed_us, int64_t cost) {
    rate_math_i128 weighted = (rate_math_i128)prev * (cfg->period_us - elapsed_us) +
                              (rate_math_i128)(cur + cost) * cfg->period_us;
    return weighted <= (rate_math_i128)cfg->limit * cfg->period_us;
}

/* The first offset into a window (0..period_us) at which cost fits after prev and cur, or
 * period_us when it does not fit before the window ends. cost <= limit. */
static int64_t sliding_window_first_fit_us(const limiter_config *cfg, int64_t prev, int64_t cur,
                                           int64_t cost) {
    if (cur + cost > cfg->limit) {
        return cfg->period_us;
    }
    if (prev == 0) {
        return 0;
    }
    /* prev x (period_us - e) <= (limit - cur - cost) x period_us, e whole. */
    rate_math_i128 room = (rate_math_i128)(cfg->limit - cur - cost) * cfg->period_us;
    rate_math_i128 remaining_max = room / prev; /* largest allowed period_us - e */
    if (remaining_max >= cfg->period_us) {
        return 0;
    }
    return cfg->period_us - (int64_t)remaining_max;
}

/* The smallest delay after which a refused cost (<= limit) fits with no other traffic. */
static int64_t sliding_window_wait_us(const limiter_config *cfg, int64_t prev, int64_t cur,
                                      int64_t elapsed_us, int64_t cost) {
    int64_t to_next_us = cfg->period_us - elapsed_us;
    int64_t fit_us = sliding_window_first_fit_us(cfg, prev, cur, cost);
    if (fit_us < cfg->period_us) {
        assert(fit_us > elapsed_us); /* it does not fit now */
        return fit_us - elapsed_us;
    }
    fit_us = sliding_window_first_fit_us(cfg, cur, 0, cost);
    if (fit_us < cfg->period_us) {
        return to_next_us + fit_us;
    }
    return to_next_us + cfg->period_us; /* both windows empty by then */
}

static void sliding_window_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                                  int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    int64_t latest_us = state->slot[SLIDING_WINDOW_SLOT_LATEST_US];
    int64_t at_us = rate_math_effective_now(now_us, latest_us);
    int64_t window = at_us / cfg->period_us;
    int64_t latest_window = latest_us / cfg->period_us;
    int64_t cur = state->slot[SLIDING_WINDOW_SLOT_CUR];
    int64_t prev = state->slot[SLIDING_WINDOW_SLOT_PREV];
    if (window == latest_window + 1) {
        prev = cur;
        cur = 0;
    } else if (window != latest_window) {
        prev = 0;
        cur = 0;
    }
    int64_t elapsed_us = at_us - window * cfg->period_us;
    if (cost > cfg->limit) {
        out->allowed = false;
        out->wait_us = cfg->period_us - elapsed_us;
        return;
    }
    if (!sliding_window_fits(cfg, prev, cur, elapsed_us, cost)) {
        out->allowed = false;
        out->wait_us = sliding_window_wait_us(cfg, prev, cur, elapsed_us, cost);
        return;
    }
    state->slot[SLIDING_WINDOW_SLOT_LATEST_US] = at_us;
    state->slot[SLIDING_WINDOW_SLOT_CUR] = cur + cost;
    state->slot[SLIDING_WINDOW_SLOT_PREV] = prev;
    out->allowed = true;
    out->wait_us = 0;
}

/* Sliding window counter (see the file comment). */
const limiter_algorithm limiter_sliding_window = {
    .name = "sliding_window",
    .summary = "sliding window counter: weighted estimate of the last two windows at most limit",
    .params = LIMITER_PARAM_RATE,
    .paces = false,
    .validate = sliding_window_validate,
    .decide = sliding_window_decide,
};
