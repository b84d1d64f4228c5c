/* leaky_bucket_queue.c - leaky bucket as a queue: a bounded FIFO drained one request every T.
 *
 * Requests depart one every T = period_us / limit (an exact rational), in arrival order. The
 * state is the next free departure instant `next`. For a request of cost c (c departures) at
 * time t:
 *   departure = max(t, next); next' = departure + c x T;
 *   the request waits (departure - t), and occupies the departures departure, departure + T,
 *   ..., departure + (c - 1) x T.
 * A request departing at t does not wait; the queue holds the departures strictly after t.
 * After this request the queue would hold ceil((next' - t) / T) - 1 of them, so it joins iff
 *   next' - t <= (queue_max + 1) x T   (at most queue_max waiting afterwards),
 * and gets wait_us = ceil(departure - t) (0 when the queue was idle: the first request from
 * idle departs at once). Otherwise it is refused, state unchanged, with wait_us =
 * ceil(next' - (queue_max + 1) x T - t) >= 1: the time until enough departures have left
 * (for cost 1: until one slot frees). Cost c > queue_max + 1 can never join: wait_us =
 * ceil(next - t), the time until the queue is empty (at least 1 us).
 * This is pacing with tau = 0 and a backlog bound; burst and max_wait_us are not read.
 *
 * Exactness: with L/P the rate reduced by gcd(limit, period_us), next is the instant
 * us + frac / L with 0 <= frac < L (rate_math.h).
 *
 * State slots (all stay below 2^53; validate requires (queue_max + 1) x P < 2^52, so
 * next <= now + (queue_max + 1) x T < 2^40 + 2^52):
 *   slot[0] next free departure, whole microseconds (0 when fresh: the queue is idle)
 *   slot[1] next free departure, fraction in units of 1/L us (0..L-1)
 *   slot[2] time of the latest admitted request, us (0 when fresh)
 *   slot[3] unused (0)
 * now_us earlier than slot[2] counts as slot[2] (no time passed); waits count from that
 * effective time. */
#include <assert.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "algorithms/rate_math.h"

enum { LEAKY_BUCKET_QUEUE_SLOT_NEXT = 0, LEAKY_BUCKET_QUEUE_SLOT_LATEST_US = 2 };

static int leaky_bucket_queue_validate(const limiter_config *cfg, rl_error *err) {
    int rc = rate_math_validate_rate(cfg, err);
    if (rc == 0) {
        rc = rate_math_validate_positive(cfg->queue_max, "queue_max", err);
    }
    if (rc == 0 && cfg->queue_max >= LIMITER_EXACT_MAX) {
        rc = rl_error_set(err, RL_ERR_INVALID, "queue_max must be below 2^53 (got %lld)",
                          (long long)cfg->queue_max);
    }
    if (rc == 0) {
        rc = rate_math_validate_span(cfg->queue_max + 1, "(queue_max + 1)", cfg, 52, err);
    }
    return rc;
}

static void leaky_bucket_queue_decide(const limiter_config *cfg, limiter_state *state,
                                      int64_t now_us, int64_t cost, limiter_decision *out) {
    assert(cost >= 1);
    rate_math_rate r = rate_math_rate_of(cfg);
    int64_t at_us = rate_math_effective_now(now_us, state->slot[LEAKY_BUCKET_QUEUE_SLOT_LATEST_US]);
    rate_math_instant next = rate_math_instant_load(state, LEAKY_BUCKET_QUEUE_SLOT_NEXT, r);
    int64_t span_units = cfg->queue_max + 1; /* the one departing now, plus queue_max waiting */
    if (cost > span_units) {
        /* Can never join: report when the queue is empty. */
        out->allowed = false;
        out->wait_us = rate_math_max_i64(1, rate_math_instant_ceil_after(next, at_us));
        return;
    }
    rate_math_instant departure = rate_math_instant_max(rate_math_instant_at(at_us), next);
    rate_math_instant new_next = rate_math_instant_add(departure, cost, r);
    if (!rate_math_instant_within(new_next, at_us, span_units, r)) {
        rate_math_instant fits_at = rate_math_instant_add(new_next, -span_units, r);
        out->allowed = false;
        out->wait_us = rate_math_instant_ceil_after(fits_at, at_us);
        assert(out->wait_us >= 1);
        return;
    }
    rate_math_instant_store(state, LEAKY_BUCKET_QUEUE_SLOT_NEXT, new_next);
    state->slot[LEAKY_BUCKET_QUEUE_SLOT_LATEST_US] = at_us;
    out->allowed = true;
    out->wait_us = rate_math_instant_ceil_after(departure, at_us);
}

/* Leaky bucket as a queue (see the file comment). */
const limiter_algorithm limiter_leaky_bucket_queue = {
    .name = "leaky_bucket_queue",
    .summary = "leaky bucket as a queue: one departure every period/limit, at most queue_max "
               "waiting",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_QUEUE,
    .paces = true,
    .validate = leaky_bucket_queue_validate,
    .decide = leaky_bucket_queue_decide,
};
