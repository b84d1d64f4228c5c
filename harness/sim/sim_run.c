/* sim_run.c - the simulated world: implements pod_env with events in virtual time. */
#include "harness/sim/sim_run.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rng_streams.h"
#include "harness/metrics/metrics.h"
#include "harness/model/api_side.h"
#include "harness/model/fleet.h"
#include "harness/sim/sim_engine.h"
#include "harness/sim/store_model.h"
#include "mock_api/api_model.h"

/* Random stream ids of entities other than pods (pods use 1..pod count). */

typedef struct sim_world {
    const scenario *scenario;
    sim_engine engine;
    store_model store;
    api_model apis[SCENARIO_APIS_MAX];
    int apis_ready;
    fleet fleet;
    metrics *metrics;
    struct store_request *requests; /* store requests in flight, by slot */
    uint32_t request_capacity;
    uint32_t request_free;          /* first free slot, or STORE_REQUEST_NIL */
    int64_t requests_in_flight;     /* slots taken: sent by the pods, not yet answered */
    int64_t requests_in_flight_max;
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

/* A store request in flight: what was asked, and the answer once the store has given it. The
 * event of its trip carries its slot's index; slots are reused, so steady state allocates
 * nothing. */
typedef struct store_request {
    uint64_t job_token;
    int64_t sent_us;
    bool is_command;     /* store_command, else a limiter call or observe */
    bool is_observe;     /* a limiter observe: fire-and-forget, no answer to the pod */
    int limiter_index;   /* limiter call, observe */
    int64_t cost;        /* limiter call */
    limiter_outcome outcome; /* observe */
    store_command command;
    store_reply reply;
    uint32_t next_free;
} store_request;

#define STORE_REQUEST_NIL UINT32_MAX

/* A free request slot, growing the pool when none is free; STORE_REQUEST_NIL without memory. */
static uint32_t store_request_take(sim_world *w) {
    if (w->request_free == STORE_REQUEST_NIL) {
        uint32_t old = w->request_capacity;
        uint32_t grown = old == 0 ? 1024 : old * 2;
        store_request *requests = rl_reallocarray(w->requests, grown, sizeof *requests);
        if (requests == NULL) {
            w->engine.first_error = RL_ERR_NOMEM;
            return STORE_REQUEST_NIL;
        }
        for (uint32_t i = old; i < grown; i++) {
            requests[i].next_free = i + 1 < grown ? i + 1 : STORE_REQUEST_NIL;
        }
        w->requests = requests;
        w->request_capacity = grown;
        w->request_free = old;
    }
    uint32_t slot = w->request_free;
    w->request_free = w->requests[slot].next_free;
    w->requests_in_flight++;
    if (w->requests_in_flight > w->requests_in_flight_max) {
        w->requests_in_flight_max = w->requests_in_flight;
    }
    return slot;
}

/* Returns the request slot to the free list. */
static void store_request_release(sim_world *w, uint64_t slot) {
    w->requests[slot].next_free = w->request_free;
    w->request_free = (uint32_t)slot;
    w->requests_in_flight--;
    assert(w->requests_in_flight >= 0);
}

/* The store's answer (or the client's timeout) reaches the pod. arg0: the request's slot. */
static void on_store_reply_event(void *context, uint64_t slot, int64_t unused) {
    sim_world *w = context;
    (void)unused;
    store_request *request = &w->requests[slot];
    uint64_t token = request->job_token;
    store_reply reply = request->reply;
    store_request_release(w, slot);
    fleet_on_store_reply(&w->fleet, token, &reply);
}

/* Delivers the request in slot's reply at_us (not before now). */
static void store_reply_at(sim_world *w, uint64_t slot, int64_t at_us) {
    int64_t delay_us = at_us > w->engine.now_us ? at_us - w->engine.now_us : 0;
    sim_engine_after(&w->engine, delay_us, on_store_reply_event, w, slot, 0);
}

/* A request reaches the store. During an outage it is refused at once or swallowed until the
 * client's timeout; otherwise it waits for the server, runs atomically at its start instant, and
 * its answer travels back, unless the client's timeout comes first (the command has still run).
 * arg0: the request's slot. */
static void on_store_arrival_event(void *context, uint64_t slot, int64_t unused) {
    sim_world *w = context;
    (void)unused;
    store_request *request = &w->requests[slot];
    int64_t now_us = w->engine.now_us;
    int64_t timeout_at_us = request->sent_us + w->scenario->store.timeout_us;
    memset(&request->reply, 0, sizeof request->reply);
    outage_mode mode;
    if (request->is_observe && store_model_outage_at(&w->store, now_us, &mode)) {
        store_request_release(w, slot); /* lost with the store: nobody waits for it */
        return;
    }
    if (store_model_outage_at(&w->store, now_us, &mode)) {
        if (mode == OUTAGE_REFUSE) {
            request->reply.status = STORE_REPLY_REFUSED;
            store_reply_at(w, slot, now_us + store_model_network_us(&w->store, now_us));
        } else {
            request->reply.status = STORE_REPLY_TIMEOUT;
            store_reply_at(w, slot, timeout_at_us);
        }
        return;
    }
    const store_config *config = &w->scenario->store;
    int64_t start_us, end_us;
    int rc = store_model_serve(&w->store, now_us,
                               request->is_command ? config->service_command_us
                                                   : config->service_script_us,
                               &start_us, &end_us);
    if (rc != RL_OK) {
        w->engine.first_error = rc;
        return;
    }
    if (request->is_observe) {
        store_model_limiter_observe(&w->store,
                                    &w->scenario->limiters[request->limiter_index].config,
                                    request->limiter_index, start_us, &request->outcome);
        store_request_release(w, slot);
        return;
    }
    if (request->is_command) {
        store_model_execute(&w->store, &request->command, start_us, &request->reply);
    } else {
        store_model_limiter_decide(&w->store, &w->scenario->limiters[request->limiter_index].config,
                                   request->limiter_index, start_us, request->cost,
                                   &request->reply.decision);
        request->reply.decided_at_us = start_us;
    }
    request->reply.status = STORE_REPLY_OK;
    int64_t answer_at_us = end_us + store_model_network_us(&w->store, end_us);
    if (answer_at_us > timeout_at_us) {
        request->reply.status = STORE_REPLY_TIMEOUT;
        answer_at_us = timeout_at_us;
    }
    store_reply_at(w, slot, answer_at_us);
}

/* Sends the request in slot on its way to the store. */
static void store_request_send(sim_world *w, uint32_t slot) {
    int64_t now_us = w->engine.now_us;
    w->requests[slot].sent_us = now_us;
    sim_engine_after(&w->engine, store_model_network_us(&w->store, now_us), on_store_arrival_event,
                     w, slot, 0);
}

static void world_store_limiter_call(void *world, uint64_t job_token, int limiter_index,
                                     int64_t cost) {
    sim_world *w = world;
    uint32_t slot = store_request_take(w);
    if (slot == STORE_REQUEST_NIL) {
        return;
    }
    store_request *request = &w->requests[slot];
    request->job_token = job_token;
    request->is_command = false;
    request->is_observe = false;
    request->limiter_index = limiter_index;
    request->cost = cost;
    store_request_send(w, slot);
}

static void world_store_limiter_observe(void *world, int limiter_index,
                                        const limiter_outcome *outcome) {
    sim_world *w = world;
    uint32_t slot = store_request_take(w);
    if (slot == STORE_REQUEST_NIL) {
        return;
    }
    store_request *request = &w->requests[slot];
    request->job_token = 0; /* no job waits for it */
    request->is_command = false;
    request->is_observe = true;
    request->limiter_index = limiter_index;
    request->outcome = *outcome;
    store_request_send(w, slot);
}

static void world_store_command(void *world, uint64_t job_token, const store_command *command) {
    sim_world *w = world;
    uint32_t slot = store_request_take(w);
    if (slot == STORE_REQUEST_NIL) {
        return;
    }
    store_request *request = &w->requests[slot];
    request->job_token = job_token;
    request->is_command = true;
    request->is_observe = false;
    request->command = *command;
    store_request_send(w, slot);
}

/* The API's answer reaches the pod. arg0: the job's token; arg1: Retry-After in us | status << 56
 * (Retry-After stays far below 2^56 us). */
static void on_api_reply_event(void *context, uint64_t job_token, int64_t packed) {
    sim_world *w = context;
    api_response response = api_side_unpack(packed);
    fleet_on_api_reply(&w->fleet, job_token, &response);
}

static void world_api_call(void *world, uint64_t job_token, int api_index) {
    sim_world *w = world;
    api_side_answer answer;
    int rc = api_side_call(&w->apis[api_index], api_index, w->engine.now_us,
                           metrics_observer(w->metrics), &answer);
    if (rc != RL_OK) {
        w->engine.first_error = rc;
        return;
    }
    sim_engine_after(&w->engine, answer.due_us - w->engine.now_us, on_api_reply_event, w,
                     job_token, answer.packed);
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

static void prefetch_job_event(void *context, uint64_t job_token, int64_t unused) {
    sim_world *w = context;
    (void)unused;
    fleet_prefetch_job(&w->fleet, job_token);
}

static const pod_env_ops sim_env_ops = {
    .now_us = world_now_us,
    .timer_start = world_timer_start,
    .store_limiter_call = world_store_limiter_call,
    .store_command = world_store_command,
    .store_limiter_observe = world_store_limiter_observe,
    .api_call = world_api_call,
};

static void world_destroy(sim_world *w) {
    fleet_destroy(&w->fleet);
    for (int i = 0; i < w->apis_ready; i++) {
        api_model_destroy(&w->apis[i]);
    }
    store_model_destroy(&w->store);
    sim_engine_destroy(&w->engine);
    rl_free(w->requests);
}

static int world_init(sim_world *w, const scenario *s, metrics *m, rl_error *err) {
    memset(w, 0, sizeof *w);
    w->request_free = UINT32_MAX; /* STORE_REQUEST_NIL: the pool grows on first use */
    w->scenario = s;
    w->metrics = m;
    int64_t pods = scenario_pod_count(s);
    int rc = sim_engine_init(&w->engine, (size_t)(pods < 1024 ? 1024 : pods + pods / 4));
    if (rc == RL_OK) {
        rc = store_model_init(&w->store, s, s->seed, RNG_STREAM_STORE);
    }
    for (int i = 0; rc == RL_OK && i < s->api_count; i++) {
        rc = api_model_init(&w->apis[i], &s->apis[i].config, s->seed, rng_stream_api(i));
        if (rc == RL_OK) {
            w->apis_ready++;
        }
    }
    if (rc == RL_OK) {
        pod_env env = {.ops = &sim_env_ops, .world = w};
        rc = fleet_init(&w->fleet, s, env, metrics_observer(m), s->seed, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
    if (rc == RL_OK && pods >= SIM_PREFETCH_PODS_MIN) { /* speed only: results are the same */
        rc = sim_engine_set_prefetch(&w->engine, on_timer_event, w, prefetch_timer_event);
        if (rc == RL_OK) {
            rc = sim_engine_set_prefetch(&w->engine, on_api_reply_event, w, prefetch_job_event);
        }
    }
    return rc;
}

/* Runs the world to the scenario's end, or until control's stop flag is set; the time reached
 * goes into *end_us (the duration, or the instant of the last event run when stopped). */
static int run_with_progress(sim_world *w, const sim_run_control *control, int64_t *end_us) {
    int64_t duration_us = w->scenario->duration_us;
    int64_t step_us = control->progress != NULL ? duration_us / 100 : duration_us;
    if (step_us <= 0) {
        step_us = duration_us;
    }
    uint64_t batch = control->stop != NULL ? SIM_RUN_STOP_EVENTS : UINT64_MAX;
    for (int64_t until_us = step_us;; until_us += step_us) {
        if (until_us > duration_us) {
            until_us = duration_us;
        }
        bool reached = false;
        while (!reached) {
            int rc = sim_engine_run_until_bounded(&w->engine, until_us, batch, &reached);
            if (rc == RL_OK && w->fleet.first_error != RL_OK) {
                rc = w->fleet.first_error;
            }
            if (rc != RL_OK) {
                return rc;
            }
            if (control->stop != NULL && *control->stop != 0) {
                *end_us = w->engine.now_us;
                return RL_OK;
            }
        }
        if (control->progress != NULL) {
            control->progress(control->progress_context, until_us, duration_us,
                              w->engine.events_run);
        }
        if (until_us == duration_us) {
            *end_us = duration_us;
            return RL_OK;
        }
    }
}

int sim_run(const scenario *s, metrics *out, sim_run_stats *stats, sim_progress_fn progress,
            void *progress_context, rl_error *err) {
    sim_run_control control = {.progress = progress, .progress_context = progress_context};
    return sim_run_controlled(s, out, stats, &control, err);
}

int sim_run_controlled(const scenario *s, metrics *out, sim_run_stats *stats,
                       const sim_run_control *control, rl_error *err) {
    sim_run_control none = {.progress = NULL};
    if (control == NULL) {
        control = &none;
    }
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
    rl_error_clear(err);
    rc = world_init(w, s, out, err);
    if (rc != RL_OK) {
        world_destroy(w);
        rl_free(w);
        if (err->code != RL_OK) {
            return rc; /* the fleet said what is wrong */
        }
        return rl_error_set(err, rc, "could not set up the simulation: %s", rl_strerror(rc));
    }
    fleet_start(&w->fleet);
    int64_t end_us = s->duration_us;
    rc = run_with_progress(w, control, &end_us);
    if (rc != RL_OK) {
        rl_error_set(err, rc, "the simulation stopped at %.3f s of virtual time: %s",
                     (double)w->engine.now_us / 1e6, rl_strerror(rc));
    } else {
        fleet_finish(&w->fleet, end_us);
        store_world_figures store = {.in_flight_max = w->requests_in_flight_max,
                                     .queue_max = w->store.queue_max};
        rc = metrics_finish(out, end_us, w->apis, store, err);
    }
    stats->events_run = w->engine.events_run;
    stats->jobs_alive_max = w->fleet.jobs_alive_max;
    stats->events_pending_max = w->engine.events_pending_max;
    stats->partial = end_us < s->duration_us;
    stats->end_us = end_us;
    world_destroy(w);
    rl_free(w);
    return rc;
}
