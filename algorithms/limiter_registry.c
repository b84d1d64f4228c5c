/* limiter_registry.c - the static table of limiter algorithms, looked up by name or index. */
#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"

/* In the order `ratelab list` shows them. */
static const limiter_algorithm *const limiter_registry_table[] = {
    &limiter_token_bucket, &limiter_token_bucket_interval, &limiter_gcra,
    &limiter_gcra_pace,    &limiter_leaky_bucket_meter,    &limiter_leaky_bucket_queue,
    &limiter_fixed_window, &limiter_sliding_window,        &limiter_unlimited,
    &limiter_aimd,         &limiter_sre_throttle,          &limiter_gradient,
    &limiter_selector,
};

#define LIMITER_REGISTRY_COUNT (sizeof limiter_registry_table / sizeof limiter_registry_table[0])

/* The algorithm called name, or NULL (also for a NULL name). */
const limiter_algorithm *limiter_algorithm_find(const char *name) {
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < LIMITER_REGISTRY_COUNT; i++) {
        if (strcmp(limiter_registry_table[i]->name, name) == 0) {
            return limiter_registry_table[i];
        }
    }
    return NULL;
}

/* How many algorithms the registry holds. */
size_t limiter_algorithm_count(void) {
    return LIMITER_REGISTRY_COUNT;
}

/* The index-th algorithm, or NULL when index is out of range. */
const limiter_algorithm *limiter_algorithm_at(size_t index) {
    if (index >= LIMITER_REGISTRY_COUNT) {
        return NULL;
    }
    return limiter_registry_table[index];
}

void limiter_algorithm_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                               const limiter_outcome *outcome) {
    assert(outcome->cost >= 1);
    assert(outcome->latency_us >= 0);
    if (cfg->algorithm->observe != NULL) {
        cfg->algorithm->observe(cfg, state, now_us, outcome);
    }
}

/* Checks cfg: an algorithm is set, then that algorithm's own checks. Returns 0 or
 * RL_ERR_INVALID with a message in err. */
int limiter_config_validate(const limiter_config *cfg, rl_error *err) {
    if (cfg == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "no limiter settings given");
    }
    if (cfg->algorithm == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "limiter algorithm is not set");
    }
    /* The rate checks (limit and period_us positive) are in each algorithm that reads a rate:
     * unlimited reads none. */
    return cfg->algorithm->validate(cfg, err);
}
