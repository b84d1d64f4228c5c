/* backoff.c - exponential backoff with full, equal, decorrelated or no jitter. */
#include "harness/model/backoff.h"

static int64_t random_between(rng *r, int64_t low_us, int64_t high_us) {
    if (high_us <= low_us) {
        return low_us;
    }
    return low_us + (int64_t)rng_below(r, (uint64_t)(high_us - low_us) + 1);
}

/* base x 2^retry_index, capped, without overflow. */
static int64_t exponential_us(const retry_config *policy, int64_t retry_index) {
    int64_t delay_us = policy->backoff_base_us;
    for (int64_t i = 0; i < retry_index && delay_us < policy->backoff_cap_us; i++) {
        delay_us *= 2;
    }
    return delay_us < policy->backoff_cap_us ? delay_us : policy->backoff_cap_us;
}

int64_t backoff_delay_us(const retry_config *policy, int64_t retry_index, int64_t previous_sleep_us,
                         rng *r) {
    if (policy->backoff_base_us <= 0) {
        return 0;
    }
    int64_t ceiling_us = exponential_us(policy, retry_index);
    switch (policy->jitter) {
    case JITTER_FULL:
        return random_between(r, 0, ceiling_us);
    case JITTER_EQUAL:
        return ceiling_us / 2 + random_between(r, 0, ceiling_us - ceiling_us / 2);
    case JITTER_DECORRELATED: {
        int64_t previous_us = previous_sleep_us > 0 ? previous_sleep_us : policy->backoff_base_us;
        int64_t high_us = previous_us > policy->backoff_cap_us / 3 ? policy->backoff_cap_us
                                                                   : previous_us * 3;
        return random_between(r, policy->backoff_base_us, high_us);
    }
    case JITTER_NONE:
        return ceiling_us;
    }
    return ceiling_us;
}
