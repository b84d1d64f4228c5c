/* live_world.c - the live world: implements pod_env with libuv, wall-clock time, a real Redis
 * (redis_client.h) and the mock API models decided in-process at wall-clock time. Mirrors
 * harness/sim/sim_run.c: the same fleet, metrics and API models, another clock. */
#include "harness/live/live_run.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rng_streams.h"
#include "harness/live/live_faults.h"
#include "harness/live/live_world.h"
#include "harness/metrics/metrics.h"
#include "harness/model/api_side.h"
#include "harness/model/fleet.h"

/* Random stream ids of entities other than pods (pods use 1..pod count), as in sim_run.c. */
/* Heap events handled per tick before the loop gets a turn (signals, replies). */
#define LIVE_TICK_EVENTS_MAX 20000
#define LIVE_CONNECTIONS_DEFAULT 8
#define LIVE_PIPELINE_MAX 100000

int64_t live_world_now_us(const live_world *w) {
    return (int64_t)((uv_hrtime() - w->start_ns) / 1000);
}

static void on_tick(uv_timer_t *timer);

/* Arms the tick for the earliest pending event (or the run's end). */
static void world_arm(live_world *w) {
    if (w->stopping) {
        return;
    }
    const timer_heap_entry *next = timer_heap_peek(&w->heap);
    int64_t due_us = next != NULL && next->due_us < w->end_us ? next->due_us : w->end_us;
    int64_t delay_us = due_us - live_world_now_us(w);
    uint64_t delay_ms = delay_us > 0 ? (uint64_t)((delay_us + 999) / 1000) : 0;
    w->armed_due_us = due_us;
    uv_timer_start(&w->tick, on_tick, delay_ms, 0);
}

void live_world_push(live_world *w, int64_t due_us, int kind, uint64_t target, int64_t arg) {
    if (w->stopping) {
        return;
    }
    int rc = timer_heap_push(&w->heap, due_us, kind, target, arg);
    if (rc != RL_OK) {
        live_world_fail(w, rc, "out of memory for timers");
        return;
    }
    if (due_us < w->armed_due_us) {
        world_arm(w);
    }
}

void live_world_fail(live_world *w, int code, const char *what) {
    if (w->first_error == RL_OK) {
        w->first_error = code;
        rl_error_set(&w->error, code, "%s", what);
    }
    live_world_stop(w, false);
}

static int64_t env_now_us(void *world) {
    return live_world_now_us(world);
}

static void env_timer_start(void *world, int64_t delay_us, fleet_timer_kind kind,
                            uint64_t target) {
    live_world *w = world;
    live_world_push(w, live_world_now_us(w) + delay_us, (int)kind, target, 0);
}

static void env_api_call(void *world, uint64_t job_token, int api_index) {
    live_world *w = world;
    api_side_answer answer;
    int rc = api_side_call(&w->apis[api_index], api_index, live_world_now_us(w),
                           metrics_observer(w->metrics), &answer);
    if (rc != RL_OK) {
        live_world_fail(w, rc, "the API model ran out of memory");
        return;
    }
    live_world_push(w, answer.due_us, LIVE_EVENT_API_REPLY, job_token, answer.packed);
}

static const pod_env_ops live_env_ops = {
    .now_us = env_now_us,
    .timer_start = env_timer_start,
    .store_limiter_call = live_store_limiter_call,
    .store_limiter_observe = live_store_limiter_observe,
    .store_command = live_store_command,
    .api_call = env_api_call,
};

static void dispatch(live_world *w, const timer_heap_entry *e) {
    w->events_run++;
    switch (e->kind) {
    case FLEET_TIMER_POD_WAKE:
    case FLEET_TIMER_ARRIVAL:
    case FLEET_TIMER_JOB:
    case FLEET_TIMER_FAULT: fleet_on_timer(&w->fleet, (fleet_timer_kind)e->kind, e->target); break;
    case LIVE_EVENT_API_REPLY: {
        api_response response = api_side_unpack(e->arg);
        fleet_on_api_reply(&w->fleet, e->target, &response);
        break;
    }
    case LIVE_EVENT_STORE_LOCAL: {
        store_reply answer = {.status = STORE_REPLY_OK,
                              .decision = {.allowed = true, .wait_us = 0},
                              .decided_at_us = live_world_now_us(w)};
        fleet_on_store_reply(&w->fleet, e->target, &answer);
        break;
    }
    case LIVE_EVENT_FAULT_BEGIN:
    case LIVE_EVENT_FAULT_END:
        live_faults_apply(w, (int)e->target, e->kind == LIVE_EVENT_FAULT_BEGIN);
        break;
    case LIVE_EVENT_PROGRESS:
        if (w->progress != NULL) {
            w->progress(w->progress_context, live_world_now_us(w), w->end_us);
        }
        live_world_push(w, live_world_now_us(w) + 1000000, LIVE_EVENT_PROGRESS, 0, 0);
        break;
    }
}

