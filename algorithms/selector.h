/* selector.h - what the selector (selector.c) lets its caller read: its current mode, to log
 * when and why it switched. */
#ifndef RATELAB_SELECTOR_H
#define RATELAB_SELECTOR_H

#include "algorithms/limiter.h"

typedef enum selector_mode {
    SELECTOR_BURSTING = 0, /* GCRA with tolerance burst: a token bucket of capacity burst */
    SELECTOR_PACING = 1    /* GCRA with tolerance 0: one request every period / limit */
} selector_mode;

/* The mode of a selector's state (a fresh state bursts). */
selector_mode limiter_selector_mode(const limiter_state *state);

#endif
