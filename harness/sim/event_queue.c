/* event_queue.c - a binary min-heap of events on (time, sequence). */
#include "harness/sim/event_queue.h"

#include <assert.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

static bool event_before(const sim_event *a, const sim_event *b) {
    if (a->at_us != b->at_us) {
        return a->at_us < b->at_us;
    }
    return a->seq < b->seq;
}

int event_queue_init(event_queue *q, size_t capacity_hint) {
    q->count = 0;
    q->next_seq = 0;
    q->capacity = capacity_hint < 16 ? 16 : capacity_hint;
    q->heap = rl_calloc(q->capacity, sizeof *q->heap);
    return q->heap == NULL ? RL_ERR_NOMEM : RL_OK;
}

void event_queue_destroy(event_queue *q) {
    rl_free(q->heap);
    q->heap = NULL;
    q->count = 0;
    q->capacity = 0;
}

int event_queue_push(event_queue *q, int64_t at_us, sim_event_fn fn, void *context, uint64_t arg0,
                     int64_t arg1) {
    if (q->count == q->capacity) {
        size_t grown = q->capacity * 2;
        sim_event *heap = rl_reallocarray(q->heap, grown, sizeof *heap);
        if (heap == NULL) {
            return RL_ERR_NOMEM;
        }
        q->heap = heap;
        q->capacity = grown;
    }
    sim_event event = {at_us, q->next_seq++, fn, context, arg0, arg1};
    size_t hole = q->count++;
    while (hole > 0) {
        size_t parent = (hole - 1) / 2;
        if (!event_before(&event, &q->heap[parent])) {
            break;
        }
        q->heap[hole] = q->heap[parent];
        hole = parent;
    }
    q->heap[hole] = event;
    return RL_OK;
}

bool event_queue_pop(event_queue *q, sim_event *out) {
    if (q->count == 0) {
        return false;
    }
    *out = q->heap[0];
    sim_event last = q->heap[--q->count];
    size_t hole = 0;
    for (;;) {
        size_t child = 2 * hole + 1;
        if (child >= q->count) {
            break;
        }
        if (child + 1 < q->count && event_before(&q->heap[child + 1], &q->heap[child])) {
            child++;
        }
        if (!event_before(&q->heap[child], &last)) {
            break;
        }
        q->heap[hole] = q->heap[child];
        hole = child;
    }
    q->heap[hole] = last;
    return true;
}

int64_t event_queue_peek_time(const event_queue *q) {
    assert(q->count > 0);
    return q->heap[0].at_us;
}
