/* event_queue.h - the simulation's pending events, ordered by time and then by insertion. */
#ifndef RATELAB_EVENT_QUEUE_H
#define RATELAB_EVENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an event does when its time comes: fn(context, arg0, arg1). */
typedef void (*sim_event_fn)(void *context, uint64_t arg0, int64_t arg1);

typedef struct sim_event {
    int64_t at_us;
    uint64_t seq; /* insertion order: breaks ties so equal times run first-in, first-out */
    sim_event_fn fn;
    void *context;
    uint64_t arg0;
    int64_t arg1;
} sim_event;

/* A binary min-heap on (at_us, seq). Owned by the caller; init, then destroy. */
typedef struct event_queue {
    sim_event *heap;
    size_t count;
    size_t capacity;
    uint64_t next_seq;
} event_queue;

/* Initialises q empty with room for capacity_hint events. Returns 0 or RL_ERR_NOMEM. */
int event_queue_init(event_queue *q, size_t capacity_hint);

/* Frees q's storage. */
void event_queue_destroy(event_queue *q);

/* Adds an event; grows the heap when full (amortised). Returns 0 or RL_ERR_NOMEM. */
int event_queue_push(event_queue *q, int64_t at_us, sim_event_fn fn, void *context, uint64_t arg0,
                     int64_t arg1);

/* Removes the earliest event into out; false when q is empty. */
bool event_queue_pop(event_queue *q, sim_event *out);

/* The time of the earliest event; q must not be empty. */
int64_t event_queue_peek_time(const event_queue *q);

#endif