static void on_tick(uv_timer_t *timer) {
    live_world *w = timer->data;
    int64_t now_us = live_world_now_us(w);
    w->armed_due_us = INT64_MAX;
    for (int n = 0; n < LIVE_TICK_EVENTS_MAX && !w->stopping; n++) {
        const timer_heap_entry *next = timer_heap_peek(&w->heap);
        if (next == NULL || next->due_us > now_us || next->due_us >= w->end_us) {
            break;
        }
        timer_heap_entry e;
        timer_heap_pop(&w->heap, &e);
        if (now_us - e.due_us > w->loop_late_max_us) {
            w->loop_late_max_us = now_us - e.due_us;
        }
        dispatch(w, &e);
    }
    if (w->fleet.first_error != RL_OK) {
        live_world_fail(w, w->fleet.first_error, "the pods ran out of room for jobs");
    }
    if (!w->stopping && now_us >= w->end_us) {
        live_world_stop(w, false);
        return;
    }
    world_arm(w);
}

static void on_signal(uv_signal_t *handle, int signum) {
    (void)signum;
    live_world *w = handle->data;
    live_world_stop(w, true);
}

static void on_closed(uv_handle_t *handle) {
    (void)handle;
}

void live_world_stop(live_world *w, bool interrupted) {
    if (w->stopping) {
        return;
    }
    int64_t now_us = live_world_now_us(w);
    w->stopping = true;
    w->partial = interrupted;
    w->stopped_at_us = interrupted && now_us < w->end_us ? now_us : w->end_us;
    uv_close((uv_handle_t *)&w->tick, on_closed);
    uv_close((uv_handle_t *)&w->sigint, on_closed);
    uv_close((uv_handle_t *)&w->sigterm, on_closed);
    redis_client_close(&w->client);
    live_faults_close(w);
}

/* Sets up the loop, the client, the APIs and the pods. */
static int world_init(live_world *w, rl_error *err) {
    const scenario *s = w->scenario;
    timer_heap_init(&w->heap);
    live_store_init(w);
    w->armed_due_us = INT64_MAX;
    w->end_us = s->duration_us;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        return rl_error_set(err, RL_ERR_IO, "libuv: %s", uv_strerror(rc));
    }
    w->loop_ready = true;
    rc = live_faults_init(w, err); /* the proxy, when the scenario has store faults */
    if (rc != RL_OK) {
        return rc;
    }
    redis_client_config cfg = {
        .host = w->client_host,
        .port = w->client_port,
        .user = w->url.user,
        .password = w->url.password,
        .db = w->url.db,
        .connections = w->options.connections > 0 ? w->options.connections
                                                  : LIVE_CONNECTIONS_DEFAULT,
        .timeout_us = s->store.timeout_us, /* live_setup checked it is at least 1 ms */
        .reconnect_base_us = 10000,
        .reconnect_cap_us = 1000000,
        .pipeline_max = LIVE_PIPELINE_MAX,
    };
    rc = redis_client_init(&w->client, &w->loop, &cfg, live_store_on_done, w,
                           s->seed ^ RNG_STREAM_LIVE_CLIENT, err);
    if (rc != RL_OK) {
        return rc;
    }
    w->client_ready = true;
    for (int i = 0; i < s->limiter_count; i++) {
        w->limiter_script[i] = -1;
        if (w->limiter_sha[i][0] != '\0') {
            const lua_script *script = lua_script_for(s->limiters[i].config.algorithm);
            rc = redis_client_script_add(&w->client, script, w->limiter_sha[i],
                                         &w->limiter_script[i]);
            if (rc != RL_OK) {
                return rl_error_set(err, rc, "too many shared limiters for one client");
            }
        }
    }
    w->lock_release_script = -1;
    if (w->lock_release_sha[0] != '\0') {
        rc = redis_client_script_add(&w->client, lua_script_find("lock_release"),
                                     w->lock_release_sha, &w->lock_release_script);
        if (rc != RL_OK) {
            return rl_error_set(err, rc, "too many shared limiters for one client");
        }
    }
    for (int i = 0; rc == RL_OK && i < s->api_count; i++) {
        rc = api_model_init(&w->apis[i], &s->apis[i].config, s->seed, rng_stream_api(i));
        if (rc == RL_OK) {
            w->apis_ready++;
        }
    }
    if (rc == RL_OK) {
        pod_env env = {.ops = &live_env_ops, .world = w};
        rc = fleet_init(&w->fleet, s, env, metrics_observer(w->metrics), s->seed, err);
        w->fleet_ready = rc == RL_OK;
        if (rc != RL_OK && err->code != RL_OK) {
            return rc;
        }
    }
    if (rc != RL_OK) {
        return rl_error_set(err, rc, "could not set up the pods: %s", rl_strerror(rc));
    }
    uv_timer_init(&w->loop, &w->tick);
    w->tick.data = w;
    uv_signal_init(&w->loop, &w->sigint);
    uv_signal_init(&w->loop, &w->sigterm);
    w->sigint.data = w;
    w->sigterm.data = w;
    return RL_OK;
}

/* Runs the loop until every connection is up (by the set-up's deadline); they connect in the
 * background. */
