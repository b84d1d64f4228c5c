/* api_sliding_count.c - a count of events in a sliding window, over a growable ring of timestamps. */
#include "mock_api/api_sliding_count.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

/* The ring slot of the index-th oldest timestamp. */
static int64_t ring_slot(const api_sliding_count *count, int64_t index) {
    int64_t slot = count->head + index;
    if (slot >= count->capacity) {
        slot -= count->capacity;
    }
    return slot;
}

/* Resizes the ring to capacity (>= count->count), keeping the timestamps in order from slot 0. */
static int ring_resize(api_sliding_count *count, int64_t capacity) {
    assert(capacity >= count->count);
    assert(capacity > 0);
    int64_t *times_us = rl_reallocarray(count->times_us, (size_t)capacity, sizeof *times_us);
    if (times_us == NULL) {
        return RL_ERR_NOMEM;
    }
    /* The held timestamps are [head, old_capacity) then [0, wrapped). Move the wrapped part
     * right after the first, which fits because capacity >= old_capacity + wrapped. */
    int64_t old_capacity = count->capacity;
    int64_t wrapped = count->head + count->count - old_capacity;
    if (wrapped > 0) {
        assert(capacity >= old_capacity + wrapped);
        memcpy(times_us + old_capacity, times_us, (size_t)wrapped * sizeof *times_us);
    }
    count->times_us = times_us;
    count->capacity = capacity;
    return RL_OK;
}

int api_sliding_count_init(api_sliding_count *count, int64_t capacity) {
    assert(count != NULL);
    assert(capacity >= 0);
    memset(count, 0, sizeof *count);
    if (capacity == 0) {
        return RL_OK;
    }
    return ring_resize(count, capacity);
}

void api_sliding_count_destroy(api_sliding_count *count) {
    assert(count != NULL);
    rl_free(count->times_us);
    memset(count, 0, sizeof *count);
}

int api_sliding_count_add(api_sliding_count *count, int64_t time_us) {
    assert(count != NULL);
    assert(count->count >= 0);
    assert(count->count <= count->capacity);
    if (count->count > 0) {
        assert(time_us >= api_sliding_count_at(count, count->count - 1));
    }
    if (count->count == count->capacity) {
        if (count->capacity > INT64_MAX / 4) {
            return RL_ERR_NOMEM;
        }
        int64_t capacity = count->capacity == 0 ? API_SLIDING_COUNT_CAPACITY_MIN
                                                : 2 * count->capacity;
        int rc = ring_resize(count, capacity);
        if (rc != RL_OK) {
            return rc;
        }
    }
    count->times_us[ring_slot(count, count->count)] = time_us;
    count->count++;
    return RL_OK;
}

void api_sliding_count_expire(api_sliding_count *count, int64_t now_us, int64_t window_us) {
    assert(count != NULL);
    assert(window_us > 0);
    int64_t cutoff_us = now_us - window_us; /* this instant and older are outside */
    while (count->count > 0 && count->times_us[count->head] <= cutoff_us) {
        count->head++;
        if (count->head == count->capacity) {
            count->head = 0;
        }
        count->count--;
    }
    if (count->count == 0) {
        count->head = 0;
    }
}

int64_t api_sliding_count_count(const api_sliding_count *count) {
    assert(count != NULL);
    return count->count;
}

int64_t api_sliding_count_at(const api_sliding_count *count, int64_t index) {
    assert(count != NULL);
    assert(index >= 0);
    assert(index < count->count);
    return count->times_us[ring_slot(count, index)];
}
