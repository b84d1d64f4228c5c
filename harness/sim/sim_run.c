/* sim_run.c - the simulated world: implements pod_env with events in virtual time. */
#include "harness/sim/sim_run.h"

#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/model/fleet.h"
#include "harness/sim/sim_engine.h"
#include "harness/sim/store_model.h"
#include "mock_api/api_model.h"
#include "mock_api/api_sliding_count.h"

/* Random stream ids of entities other than pods (pods use 1..pod count). */
#define STREAM_STORE ((UINT64_C(1) << 40) + 1)
#define STREAM_API_FIRST ((UINT64_C(1) << 40) + 16)

typedef struct sim_world {
    const scenario *scenario;
    sim_engine engine;
    store_model store;
    api_model apis[SCENARIO_APIS_MAX];
    int apis_ready;
    fleet fleet;
    metrics *metrics;
} sim_world;

static int64_t world_now_us(void *world) {
    return ((sim_world *)world)->engine.now_us;
}

static void on_timer_event(void *context, uint64_t target, int64_t kind) {
    sim_world *w = context;
    fleet_on_timer(&w->fleet, (fleet_timer_kind)kind, target);
}

static void world_timer_start(void *world, int64_t delay_us, fleet_timer_kind kind,
                              uint64_t target) {
    sim_world *w = world;
    sim_engine_after(&w->engine, delay_us, on_timer_event, w, target, (int64_t)kind);
}

/* The store's answer reaches the pod. arg0: job id | allowed << 32; arg1: the instant from which
 * the decision's wait counts down to zero (decided at + wait). */
static void on_store_reply_event(void *context, uint64_t packed, int64_t effective_at_us) {
    sim_world *w = context;
    store_reply reply = {
        .status = STORE_REPLY_OK,
        .decision = {.allowed = (packed >> 32) != 0, .wait_us = 0},
        .decided_at_us = effective_at_us,
    };
    fleet_on_store_reply(&w->fleet, (uint32_t)(packed & UINT32_MAX), &reply);
}

/* A limiter command reaches the store. arg0: job id | limiter index << 32; arg1: cost. */
static void on_store_arrival_event(void *context, uint64_t packed, int64_t cost) {
    sim_world *w = context;
    uint32_t job_id = (uint32_t)(packed & UINT32_MAX);
    int limiter_index = (int)(packed >> 32);
    int64_t start_us, end_us;
    int rc = store_model_serve(&w->store, w->engine.now_us, w->store.config.service_script_us,
                               &start_us, &end_us);
    if (rc != RL_OK) {
        w->engine.first_error = rc;
        return;
    }
    limiter_decision decision;
    store_model_limiter_decide(&w->store, &w->scenario->limiters[limiter_index].config,
                               limiter_index, start_us, cost, &decision);
    uint64_t reply = (uint64_t)job_id | ((uint64_t)(decision.allowed ? 1 : 0) << 32);
    int64_t back_us = store_model_network_us(&w->store);
    sim_engine_after(&w->engine, end_us + back_us - w->engine.now_us, on_store_reply_event, w,
                     reply, start_us + decision.wait_us);
}

static void world_store_limiter_call(void *world, uint32_t job_id, int limiter_index,
                                     int64_t cost) {
    sim_world *w = world;
    uint64_t packed = (uint64_t)job_id | ((uint64_t)limiter_index << 32);
    sim_engine_after(&w->engine, store_model_network_us(&w->store), on_store_arrival_event, w,
                     packed, cost);
}

/* The API's answer reaches the pod. arg0: job id | status << 32; arg1: Retry-After in us. */
static void on_api_reply_event(void *context, uint64_t packed, int64_t retry_after_us) {
    sim_world *w = context;
    api_response response = {
        .status = (api_status)(packed >> 32),
        .retry_after_us = retry_after_us,
    };
    fleet_on_api_reply(&w->fleet, (uint32_t)(packed & UINT32_MAX), &response);
}

static void world_api_call(void *world, uint32_t job_id, int api_index) {
    sim_world *w = world;
    api_response response;
    int rc = api_model_call(&w->apis[api_index], w->engine.now_us, &response);
    if (rc != RL_OK) {
        w->engine.first_error = rc;
        return;
    }
    metrics_api_arrival(w->metrics, api_index, w->engine.now_us,
                        api_sliding_count_count(&w->apis[api_index].arrivals_in_burst_window));
    uint64_t packed = (uint64_t)job_id | ((uint64_t)response.status << 32);
    sim_engine_after(&w->engine, response.latency_us, on_api_reply_event, w, packed,
                     response.retry_after_us);
}

/* Prefetch hints (see sim_engine_set_prefetch): what the next event's handler will read. They
 * pay only when the per-pod records no longer fit in the processor's caches: measured on a
 * 2-core AMD EPYC (docs/PERFORMANCE.md), 42% faster at 1,000,000 pods and 12% at 100,000, but
 * 3 to 4% slower at 10,000 to 60,000 pods, where the hints' own work is not repaid. */