static int world_wait_connected(live_world *w, rl_error *err) {
    while (redis_client_ready_count(&w->client) < w->client.conn_count) {
        if (uv_hrtime() > w->setup_deadline_ns) {
            const char *why = redis_client_error_first(&w->client);
            return rl_error_set(err, RL_ERR_IO,
                                "could not open %d connections to %s within the set-up's 5 s%s%s",
                                w->client.conn_count, w->stats_server, why[0] != '\0' ? ": " : "",
                                why);
        }
        uv_run(&w->loop, UV_RUN_NOWAIT);
        uv_sleep(1);
    }
    return RL_OK;
}

static void world_destroy(live_world *w) {
    if (w->fleet_ready) {
        fleet_destroy(&w->fleet);
    }
    for (int i = 0; i < w->apis_ready; i++) {
        api_model_destroy(&w->apis[i]);
    }
    if (w->loop_ready) {
        if (w->client_ready && !w->stopping) {
            redis_client_close(&w->client);
            live_faults_close(w);
            w->stopping = true;
        }
        uv_walk(&w->loop, live_world_close_walk, NULL);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_loop_close(&w->loop);
    }
    if (w->client_ready) {
        redis_client_destroy(&w->client);
    }
    live_faults_destroy(w);
    live_store_destroy(w);
    timer_heap_destroy(&w->heap);
}

void live_world_close_walk(uv_handle_t *handle, void *arg) {
    (void)arg;
    if (!uv_is_closing(handle)) {
        uv_close(handle, NULL);
    }
}

static void fill_stats(const live_world *w, live_run_stats *stats) {
    stats->events_run = w->events_run;
    stats->jobs_alive_max = w->fleet.jobs_alive_max;
    stats->loop_late_max_us = w->loop_late_max_us;
    stats->partial = w->partial;
    stats->end_us = w->stopped_at_us;
    const redis_client_stats *c = &w->client.stats;
    stats->store_commands = c->commands;
    stats->store_ok = c->ok;
    stats->store_errors = c->errors;
    stats->store_refused = c->refused;
    stats->store_timeouts = c->timeouts;
    stats->store_unanswered = c->unanswered;
    stats->store_oversized = c->oversized;
    snprintf(stats->store_error_first, sizeof stats->store_error_first, "%s",
             redis_client_error_first(&w->client));
    stats->store_in_flight_max = c->in_flight_max;
    stats->store_reconnects = c->connects > 0 ? c->connects - w->client.conn_count : 0;
    stats->noscript_reloads = c->noscript_reloads;
}

/* Runs the loop from the pods' first wake-up to the end (or an interrupt); closes the books. */
static int world_run(live_world *w, live_run_stats *stats, rl_error *err) {
    int rc = world_wait_connected(w, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = live_setup_epoch(w, err); /* the server's clock at the run's start */
    if (rc != RL_OK) {
        return rc;
    }
    w->start_ns = uv_hrtime();
    w->client.start_ns = w->start_ns;
    w->run_started = true;
    uv_signal_start(&w->sigint, on_signal, SIGINT);
    uv_signal_start(&w->sigterm, on_signal, SIGTERM);
    live_faults_schedule(w);
    if (w->progress != NULL) {
        live_world_push(w, 1000000, LIVE_EVENT_PROGRESS, 0, 0);
    }
    fleet_start(&w->fleet);
    world_arm(w);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    fill_stats(w, stats);
    if (w->first_error != RL_OK) {
        return rl_error_set(err, w->first_error, "%s", w->error.message);
    }
    fleet_finish(&w->fleet, w->stopped_at_us);
    /* Redis's own queue is out of sight: queue_max is -1 (METRICS.md). */
    store_world_figures store = {.in_flight_max = w->client.stats.in_flight_max, .queue_max = -1};
    return metrics_finish(w->metrics, w->stopped_at_us, w->apis, store, err);
}

int live_run(const scenario *s, const live_options *options, metrics *out, live_run_stats *stats,
             live_progress_fn progress, void *progress_context, rl_error *err) {
    memset(stats, 0, sizeof *stats);
    int rc = metrics_init(out, s);
    if (rc != RL_OK) {
        return rl_error_set(err, rc, "not enough memory for the metrics");
    }
    live_world *w = rl_calloc(1, sizeof *w);
    if (w == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the live world");
    }
    w->scenario = s;
    w->options = *options;
    w->metrics = out;
    w->progress = progress;
    w->progress_context = progress_context;
    rl_error_clear(&w->error);
    rc = live_setup_begin(w, err); /* check, start or reach the server, load the scripts */
    if (rc == RL_OK) {
        rc = world_init(w, err);
    }
    if (rc == RL_OK) {
        rc = world_run(w, stats, err);
    }
    snprintf(stats->server, sizeof stats->server, "%s", w->stats_server);
    snprintf(stats->server_version, sizeof stats->server_version, "%s", w->stats_server_version);
    stats->server_embedded = w->server_started;
    world_destroy(w);
    live_setup_end(w, stats); /* delete the run's keys, stop the embedded server */
    rl_free(w);
    return rc;
}
