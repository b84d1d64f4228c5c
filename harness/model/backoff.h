/* backoff.h - how long a pod sleeps before retry k of a job: exponential backoff with jitter. */
#ifndef RATELAB_BACKOFF_H
#define RATELAB_BACKOFF_H

#include <stdint.h>

#include "harness/core/rng.h"
#include "harness/scenario/scenario.h"

/* The sleep before retry number retry_index (0 for the first retry), in us, for policy.
 * previous_sleep_us is the sleep before the previous retry (decorrelated jitter uses it; pass 0
 * for the first). Draws from r. Never negative, never above backoff_cap_us (except that a zero
 * base always gives 0: retry at once). */
int64_t backoff_delay_us(const retry_config *policy, int64_t retry_index, int64_t previous_sleep_us,
                         rng *r);

#endif
