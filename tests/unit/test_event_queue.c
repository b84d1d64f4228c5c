/* test_event_queue.c - the event queue and engine: order by time, then first-in first-out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness/core/rl_error.h"
#include "harness/core/rng.h"
#include "harness/sim/event_queue.h"
#include "harness/sim/sim_engine.h"

static void noop(void *context, uint64_t arg0, int64_t arg1) {
    (void)context;
    (void)arg0;
    (void)arg1;
}

static void pops_in_time_order_then_insertion_order(void **state) {
    (void)state;
    event_queue q;
    assert_int_equal(event_queue_init(&q, 2), 0);
    /* (time, tag): equal times must come out in the order they went in. */
    int64_t times[] = {30, 10, 20, 10, 30, 0, 10};
    for (uint64_t i = 0; i < 7; i++) {
        assert_int_equal(event_queue_push(&q, times[i], noop, NULL, i, 0), 0);
    }
    uint64_t expected_tags[] = {5, 1, 3, 6, 2, 0, 4};
    sim_event e;
    for (int i = 0; i < 7; i++) {
        assert_true(event_queue_pop(&q, &e));
        assert_int_equal(e.arg0, expected_tags[i]);
    }
    assert_false(event_queue_pop(&q, &e));
    event_queue_destroy(&q);
}

/* Property: random pushes (never before the last pop) and pops always pop the smallest
 * (time, push order) still queued, as the binary heap this queue replaced did. Delays are short
 * (many ties) or long (up to 2^40 us), so events go through every bucket. */
static void check_against_sorted_model(uint64_t seed, int64_t delay_max_us, int steps) {
    rng r;
    rng_seed(&r, seed, 1);
    event_queue q;
    assert_int_equal(event_queue_init(&q, 16), 0);
    enum { MODEL_MAX = 4096 };
    static int64_t model_time[MODEL_MAX];
    static uint64_t model_seq[MODEL_MAX];
    int model_count = 0;
    uint64_t seq = 0;
    int64_t now_us = 0;
    for (int step = 0; step < steps; step++) {
        bool push = model_count == 0 || (model_count < MODEL_MAX && rng_below(&r, 100) < 55);
        if (push) {
            /* Half the pushes from a handful of delays, so that equal times are common. */
            int64_t delay_us = rng_below(&r, 2) == 0 ? (int64_t)rng_below(&r, 4)
                                                    : (int64_t)rng_below(&r, (uint64_t)delay_max_us);
            int64_t t = now_us + delay_us;
            assert_int_equal(event_queue_push(&q, t, noop, NULL, seq, 0), 0);
            model_time[model_count] = t;
            model_seq[model_count] = seq++;
            model_count++;
            assert_int_equal(q.count, (size_t)model_count);
            continue;
        }
        int best = 0;
        for (int i = 1; i < model_count; i++) {
            if (model_time[i] < model_time[best] ||
                (model_time[i] == model_time[best] && model_seq[i] < model_seq[best])) {
                best = i;
            }
        }
        assert_int_equal(event_queue_peek_time(&q), model_time[best]);
        sim_event e;
        assert_true(event_queue_pop(&q, &e));
        if (e.arg0 != model_seq[best] || e.at_us != model_time[best]) {
            fail_msg("seed %llu step %d: popped seq %llu at %lld, expected %llu at %lld",
                     (unsigned long long)seed, step, (unsigned long long)e.arg0,
                     (long long)e.at_us, (unsigned long long)model_seq[best],
                     (long long)model_time[best]);
        }
        now_us = e.at_us;
        model_time[best] = model_time[model_count - 1];
        model_seq[best] = model_seq[model_count - 1];
        model_count--;
    }
    event_queue_destroy(&q);
}

static void random_operations_match_a_sorted_model(void **state) {
    (void)state;
    print_message("[ seed     ] event queue: 20261123, short and long delays\n");
    check_against_sorted_model(20261123, 1000, 200000);
    check_against_sorted_model(20261124, INT64_C(1) << 40, 200000);
    check_against_sorted_model(20261125, INT64_C(1) << 20, 200000);
}

/* Exact case: equal times pushed across bucket moves still come out in push order. */
static void ties_keep_push_order_across_moves(void **state) {
    (void)state;
    event_queue q;
    assert_int_equal(event_queue_init(&q, 0), 0);
    sim_event e;
    /* Tags 0 and 1 at 1000 go into a high bucket; 2 at 5 makes the queue move it down; tag 3
     * at 1000 is pushed after that move; then 4 at 1000 after popping 2. */
    assert_int_equal(event_queue_push(&q, 1000, noop, NULL, 0, 0), 0);
    assert_int_equal(event_queue_push(&q, 1000, noop, NULL, 1, 0), 0);
    assert_int_equal(event_queue_push(&q, 5, noop, NULL, 2, 0), 0);
    assert_true(event_queue_pop(&q, &e));
    assert_int_equal(e.arg0, 2);
    assert_int_equal(event_queue_push(&q, 1000, noop, NULL, 3, 0), 0);
    assert_int_equal(event_queue_push(&q, 999, noop, NULL, 4, 0), 0);
    uint64_t expected[] = {4, 0, 1, 3};
    for (int i = 0; i < 4; i++) {
        assert_true(event_queue_pop(&q, &e));
        assert_int_equal(e.arg0, expected[i]);
    }
    assert_false(event_queue_pop(&q, &e));
    event_queue_destroy(&q);
}

static void other(void *context, uint64_t arg0, int64_t arg1) {
    (void)context;
    (void)arg0;
    (void)arg1;
}

