/* event_queue.c - a radix heap of events on integer time, first-in first-out among equal times.
 *
 * Invariant: every event at time t sits in slot_of(t, last_us), where last_us is the time of
 * the last event popped. It holds because last_us changes only to a time of the lowest
 * non-empty slot of the lowest non-empty level (the minimum of all events): an event in a
 * higher slot or level differs from the new base in the same highest digit as from the old one,
 * and the slot the new base comes from is moved down entirely.
 *
 * Memory bound: a slot holding n events spans at most n / 64 + 2 blocks, and moving a slot down
 * needs at most one block per target slot beyond those it frees. push keeps the pool at
 * count / 64 + 3 x (levels x slots) blocks or more, so pop never allocates. */
#include "harness/sim/event_queue.h"

#include <assert.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

#define BLOCK_NIL UINT32_MAX
#define BLOCKS_MAX (UINT32_MAX / 2)

#define BUCKETS_TOTAL (EVENT_QUEUE_LEVELS * EVENT_QUEUE_SLOTS)

/* The level of each bit of a time: bit / EVENT_QUEUE_DIGIT_BITS. */
static const uint8_t LEVEL_OF_BIT[64] = {
    0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3,
    3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 7, 7,
    7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10};

/* Where an event at at_us goes when the base is last_us (at_us >= last_us): the level of the
 * highest bit in which they differ (level 0 when none), and the event's digit at that level. */
static void slot_of(int64_t at_us, int64_t last_us, unsigned *level, unsigned *slot) {
    uint64_t differ = ((uint64_t)at_us ^ (uint64_t)last_us) | 1u;
    unsigned l = LEVEL_OF_BIT[63 - __builtin_clzll(differ)];
    *level = l;
    *slot = (unsigned)((uint64_t)at_us >> (l * EVENT_QUEUE_DIGIT_BITS)) & (EVENT_QUEUE_SLOTS - 1);
}

/* Blocks the pool must have for count events (see the file comment). */
static size_t blocks_needed(size_t count) {
    return (count + EVENT_QUEUE_BLOCK_EVENTS - 1) / EVENT_QUEUE_BLOCK_EVENTS + 3 * BUCKETS_TOTAL;
}

/* Grows the pool to at least want blocks; the new blocks join the free list. */
static int pool_grow(event_queue *q, size_t want) {
    size_t grown = (size_t)q->block_capacity * 2;
    if (grown < want) {
        grown = want;
    }
    if (grown > BLOCKS_MAX) {
        return RL_ERR_NOMEM;
    }
    event_queue_block *blocks = rl_reallocarray(q->blocks, grown, sizeof *blocks);
    if (blocks == NULL) {
        return RL_ERR_NOMEM;
    }
    q->blocks = blocks;
    uint32_t *next = rl_reallocarray(q->block_next, grown, sizeof *next);
    if (next == NULL) {
        return RL_ERR_NOMEM; /* the larger blocks array is kept; capacity stays as it was */
    }
    q->block_next = next;
    /* Thread the new blocks onto the free list, lowest index first. */
    for (size_t b = grown; b-- > q->block_capacity;) {
        next[b] = q->block_free;
        q->block_free = (uint32_t)b;
    }
    q->block_capacity = (uint32_t)grown;
    q->count_max = (grown - 3 * BUCKETS_TOTAL) * EVENT_QUEUE_BLOCK_EVENTS;
    if (q->count_max > UINT32_MAX) { /* a slot counts its events in 32 bits */
        q->count_max = UINT32_MAX;
    }
    return RL_OK;
}

static uint32_t block_take(event_queue *q) {
    uint32_t b = q->block_free;
    assert(b != BLOCK_NIL); /* push keeps the pool large enough */
    q->block_free = q->block_next[b];
    q->block_next[b] = BLOCK_NIL;
    return b;
}

static void block_give(event_queue *q, uint32_t b) {
    q->block_next[b] = q->block_free;
    q->block_free = b;
}

/* Where the next item of slot (level, slot) goes (the pool has a block free); the caller
 * fills it in. The first event of an empty slot goes in the slot itself. */
static event_queue_item *bucket_append(event_queue *q, unsigned level, unsigned slot,
                                       int64_t at_us) {
    event_queue_bucket *bucket = &q->buckets[level][slot];
    if (bucket->count == 0) {
        bucket->count = 1;
        bucket->has_head = 1;
        bucket->min_us = at_us;
        q->slots_nonempty[level] |= UINT64_C(1) << slot;
        q->levels_nonempty |= 1u << level;
        return &bucket->head;
    }
    if (bucket->count == bucket->has_head) { /* no event in blocks yet */
        bucket->first = bucket->last = block_take(q);
        bucket->first_index = 0;
        bucket->last_count = 0;
    } else if (bucket->last_count == EVENT_QUEUE_BLOCK_EVENTS) {
        uint32_t b = block_take(q);
        q->block_next[bucket->last] = b;
        bucket->last = b;
        bucket->last_count = 0;
    }
    if (at_us < bucket->min_us) {
        bucket->min_us = at_us;
    }
    bucket->count++;
    return &q->blocks[bucket->last].items[bucket->last_count++];
}