#define SIM_PREFETCH_PODS_MIN 80000

static void prefetch_timer_event(void *context, uint64_t target, int64_t kind) {
    sim_world *w = context;
    fleet_prefetch_timer(&w->fleet, (fleet_timer_kind)kind, target);
}

static void prefetch_job_event(void *context, uint64_t packed, int64_t unused) {
    sim_world *w = context;
    (void)unused;
    fleet_prefetch_job(&w->fleet, (uint32_t)(packed & UINT32_MAX));
}

static const pod_env_ops sim_env_ops = {
    .now_us = world_now_us,
    .timer_start = world_timer_start,
    .store_limiter_call = world_store_limiter_call,
    .api_call = world_api_call,
};

static void world_destroy(sim_world *w) {
    fleet_destroy(&w->fleet);
    for (int i = 0; i < w->apis_ready; i++) {
        api_model_destroy(&w->apis[i]);
    }
    store_model_destroy(&w->store);
    sim_engine_destroy(&w->engine);
}

static int world_init(sim_world *w, const scenario *s, metrics *m) {
    memset(w, 0, sizeof *w);
    w->scenario = s;
    w->metrics = m;
    int64_t pods = scenario_pod_count(s);
    int rc = sim_engine_init(&w->engine, (size_t)(pods < 1024 ? 1024 : pods + pods / 4));
    if (rc == RL_OK) {
        rc = store_model_init(&w->store, s, s->seed, STREAM_STORE);
    }
    for (int i = 0; rc == RL_OK && i < s->api_count; i++) {
        rc = api_model_init(&w->apis[i], &s->apis[i].config, s->seed, STREAM_API_FIRST + (uint64_t)i);
        if (rc == RL_OK) {
            w->apis_ready++;
        }
    }
    if (rc == RL_OK) {
        pod_env env = {.ops = &sim_env_ops, .world = w};
        rc = fleet_init(&w->fleet, s, env, m, s->seed);
    }
    if (rc == RL_OK && pods >= SIM_PREFETCH_PODS_MIN) { /* speed only: results are the same */
        rc = sim_engine_set_prefetch(&w->engine, on_timer_event, w, prefetch_timer_event);
        if (rc == RL_OK) {
            rc = sim_engine_set_prefetch(&w->engine, on_api_reply_event, w, prefetch_job_event);
        }
    }
    return rc;
}

static int run_with_progress(sim_world *w, sim_progress_fn progress, void *progress_context) {
    int64_t duration_us = w->scenario->duration_us;
    int64_t step_us = progress != NULL ? duration_us / 100 : duration_us;
    if (step_us <= 0) {
        step_us = duration_us;
    }
    for (int64_t until_us = step_us;; until_us += step_us) {
        if (until_us > duration_us) {
            until_us = duration_us;
        }
        int rc = sim_engine_run_until(&w->engine, until_us);
        if (rc == RL_OK && w->fleet.first_error != RL_OK) {
            rc = w->fleet.first_error;
        }
        if (rc != RL_OK) {
            return rc;
        }
        if (progress != NULL) {
            progress(progress_context, until_us, duration_us, w->engine.events_run);
        }
        if (until_us == duration_us) {
            return RL_OK;
        }
    }
}

int sim_run(const scenario *s, metrics *out, sim_run_stats *stats, sim_progress_fn progress,
            void *progress_context, rl_error *err) {
    memset(stats, 0, sizeof *stats);
    int rc = metrics_init(out, s);
    if (rc != RL_OK) {
        return rl_error_set(err, rc, "not enough memory for the metrics of %lld pods",
                            (long long)scenario_pod_count(s));
    }
    sim_world *w = rl_calloc(1, sizeof *w);
    if (w == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the simulation");
    }
    rc = world_init(w, s, out);
    if (rc != RL_OK) {
        world_destroy(w);
        rl_free(w);
        return rl_error_set(err, rc, "could not set up the simulation: %s", rl_strerror(rc));
    }
    fleet_start(&w->fleet);
    rc = run_with_progress(w, progress, progress_context);
    if (rc != RL_OK) {
        rl_error_set(err, rc, "the simulation stopped at %.3f s of virtual time: %s",
                     (double)w->engine.now_us / 1e6, rl_strerror(rc));
    } else {
        fleet_finish(&w->fleet, s->duration_us);
        rc = metrics_finish(out, s->duration_us, w->apis, w->store.ops, w->store.queue_max, 0, err);
    }
    stats->events_run = w->engine.events_run;
    stats->jobs_alive_max = w->fleet.jobs_alive_max;
    stats->events_pending_max = w->engine.events_pending_max;
    world_destroy(w);
    rl_free(w);
    return rc;
}
