/* live_world.h - the live world's state, shared by live_world.c (the pod environment and the
 * loop), live_store.c (store requests and their answers), live_setup.c (server, scripts, keys,
 * clock) and live_faults.c (faults). Internal to harness/live: callers use live_run.h. */
#ifndef RATELAB_LIVE_WORLD_H
#define RATELAB_LIVE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "harness/core/rl_error.h"
#include "harness/live/fault_proxy.h"
#include "harness/live/live_run.h"
#include "harness/live/redis_client.h"
#include "harness/live/redis_server.h"
#include "harness/live/redis_url.h"
#include "harness/live/timer_heap.h"
#include "harness/model/fleet.h"
#include "harness/scenario/scenario.h"
#include "mock_api/api_model.h"

/* Kinds of heap events besides the fleet's own timers (fleet_timer_kind 0..3). */
enum {
    LIVE_EVENT_API_REPLY = 16, /* target: job token; arg: Retry-After us | status << 56 */
    LIVE_EVENT_STORE_LOCAL,    /* target: job token; a shared "unlimited" limiter answers */
    LIVE_EVENT_FAULT_BEGIN,    /* target: fault index */
    LIVE_EVENT_FAULT_END,
    LIVE_EVENT_PROGRESS
};

#define LIVE_PREFIX_BYTES 64
#define LIVE_SERVER_TEXT_BYTES 96

typedef struct live_world {
    const scenario *scenario; /* borrowed */
    live_options options;
    metrics *metrics; /* borrowed */
    live_progress_fn progress;
    void *progress_context;
    uv_loop_t loop;
    bool loop_ready;
    uv_timer_t tick; /* armed for the earliest heap event */
    uv_signal_t sigint, sigterm;
    timer_heap heap;
    int64_t armed_due_us;
    uint64_t start_ns; /* the run's time 0 (uv_hrtime) */
    int64_t end_us, stopped_at_us;
    bool stopping, partial;
    int first_error;
    rl_error error;
    /* The server. */
    redis_url url;
    redis_server server;
    bool server_started;
    char stats_server[LIVE_SERVER_TEXT_BYTES];
    char stats_server_version[32]; /* redis_version from INFO server, "" if not said */
    char client_host[REDIS_URL_PART_BYTES]; /* where pods connect: the server or the proxy */
    int client_port;
    fault_proxy proxy;
    bool proxy_started;
    bool server_paused_by_fault, server_killed_by_fault;
    bool client_paused_by_fault; /* CLIENT PAUSE sent to a server ratelab did not start */
    /* Shared limiters: script index in the client (-1: none), SHA1, key (scope redis: the
     * script's hash; redis_lock: the state). */
    redis_client client;
    bool client_ready;
    int limiter_script[SCENARIO_LIMITERS_MAX];
    char limiter_sha[SCENARIO_LIMITERS_MAX][REDIS_CLIENT_SHA_BYTES];
    char limiter_key[SCENARIO_LIMITERS_MAX][REDIS_CLIENT_KEY_BYTES];
    /* redis_lock limiters: the lock's key; the release script (index -1 and SHA1 "" when no
     * limiter has scope redis_lock). */
    char lock_key[SCENARIO_LIMITERS_MAX][REDIS_CLIENT_KEY_BYTES];
    int lock_release_script;
    char lock_release_sha[REDIS_CLIENT_SHA_BYTES];
    /* Store requests in flight (live_store.c): slots by the tag the client reports. */
    struct live_store_request *requests;
    uint32_t request_capacity;
    uint32_t request_free;
    char prefix[LIVE_PREFIX_BYTES]; /* ratelab:<run id>: */
    int64_t epoch_us;               /* the server's clock (TIME, us) at the run's time 0 */
    uint64_t setup_deadline_ns;     /* uv_hrtime by which the set-up must be done */
    bool run_started;               /* the pods started: there may be keys to delete */
    /* The pods and the APIs. */
    api_model apis[SCENARIO_APIS_MAX];
    int apis_ready;
    fleet fleet;
    bool fleet_ready;
    uint64_t events_run;
    int64_t loop_late_max_us; /* the most an event ran after its due time */
    int64_t store_calls;
} live_world;

/* Wall-clock microseconds since the run's time 0. */
int64_t live_world_now_us(const live_world *w);

/* Schedules a heap event at due_us (run-relative). */
void live_world_push(live_world *w, int64_t due_us, int kind, uint64_t target, int64_t arg);

/* Records the run's first error (what: one line) and stops the run. */
void live_world_fail(live_world *w, int code, const char *what);

/* Stops the run: at its end, or now when interrupted (the results are then partial). */
void live_world_stop(live_world *w, bool interrupted);

/* uv_walk callback closing every handle not closing yet. */
void live_world_close_walk(uv_handle_t *handle, void *arg);

/* Prepares w's pool of store request slots (empty; it grows on first use). */
void live_store_init(live_world *w);

/* Frees the pool of store request slots. */
void live_store_destroy(live_world *w);

/* pod_env's store_limiter_call: a Lua call in Redis (or an answer on the next turn for a
 * shared "unlimited" limiter). world is a live_world. */
void live_store_limiter_call(void *world, uint64_t job_token, int limiter_index, int64_t cost);

/* pod_env's store_limiter_observe: the limiter's Lua script with the observe arguments
 * (lua_script_args_fill_observe); its answer is dropped. */
void live_store_limiter_observe(void *world, int limiter_index, const limiter_outcome *outcome);

/* pod_env's store_command: a redis_lock step as a Redis command (live_lock.h). world is a
 * live_world; command is used before the call returns. */
void live_store_command(void *world, uint64_t job_token, const store_command *command);

/* The Redis client's done function (context: the live_world): turns the reply into a
 * store_reply for the pod whose request it was. reply is borrowed for the call. */
void live_store_on_done(void *context, uint64_t tag, redis_client_status status,
                        const redisReply *reply);

/* Checks what live needs of s, starts or reaches the server, loads the scripts and names the
 * run's keys (live_setup.c). Returns 0 or an RL_ERR_* with a message. */
int live_setup_begin(live_world *w, rl_error *err);

/* Reads the server's clock into w->epoch_us, just before the run's time 0. */
int live_setup_epoch(live_world *w, rl_error *err);

/* Deletes the run's keys and stops the embedded server; records what happened in stats. */
void live_setup_end(live_world *w, live_run_stats *stats);

#endif
