/* store_model.h - the simulated Redis: one single-threaded server with a FIFO queue, a service
 * time per command, and a network between it and the pods.
 *
 * Contention is not drawn from a formula: each command really waits for the commands before it.
 * A command that reaches the server at arrival_us starts when the server is free and runs for its
 * service time; a limiter script executes atomically at its start instant, with the store's
 * clock. */
#ifndef RATELAB_STORE_MODEL_H
#define RATELAB_STORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "algorithms/limiter.h"
#include "harness/core/rng.h"
#include "harness/model/pod_env.h"
#include "harness/scenario/scenario.h"

typedef struct store_model {
    store_config config;
    dist_sampler network;    /* config.network_us, ready for a draw per trip */
    rng random;
    int64_t busy_until_us;   /* when the server finishes the last command queued */
    int64_t *ends_us;        /* ring of service end times of commands still in the server */
    int64_t ends_capacity, ends_head, ends_count;
    int64_t ops;             /* commands served */
    int64_t queue_max;       /* most commands in the server (queued or in service) at once */
    int limiter_count;
    limiter_state states[SCENARIO_LIMITERS_MAX]; /* shared limiters' state, by limiter index */
    bool lock_held[SCENARIO_LIMITERS_MAX];       /* redis_lock: taken (until it expires) */
    uint64_t lock_owner[SCENARIO_LIMITERS_MAX];  /* redis_lock: its holder's value, any uint64 */
    int64_t lock_expires_us[SCENARIO_LIMITERS_MAX];
    const scenario_fault *faults; /* the scenario's (borrowed): outages and latency faults */
    int fault_count;
} store_model;

/* Initialises store for s's store settings, with random stream (seed, stream_id).
 * Returns 0 or RL_ERR_NOMEM. */
int store_model_init(store_model *store, const scenario *s, uint64_t seed, uint64_t stream_id);

/* Frees what store allocated. */
void store_model_destroy(store_model *store);

/* One one-way network delay between a pod and the store for a trip starting at now_us, in us:
 * a draw from the network distribution plus the extra delay of every store_latency fault active
 * at now_us. */
int64_t store_model_network_us(store_model *store, int64_t now_us);

/* Whether a store_outage fault covers now_us; if so, *mode tells how the store is away. */
bool store_model_outage_at(const store_model *store, int64_t now_us, outage_mode *mode);

/* Queues a command that reaches the server at arrival_us (non-decreasing across calls) and needs
 * service_us; returns when it starts (start_us) and ends (end_us). Returns 0 or RL_ERR_NOMEM. */
int store_model_serve(store_model *store, int64_t arrival_us, int64_t service_us, int64_t *start_us,
                      int64_t *end_us);

/* Runs the shared limiter limiter_index (config from the scenario) at now_us in the store. */
void store_model_limiter_decide(store_model *store, const limiter_config *config, int limiter_index,
                                int64_t now_us, int64_t cost, limiter_decision *out);

/* Tells the shared limiter limiter_index (config from the scenario) at now_us in the store what
 * became of a request it allowed (limiter_algorithm_observe on its state). */
void store_model_limiter_observe(store_model *store, const limiter_config *config,
                                 int limiter_index, int64_t now_us, const limiter_outcome *outcome);

/* Executes a plain command (lock, read, write, unlock) at now_us, filling out's ok and state.
 * A lock whose expiry has passed is free. */
void store_model_execute(store_model *store, const store_command *command, int64_t now_us,
                         store_reply *out);

#endif
