/* event_queue.h - the simulation's pending events, ordered by time and then by insertion.
 *
 * A radix heap over integer times that never go back: an event may not be pushed before the
 * time of the last event popped (the engine's now, the queue's base). Times are read as 11
 * digits of 6 bits. An event goes to the level of the highest digit in which its time differs
 * from the base, and there to the slot of its own digit at that level; level 0 slots thus each
 * hold one time. When level 0 is empty, pop moves the lowest slot of the lowest non-empty level
 * down, each event to a lower level, after taking that slot's earliest time as the new base. An
 * event moves at most once per level (in practice 1 to 3 times for delays from microseconds to
 * minutes): push is O(1) and pop O(log of the largest delay), whatever the number pending.
 *
 * Ties run first-in, first-out without a sequence number: events of equal time always share a
 * slot, are appended in push order and moved in order.
 *
 * A slot holds its oldest event in place and the others in a chain of fixed blocks (reading a
 * slot's events is then a sequential scan, which matters when a million events are pending);
 * emptied blocks return to one pool, so the queue holds about as many blocks as events pending
 * at its busiest, and once the pool has grown to that, pushing and popping allocate nothing. An event takes 32 bytes: its (fn,
 * context) pair is kept once in a small table of handlers and the event holds its index. */
#ifndef RATELAB_EVENT_QUEUE_H
#define RATELAB_EVENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an event does when its time comes: fn(context, arg0, arg1). */
typedef void (*sim_event_fn)(void *context, uint64_t arg0, int64_t arg1);

/* Optional, per handler: asks the processor to start loading what fn(context, arg0, arg1) will
 * read, while the event before it runs. Must not change anything (a hint, nothing more). */
typedef void (*sim_event_prefetch_fn)(void *context, uint64_t arg0, int64_t arg1);

/* An event as pop hands it out. */
typedef struct sim_event {
    int64_t at_us;
    sim_event_fn fn;
    void *context;
    uint64_t arg0;
    int64_t arg1;
} sim_event;

/* Entries of the cache that finds a (fn, context) pair's handler without a search. */
#define EVENT_QUEUE_HANDLER_CACHE 16
/* Most distinct (fn, context) pairs one queue can hold events for. */
#define EVENT_QUEUE_HANDLERS_MAX 32
/* A time is read as EVENT_QUEUE_LEVELS digits of EVENT_QUEUE_DIGIT_BITS bits. */
#define EVENT_QUEUE_DIGIT_BITS 6
#define EVENT_QUEUE_SLOTS 64 /* per level: 2^EVENT_QUEUE_DIGIT_BITS */
#define EVENT_QUEUE_LEVELS 11
/* Events per pool block (a block is 2 KiB). */
#define EVENT_QUEUE_BLOCK_EVENTS 64

/* An event as the queue stores it: 32 bytes. */
typedef struct event_queue_item {
    int64_t at_us;
    uint64_t arg0;
    int64_t arg1;
    uint32_t handler; /* index into the queue's handlers */
    uint32_t unused;
} event_queue_item;

typedef struct event_queue_block {
    event_queue_item items[EVENT_QUEUE_BLOCK_EVENTS];
} event_queue_block;

/* One slot: its oldest event held in place (most slots hold one event at a time), then a chain
 * of blocks read from (first, first_index) to (last, last_count). 64 bytes. */
typedef struct event_queue_bucket {
    event_queue_item head; /* the oldest event, when has_head */
    int64_t min_us;        /* earliest time held; meaningless when count is 0 */
    uint32_t count;        /* events held, head included */
    uint32_t first, last;  /* block indices; meaningless when no event is in blocks */
    uint16_t first_index;  /* next item to pop in the first block (level 0 pops from the front) */
    uint16_t last_count;   /* items written in the last block */
    uint8_t has_head;
} event_queue_bucket;

typedef struct event_queue_handler {
    sim_event_fn fn;
    void *context;
    sim_event_prefetch_fn prefetch; /* NULL: none */
} event_queue_handler;

/* Owned by the caller; init, then destroy. */
typedef struct event_queue {
    size_t count;          /* events pending */
    size_t count_max;      /* events the pool has room for (see event_queue.c) */
    int64_t last_us;       /* time of the last event popped (0 before any): the radix base */
    uint32_t levels_nonempty;                /* bit l set when level l holds events */
    uint64_t slots_nonempty[EVENT_QUEUE_LEVELS]; /* bit s set when slot s of the level does */
    event_queue_bucket buckets[EVENT_QUEUE_LEVELS][EVENT_QUEUE_SLOTS];
    event_queue_block *blocks; /* the pool */
    uint32_t *block_next;      /* next block in a chain or in the free list */
    uint32_t block_capacity;   /* blocks allocated */
    uint32_t block_free;       /* head of the free list */
    uint32_t handler_count;
    uint32_t handler_cache[EVENT_QUEUE_HANDLER_CACHE]; /* a guess of fn's handler, by fn's bits */
    event_queue_handler handlers[EVENT_QUEUE_HANDLERS_MAX];
} event_queue;

/* Initialises q empty with room for capacity_hint events. Returns 0 or RL_ERR_NOMEM. */
int event_queue_init(event_queue *q, size_t capacity_hint);

/* Frees q's storage. */
void event_queue_destroy(event_queue *q);

/* Adds fn(context, arg0, arg1) at at_us, which must not be before the last event popped. Grows
 * the pool when full (amortised). Returns 0, RL_ERR_NOMEM, or RL_ERR_LIMIT when more than
 * EVENT_QUEUE_HANDLERS_MAX distinct (fn, context) pairs are used. */
int event_queue_push(event_queue *q, int64_t at_us, sim_event_fn fn, void *context, uint64_t arg0,
                     int64_t arg1);

/* Removes the earliest event (first pushed among equal times) into out; false when q is empty. */
bool event_queue_pop(event_queue *q, sim_event *out);

/* Removes the earliest event into out if there is one before end_us; false otherwise (q is then
 * unchanged). */
bool event_queue_pop_before(event_queue *q, int64_t end_us, sim_event *out);

/* Sets the prefetch hint of the handler (fn, context), adding the handler if new. Returns 0 or
 * RL_ERR_LIMIT (too many handlers). */
int event_queue_set_prefetch(event_queue *q, sim_event_fn fn, void *context,
                             sim_event_prefetch_fn prefetch);

/* Calls the prefetch hint of the earliest event, if it has one and the earliest event is known
 * without moving events (it usually is). Changes nothing in q. */
void event_queue_prefetch_next(const event_queue *q);

/* The time of the earliest event; q must not be empty. */
int64_t event_queue_peek_time(const event_queue *q);

/* Bytes the queue holds from the heap (its block pool). */
size_t event_queue_heap_bytes(const event_queue *q);

#endif