/* Each event hands back its own (fn, context); a pair beyond the table's size is refused. */
static void handlers_are_kept_per_event(void **state) {
    (void)state;
    event_queue q;
    assert_int_equal(event_queue_init(&q, 0), 0);
    static int contexts[EVENT_QUEUE_HANDLERS_MAX + 1];
    for (int i = 0; i < EVENT_QUEUE_HANDLERS_MAX; i++) {
        assert_int_equal(event_queue_push(&q, i, i % 2 ? noop : other, &contexts[i], (uint64_t)i, -i), 0);
    }
    assert_int_equal(event_queue_push(&q, 99, noop, &contexts[EVENT_QUEUE_HANDLERS_MAX], 0, 0),
                     RL_ERR_LIMIT);
    for (int i = 0; i < EVENT_QUEUE_HANDLERS_MAX; i++) {
        sim_event e;
        assert_true(event_queue_pop(&q, &e));
        assert_ptr_equal(e.context, &contexts[i]);
        assert_true(e.fn == (i % 2 ? noop : other));
        assert_int_equal(e.arg0, i);
        assert_int_equal(e.arg1, -i);
    }
    event_queue_destroy(&q);
}

typedef struct hint_log {
    int calls;
    uint64_t arg0;
    int64_t arg1;
} hint_log;

static void record_hint(void *context, uint64_t arg0, int64_t arg1) {
    hint_log *log = context;
    log->calls++;
    log->arg0 = arg0;
    log->arg1 = arg1;
}

/* The prefetch hint is called with the earliest event's arguments, only for its own handler,
 * and leaves the queue as it was. */
static void prefetch_hint_sees_the_next_event(void **state) {
    (void)state;
    event_queue q;
    assert_int_equal(event_queue_init(&q, 0), 0);
    hint_log log = {0};
    assert_int_equal(event_queue_set_prefetch(&q, record_hint, &log, record_hint), 0);
    event_queue_prefetch_next(&q); /* empty: no call */
    assert_int_equal(log.calls, 0);
    assert_int_equal(event_queue_push(&q, 500, record_hint, &log, 7, -7), 0);
    assert_int_equal(event_queue_push(&q, 100, noop, NULL, 1, -1), 0);
    event_queue_prefetch_next(&q); /* the earliest (100) has no hint */
    assert_int_equal(log.calls, 0);
    sim_event e;
    assert_true(event_queue_pop(&q, &e));
    assert_int_equal(e.arg0, 1);
    event_queue_prefetch_next(&q);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.arg0, 7);
    assert_int_equal(log.arg1, -7);
    assert_int_equal(q.count, 1);
    assert_true(event_queue_pop(&q, &e));
    assert_int_equal(e.arg0, 7);
    event_queue_destroy(&q);
}

/* Once the pool has grown to the busiest moment, a steady state of pushes and pops never grows
 * it again: the queue allocates nothing per event. */
static void steady_state_does_not_grow_the_pool(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 20261126, 1);
    event_queue q;
    assert_int_equal(event_queue_init(&q, 0), 0);
    int64_t now_us = 0;
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(event_queue_push(&q, (int64_t)rng_below(&r, 10000000), noop, NULL, 0, 0), 0);
    }
    uint32_t capacity = q.block_capacity;
    for (int step = 0; step < 1000000; step++) {
        sim_event e;
        assert_true(event_queue_pop(&q, &e));
        now_us = e.at_us;
        int64_t delay_us = (int64_t)rng_below(&r, 20000000);
        assert_int_equal(event_queue_push(&q, now_us + delay_us, noop, NULL, 0, 0), 0);
    }
    assert_int_equal(q.count, 10000);
    assert_int_equal(q.block_capacity, capacity);
    event_queue_destroy(&q);
}

typedef struct trace {
    int64_t times[16];
    int count;
    sim_engine *engine;
} trace;

static void record_and_maybe_reschedule(void *context, uint64_t arg0, int64_t arg1) {
    trace *t = context;
    t->times[t->count++] = t->engine->now_us;
    if (arg0 > 0) {
        sim_engine_after(t->engine, arg1, record_and_maybe_reschedule, t, arg0 - 1, arg1);
    }
}

static void engine_runs_until_the_end_and_not_beyond(void **state) {
    (void)state;
    sim_engine engine;
    assert_int_equal(sim_engine_init(&engine, 4), 0);
    trace t = {.count = 0, .engine = &engine};
    /* Fires at 0, 7, 14, 21, ...; the run stops before 25. */
    sim_engine_after(&engine, 0, record_and_maybe_reschedule, &t, 10, 7);
    assert_int_equal(sim_engine_run_until(&engine, 25), 0);
    assert_int_equal(t.count, 4);
    assert_int_equal(t.times[0], 0);
    assert_int_equal(t.times[3], 21);
    assert_int_equal(engine.now_us, 25);
    assert_int_equal(engine.events_run, 4);
    /* Continuing picks up the event at 28. */
    assert_int_equal(sim_engine_run_until(&engine, 29), 0);
    assert_int_equal(t.count, 5);
    assert_int_equal(t.times[4], 28);
    sim_engine_destroy(&engine);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pops_in_time_order_then_insertion_order),
        cmocka_unit_test(random_operations_match_a_sorted_model),
        cmocka_unit_test(ties_keep_push_order_across_moves),
        cmocka_unit_test(handlers_are_kept_per_event),
        cmocka_unit_test(prefetch_hint_sees_the_next_event),
        cmocka_unit_test(steady_state_does_not_grow_the_pool),
        cmocka_unit_test(engine_runs_until_the_end_and_not_beyond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
