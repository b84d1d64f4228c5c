/* store_model.c - the simulated Redis as a single FIFO server behind a network. */
#include "harness/sim/store_model.h"

#include <assert.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

#define STORE_ENDS_INITIAL 256

int store_model_init(store_model *store, const scenario *s, uint64_t seed, uint64_t stream_id) {
    memset(store, 0, sizeof *store);
    store->config = s->store;
    store->network = dist_sampler_of(&s->store.network_us);
    rng_seed(&store->random, seed, stream_id);
    store->limiter_count = s->limiter_count;
    store->faults = s->faults;
    store->fault_count = s->fault_count;
    store->ends_capacity = STORE_ENDS_INITIAL;
    store->ends_us = rl_calloc((size_t)store->ends_capacity, sizeof *store->ends_us);
    return store->ends_us == NULL ? RL_ERR_NOMEM : RL_OK;
}

void store_model_destroy(store_model *store) {
    rl_free(store->ends_us);
    store->ends_us = NULL;
}

static bool fault_covers(const scenario_fault *fault, int64_t now_us) {
    return now_us >= fault->at_us && now_us - fault->at_us < fault->for_us;
}

int64_t store_model_network_us(store_model *store, int64_t now_us) {
    int64_t delay_us = dist_sampler_draw(&store->network, &store->random);
    for (int i = 0; i < store->fault_count; i++) {
        const scenario_fault *fault = &store->faults[i];
        if (fault->kind == FAULT_STORE_LATENCY && fault_covers(fault, now_us)) {
            delay_us += fault->extra_us;
        }
    }
    return delay_us;
}

bool store_model_outage_at(const store_model *store, int64_t now_us, outage_mode *mode) {
    for (int i = 0; i < store->fault_count; i++) {
        const scenario_fault *fault = &store->faults[i];
        if (fault->kind == FAULT_STORE_OUTAGE && fault_covers(fault, now_us)) {
            *mode = fault->mode;
            return true;
        }
    }
    return false;
}

static int ends_push(store_model *store, int64_t end_us) {
    if (store->ends_count == store->ends_capacity) {
        int64_t grown = store->ends_capacity * 2;
        int64_t *ends = rl_calloc((size_t)grown, sizeof *ends);
        if (ends == NULL) {
            return RL_ERR_NOMEM;
        }
        for (int64_t i = 0; i < store->ends_count; i++) {
            ends[i] = store->ends_us[(store->ends_head + i) % store->ends_capacity];
        }
        rl_free(store->ends_us);
        store->ends_us = ends;
        store->ends_capacity = grown;
        store->ends_head = 0;
    }
    store->ends_us[(store->ends_head + store->ends_count) % store->ends_capacity] = end_us;
    store->ends_count++;
    return RL_OK;
}

int store_model_serve(store_model *store, int64_t arrival_us, int64_t service_us, int64_t *start_us,
                      int64_t *end_us) {
    assert(service_us >= 0);
    /* Commands that finished by now have left the server. */
    while (store->ends_count > 0 && store->ends_us[store->ends_head] <= arrival_us) {
        store->ends_head = (store->ends_head + 1) % store->ends_capacity;
        store->ends_count--;
    }
    *start_us = store->busy_until_us > arrival_us ? store->busy_until_us : arrival_us;
    *end_us = *start_us + service_us;
    store->busy_until_us = *end_us;
    store->ops++;
    int rc = ends_push(store, *end_us);
    if (store->ends_count > store->queue_max) {
        store->queue_max = store->ends_count;
    }
    return rc;
}

void store_model_limiter_decide(store_model *store, const limiter_config *config, int limiter_index,
                                int64_t now_us, int64_t cost, limiter_decision *out) {
    assert(limiter_index >= 0 && limiter_index < store->limiter_count);
    config->algorithm->decide(config, &store->states[limiter_index], now_us, cost, out);
}

void store_model_limiter_observe(store_model *store, const limiter_config *config,
                                 int limiter_index, int64_t now_us, const limiter_outcome *outcome) {
    assert(limiter_index >= 0 && limiter_index < store->limiter_count);
    limiter_algorithm_observe(config, &store->states[limiter_index], now_us, outcome);
}

void store_model_execute(store_model *store, const store_command *command, int64_t now_us,
                         store_reply *out) {
    int l = command->limiter_index;
    assert(l >= 0 && l < store->limiter_count);
    /* Any owner value is valid (a job token may be 0): whether the lock is taken is kept apart. */
    bool lock_free = !store->lock_held[l] || store->lock_expires_us[l] <= now_us;
    out->ok = false;
    switch (command->op) {
    case STORE_OP_LOCK:
        if (lock_free) {
            store->lock_held[l] = true;
            store->lock_owner[l] = command->owner;
            store->lock_expires_us[l] = now_us + command->lock_ttl_us;
            out->ok = true;
        }
        return;
    case STORE_OP_READ:
        out->state = store->states[l];
        out->ok = true;
        return;
    case STORE_OP_WRITE:
        store->states[l] = command->state;
        out->ok = true;
        return;
    case STORE_OP_UNLOCK:
        if (!lock_free && store->lock_owner[l] == command->owner) {
            store->lock_held[l] = false;
            out->ok = true;
        }
        return;
    }
}
