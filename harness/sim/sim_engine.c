/* sim_engine.c - the discrete-event engine. */
#include "harness/sim/sim_engine.h"

#include <assert.h>

#include "harness/core/rl_error.h"

int sim_engine_init(sim_engine *engine, size_t capacity_hint) {
    engine->now_us = 0;
    engine->events_run = 0;
    engine->events_pending_max = 0;
    engine->first_error = RL_OK;
    engine->prefetching = false;
    return event_queue_init(&engine->queue, capacity_hint);
}

void sim_engine_destroy(sim_engine *engine) {
    event_queue_destroy(&engine->queue);
}

void sim_engine_after(sim_engine *engine, int64_t delay_us, sim_event_fn fn, void *context,
                      uint64_t arg0, int64_t arg1) {
    assert(delay_us >= 0);
    int rc = event_queue_push(&engine->queue, engine->now_us + delay_us, fn, context, arg0, arg1);
    if (rc != RL_OK && engine->first_error == RL_OK) {
        engine->first_error = rc;
    }
    if (engine->queue.count > engine->events_pending_max) {
        engine->events_pending_max = engine->queue.count;
    }
}

int sim_engine_set_prefetch(sim_engine *engine, sim_event_fn fn, void *context,
                            sim_event_prefetch_fn prefetch) {
    int rc = event_queue_set_prefetch(&engine->queue, fn, context, prefetch);
    if (rc == RL_OK && prefetch != NULL) {
        engine->prefetching = true;
    }
    return rc;
}

int sim_engine_run_until(sim_engine *engine, int64_t end_us) {
    bool reached_end = false;
    return sim_engine_run_until_bounded(engine, end_us, UINT64_MAX, &reached_end);
}

int sim_engine_run_until_bounded(sim_engine *engine, int64_t end_us, uint64_t events_max,
                                 bool *reached_end) {
    sim_event event;
    *reached_end = false;
    for (uint64_t n = 0; n < events_max; n++) {
        if (engine->first_error != RL_OK ||
            !event_queue_pop_before(&engine->queue, end_us, &event)) {
            *reached_end = engine->first_error == RL_OK;
            break;
        }
        assert(event.at_us >= engine->now_us);
        engine->now_us = event.at_us;
        engine->events_run++;
        if (engine->prefetching) { /* the next event's memory loads meanwhile */
            event_queue_prefetch_next(&engine->queue);
        }
        event.fn(event.context, event.arg0, event.arg1);
    }
    if (*reached_end && engine->now_us < end_us) {
        engine->now_us = end_us;
    }
    return engine->first_error;
}