/* Marks slot (level, slot) empty (its blocks already given back). */
static void bucket_clear(event_queue *q, unsigned level, unsigned slot) {
    q->buckets[level][slot].count = 0;
    q->buckets[level][slot].has_head = 0;
    q->slots_nonempty[level] &= ~(UINT64_C(1) << slot);
    if (q->slots_nonempty[level] == 0) {
        q->levels_nonempty &= ~(1u << level);
    }
}

/* Moves item to the slot it belongs in under the current base, below level. */
static void item_move(event_queue *q, const event_queue_item *item, unsigned level) {
    unsigned to_level, to_slot;
    slot_of(item->at_us, q->last_us, &to_level, &to_slot);
    assert(to_level < level);
    (void)level;
    *bucket_append(q, to_level, to_slot, item->at_us) = *item;
}

/* Moves slot (level >= 1, slot), the lowest of the lowest non-empty level, down after setting
 * the base to its earliest time. Events keep their order, so ties stay first-in, first-out. */
static void bucket_move_down(event_queue *q, unsigned level, unsigned slot) {
    event_queue_bucket *bucket = &q->buckets[level][slot];
    assert(level >= 1 && bucket->count > 1 && bucket->has_head && bucket->first_index == 0);
    assert(bucket->min_us > q->last_us);
    q->last_us = bucket->min_us;
    event_queue_item head = bucket->head;
    uint32_t b = bucket->first;
    size_t left = bucket->count - 1;
    bucket_clear(q, level, slot);
    item_move(q, &head, level);
    while (left > 0) {
        size_t in_block = left < EVENT_QUEUE_BLOCK_EVENTS ? left : EVENT_QUEUE_BLOCK_EVENTS;
        const event_queue_item *items = q->blocks[b].items;
        for (size_t i = 0; i < in_block; i++) {
            item_move(q, &items[i], level);
        }
        left -= in_block;
        uint32_t next = q->block_next[b];
        block_give(q, b);
        b = next;
    }
}

int event_queue_init(event_queue *q, size_t capacity_hint) {
    memset(q, 0, sizeof *q);
    q->block_free = BLOCK_NIL;
    return pool_grow(q, blocks_needed(capacity_hint));
}

void event_queue_destroy(event_queue *q) {
    rl_free(q->blocks);
    rl_free(q->block_next);
    q->blocks = NULL;
    q->block_next = NULL;
    q->block_capacity = 0;
    q->count = 0;
}

/* The entry of the handler cache for fn: handlers are few and pushes alternate between them. */
static unsigned handler_cache_slot(sim_event_fn fn) {
    uintptr_t bits = (uintptr_t)fn;
    return (unsigned)((bits >> 4) ^ (bits >> 9)) & (EVENT_QUEUE_HANDLER_CACHE - 1);
}

/* The index of the handler (fn, context), added if new. */
static int handler_find(event_queue *q, sim_event_fn fn, void *context, uint32_t *out) {
    unsigned c = handler_cache_slot(fn);
    uint32_t cached = q->handler_cache[c];
    if (cached < q->handler_count && q->handlers[cached].fn == fn &&
        q->handlers[cached].context == context) {
        *out = cached;
        return RL_OK;
    }
    for (uint32_t h = 0; h < q->handler_count; h++) {
        if (q->handlers[h].fn == fn && q->handlers[h].context == context) {
            q->handler_cache[c] = h;
            *out = h;
            return RL_OK;
        }
    }
    if (q->handler_count == EVENT_QUEUE_HANDLERS_MAX) {
        return RL_ERR_LIMIT;
    }
    q->handlers[q->handler_count] = (event_queue_handler){fn, context, NULL};
    q->handler_cache[c] = q->handler_count;
    *out = q->handler_count++;
    return RL_OK;
}

