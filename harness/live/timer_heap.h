/* timer_heap.h - a binary min-heap of timed events, ordered by (due_us, start sequence).
 *
 * The live world keeps every pending timer (thousands of pods' wake-ups, waits, API replies)
 * here and arms a single uv_timer for the earliest, instead of one libuv handle per timer.
 * Equal due times fire in the order they were started, as in the simulation's event queue. */
#ifndef RATELAB_TIMER_HEAP_H
#define RATELAB_TIMER_HEAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct timer_heap_entry {
    int64_t due_us;
    uint64_t seq;
    uint64_t target;
    int64_t arg;
    int kind;
} timer_heap_entry;

typedef struct timer_heap {
    timer_heap_entry *entries;
    size_t count;
    size_t capacity;
    uint64_t next_seq;
} timer_heap;

/* Empties h (no allocation until the first push). */
void timer_heap_init(timer_heap *h);

/* Frees what h allocated. */
void timer_heap_destroy(timer_heap *h);

/* Adds an entry due at due_us. Returns 0 or RL_ERR_NOMEM. */
int timer_heap_push(timer_heap *h, int64_t due_us, int kind, uint64_t target, int64_t arg);

/* The earliest entry, or NULL when empty. Borrowed until the next push or pop. */
const timer_heap_entry *timer_heap_peek(const timer_heap *h);

/* Removes the earliest entry into out. h must not be empty. */
void timer_heap_pop(timer_heap *h, timer_heap_entry *out);

#endif
