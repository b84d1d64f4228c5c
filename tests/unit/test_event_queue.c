/* test_event_queue.c - the event queue and engine: order by time, then first-in first-out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

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

/* Property: random pushes and pops always pop the smallest (time, seq) still queued. */
static void random_operations_match_a_sorted_model(void **state) {
    (void)state;
    const uint64_t seed = 20261123;
    rng r;
    rng_seed(&r, seed, 1);
    event_queue q;
    assert_int_equal(event_queue_init(&q, 16), 0);
    enum { MODEL_MAX = 4096 };
    int64_t model_time[MODEL_MAX];
    uint64_t model_seq[MODEL_MAX];
    int model_count = 0;
    uint64_t seq = 0;
    for (int step = 0; step < 200000; step++) {
        bool push = model_count == 0 || (model_count < MODEL_MAX && rng_below(&r, 100) < 55);
        if (push) {
            int64_t t = (int64_t)rng_below(&r, 1000);
            assert_int_equal(event_queue_push(&q, t, noop, NULL, seq, 0), 0);
            model_time[model_count] = t;
            model_seq[model_count] = seq++;
            model_count++;
            continue;
        }
        int best = 0;
        for (int i = 1; i < model_count; i++) {
            if (model_time[i] < model_time[best] ||
                (model_time[i] == model_time[best] && model_seq[i] < model_seq[best])) {
                best = i;
            }
        }
        sim_event e;
        assert_true(event_queue_pop(&q, &e));
        if (e.arg0 != model_seq[best]) {
            fail_msg("seed %llu step %d: popped seq %llu, expected %llu", (unsigned long long)seed,
                     step, (unsigned long long)e.arg0, (unsigned long long)model_seq[best]);
        }
        model_time[best] = model_time[model_count - 1];
        model_seq[best] = model_seq[model_count - 1];
        model_count--;
    }
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
        cmocka_unit_test(engine_runs_until_the_end_and_not_beyond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