int event_queue_push(event_queue *q, int64_t at_us, sim_event_fn fn, void *context, uint64_t arg0,
                     int64_t arg1) {
    assert(at_us >= q->last_us); /* time never goes back */
    if (q->count >= q->count_max) {
        int rc = q->count >= UINT32_MAX ? RL_ERR_LIMIT : pool_grow(q, blocks_needed(q->count + 1));
        if (rc != RL_OK) {
            return rc;
        }
    }
    uint32_t handler;
    int rc = handler_find(q, fn, context, &handler);
    if (rc != RL_OK) {
        return rc;
    }
    unsigned level, slot;
    slot_of(at_us, q->last_us, &level, &slot);
    *bucket_append(q, level, slot, at_us) =
        (event_queue_item){.at_us = at_us, .arg0 = arg0, .arg1 = arg1, .handler = handler};
    q->count++;
    return RL_OK;
}

/* Hands out item (just removed from the queue) in out. */
static void item_out(const event_queue *q, const event_queue_item *item, sim_event *out) {
    const event_queue_handler *handler = &q->handlers[item->handler];
    *out = (sim_event){item->at_us, handler->fn, handler->context, item->arg0, item->arg1};
}

/* Removes the oldest event of slot (level, slot) into out: at level 0 any slot's first event
 * (a level-0 slot holds one time, after the base), above it only a slot's lone event, which is
 * then the earliest of all (the invariant holds as after a move down). */
static void bucket_pop_first(event_queue *q, unsigned level, unsigned slot, sim_event *out) {
    event_queue_bucket *bucket = &q->buckets[level][slot];
    assert(bucket->count > 0 && (level == 0 || bucket->count == 1));
    const event_queue_item *item;
    if (bucket->has_head) {
        item = &bucket->head;
        bucket->has_head = 0;
    } else {
        item = &q->blocks[bucket->first].items[bucket->first_index++];
    }
    assert(item->at_us >= q->last_us);
    q->last_us = item->at_us;
    item_out(q, item, out);
    q->count--;
    if (--bucket->count == 0) {
        if (item != &bucket->head) {
            block_give(q, bucket->first);
        }
        bucket_clear(q, level, slot);
    } else if (bucket->first_index == EVENT_QUEUE_BLOCK_EVENTS) {
        uint32_t next = q->block_next[bucket->first];
        block_give(q, bucket->first);
        bucket->first = next;
        bucket->first_index = 0;
    }
}

bool event_queue_pop_before(event_queue *q, int64_t end_us, sim_event *out) {
    if (q->count == 0) {
        return false;
    }
    unsigned level = (unsigned)__builtin_ctz(q->levels_nonempty);
    unsigned slot = (unsigned)__builtin_ctzll(q->slots_nonempty[level]);
    const event_queue_bucket *bucket = &q->buckets[level][slot];
    if (bucket->min_us >= end_us) {
        return false;
    }
    if (level > 0 && bucket->count > 1) {
        bucket_move_down(q, level, slot);
        level = 0;
        slot = (unsigned)__builtin_ctzll(q->slots_nonempty[0]);
    }
    bucket_pop_first(q, level, slot, out);
    return true;
}

bool event_queue_pop(event_queue *q, sim_event *out) {
    return event_queue_pop_before(q, INT64_MAX, out);
}

int event_queue_set_prefetch(event_queue *q, sim_event_fn fn, void *context,
                             sim_event_prefetch_fn prefetch) {
    uint32_t handler;
    int rc = handler_find(q, fn, context, &handler);
    if (rc == RL_OK) {
        q->handlers[handler].prefetch = prefetch;
    }
    return rc;
}

void event_queue_prefetch_next(const event_queue *q) {
    if (q->count == 0) {
        return;
    }
    unsigned level = (unsigned)__builtin_ctz(q->levels_nonempty);
    unsigned slot = (unsigned)__builtin_ctzll(q->slots_nonempty[level]);
    const event_queue_bucket *bucket = &q->buckets[level][slot];
    const event_queue_item *item;
    if (bucket->has_head) {
        if (level > 0 && bucket->count > 1) {
            return; /* the earliest is somewhere in the slot: known after the next move */
        }
        item = &bucket->head;
    } else {
        item = &q->blocks[bucket->first].items[bucket->first_index];
    }
    const event_queue_handler *handler = &q->handlers[item->handler];
    if (handler->prefetch != NULL) {
        handler->prefetch(handler->context, item->arg0, item->arg1);
    }
}

int64_t event_queue_peek_time(const event_queue *q) {
    assert(q->count > 0);
    unsigned level = (unsigned)__builtin_ctz(q->levels_nonempty);
    unsigned slot = (unsigned)__builtin_ctzll(q->slots_nonempty[level]);
    return q->buckets[level][slot].min_us;
}

size_t event_queue_heap_bytes(const event_queue *q) {
    return (size_t)q->block_capacity * (sizeof *q->blocks + sizeof *q->block_next);
}
