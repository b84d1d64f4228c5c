/* api_sliding_count.h - a count of events in a sliding window, over a growable ring of timestamps.
 *
 * The window ending at now is half-open: (now - window_us, now]. An event at exactly
 * now - window_us is outside it. Timestamps must be added in non-decreasing order. Adding is
 * amortised O(1): the ring doubles when full and never shrinks, so once it has grown to the
 * largest count it holds, it allocates no more. Expiring is O(1) per expired timestamp.
 *
 * The struct (api_sliding_count) is declared in api_model.h; a zeroed one is empty and valid. */
#ifndef RATELAB_API_SLIDING_COUNT_H
#define RATELAB_API_SLIDING_COUNT_H

#include <stdint.h>

#include "mock_api/api_model.h"

/* Capacity of the ring when api_sliding_count_add first allocates it (init with 0). */
#define API_SLIDING_COUNT_CAPACITY_MIN 16

/* Initialises count empty, with room for capacity timestamps (0 = allocate on the first add).
 * Returns 0 or RL_ERR_NOMEM. The ring is owned by count; free it with api_sliding_count_destroy. */
int api_sliding_count_init(api_sliding_count *count, int64_t capacity);

/* Frees the ring of count and leaves it empty with no capacity (valid to add to again). */
void api_sliding_count_destroy(api_sliding_count *count);

/* Appends time_us (>= the newest held). Grows the ring by doubling when full.
 * Returns 0 or RL_ERR_NOMEM (count is then unchanged). */
int api_sliding_count_add(api_sliding_count *count, int64_t time_us);

/* Removes every timestamp <= now_us - window_us, so those left are in (now_us - window_us,
 * now_us] (given none is after now_us). */
void api_sliding_count_expire(api_sliding_count *count, int64_t now_us, int64_t window_us);

/* How many timestamps count holds. */
int64_t api_sliding_count_count(const api_sliding_count *count);

/* The index-th oldest timestamp held (0 = the oldest); index must be below the count. */
int64_t api_sliding_count_at(const api_sliding_count *count, int64_t index);

#endif
