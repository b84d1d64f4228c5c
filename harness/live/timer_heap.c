/* timer_heap.c - binary min-heap of timed events by (due_us, seq). */
#include "harness/live/timer_heap.h"

#include <assert.h>
#include <stdbool.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

#define TIMER_HEAP_INITIAL 1024

static bool before(const timer_heap_entry *a, const timer_heap_entry *b) {
    return a->due_us != b->due_us ? a->due_us < b->due_us : a->seq < b->seq;
}

void timer_heap_init(timer_heap *h) {
    h->entries = NULL;
    h->count = 0;
    h->capacity = 0;
    h->next_seq = 0;
}

void timer_heap_destroy(timer_heap *h) {
    rl_free(h->entries);
    timer_heap_init(h);
}

int timer_heap_push(timer_heap *h, int64_t due_us, int kind, uint64_t target, int64_t arg) {
    if (h->count == h->capacity) {
        size_t grown = h->capacity == 0 ? TIMER_HEAP_INITIAL : h->capacity * 2;
        timer_heap_entry *entries = rl_reallocarray(h->entries, grown, sizeof *entries);
        if (entries == NULL) {
            return RL_ERR_NOMEM;
        }
        h->entries = entries;
        h->capacity = grown;
    }
    timer_heap_entry e = {.due_us = due_us, .seq = h->next_seq++, .target = target, .arg = arg,
                          .kind = kind};
    size_t i = h->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&e, &h->entries[parent])) {
            break;
        }
        h->entries[i] = h->entries[parent];
        i = parent;
    }
    h->entries[i] = e;
    return RL_OK;
}

const timer_heap_entry *timer_heap_peek(const timer_heap *h) {
    return h->count > 0 ? &h->entries[0] : NULL;
}

void timer_heap_pop(timer_heap *h, timer_heap_entry *out) {
    assert(h->count > 0);
    *out = h->entries[0];
    timer_heap_entry last = h->entries[--h->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count) {
            break;
        }
        if (child + 1 < h->count && before(&h->entries[child + 1], &h->entries[child])) {
            child++;
        }
        if (!before(&h->entries[child], &last)) {
            break;
        }
        h->entries[i] = h->entries[child];
        i = child;
    }
    if (h->count > 0) {
        h->entries[i] = last;
    }
}
