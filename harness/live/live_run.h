/* live_run.h - running a scenario in the live world: a real Redis, wall-clock time, the same
 * pod logic (fleet.h through pod_env.h) and the same mock API models, on one libuv loop.
 *
 * Shared limiters (scope redis) run as Lua scripts in Redis (lua_scripts.h), by default at the
 * server's clock (TIME); lock-based ones (scope redis_lock) as plain commands under a lock in
 * Redis, the pods deciding (live_lock.h). Keys are ratelab:<run id>:..., which the run deletes
 * at its end, also after an interrupt (SIGINT/SIGTERM stop the run cleanly: the results are
 * marked partial).
 * Without a URL, the run starts its own redis-server on a free loopback port and stops it.
 * Store faults of the scenario (outages, added latency) are played live: a fault proxy between
 * the pods and Redis refuses, blackholes or delays; or the server is paused or killed. */
#ifndef RATELAB_LIVE_RUN_H
#define RATELAB_LIVE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

/* How a store outage is played live. */
typedef enum live_outage_method {
    LIVE_OUTAGE_PROXY = 0, /* the fault proxy refuses or blackholes, as the fault's mode says */
    LIVE_OUTAGE_PAUSE,     /* the server is frozen: SIGSTOP (own server) or CLIENT PAUSE */
    LIVE_OUTAGE_KILL       /* the server ratelab started is killed, restarted empty at the end */
} live_outage_method;

typedef struct live_options {
    const char *redis_url;     /* NULL: start an embedded redis-server */
    const char *server_binary; /* NULL: "redis-server" from PATH */
    int connections;           /* pool size; 0: 8 */
    bool local_clock;          /* limiters decide at the pods' clock instead of Redis TIME */
    live_outage_method outage_method;
} live_options;

/* Called about every second of wall time with how far the run got. */
typedef void (*live_progress_fn)(void *context, int64_t elapsed_us, int64_t duration_us);

typedef struct live_run_stats {
    uint64_t events_run;
    int64_t jobs_alive_max;
    int64_t loop_late_max_us; /* the most an event ran after its due time: how far the loop fell
                               * behind (a loaded machine); 1 ms is timer resolution */
    bool partial;             /* interrupted before its end */
    int64_t end_us;           /* where the run ended (duration, or earlier when partial) */
    /* Store commands (scripts and plain): store_commands = store_ok + store_errors +
     * store_refused + store_timeouts + store_unanswered. */
    int64_t store_commands;
    int64_t store_ok;         /* answered, not with an error */
    int64_t store_errors;     /* answered with an error reply (OOM, NOPERM, ...) */
    int64_t store_refused, store_timeouts;
    int64_t store_unanswered; /* still in flight (or not sent yet) when the run ended */
    int64_t store_oversized;  /* connections dropped for a reply over 1 MiB */
    int64_t store_in_flight_max, store_reconnects, noscript_reloads;
    char store_error_first[160]; /* what first went wrong with the store, printable; "" */
    int64_t keys_deleted;
    bool keys_cleanup_failed; /* the keys could not be deleted (keys_cleanup_error says why) */
    char keys_cleanup_error[256];
    char server[96];          /* redis://host:port/db, with no credentials */
    bool server_embedded;
    char server_version[32];  /* redis_version of INFO server; "" when it did not say */
} live_run_stats;

/* Runs s live and fills out (initialised here; the caller calls metrics_destroy, also after an
 * error). progress may be NULL. Returns 0, or RL_ERR_INVALID (a limiter of scope redis with no
 * Lua mirror, a store timeout below 1 ms, a killed server that ratelab did not start),
 * RL_ERR_IO (Redis unreachable, redis-server missing), RL_ERR_NOMEM or RL_ERR_INVARIANT with a
 * message in err. */
int live_run(const scenario *s, const live_options *options, metrics *out, live_run_stats *stats,
             live_progress_fn progress, void *progress_context, rl_error *err);

/* True when the store answered none of a finished run's commands well (each was an error
 * reply, refused, timed out or unanswered) although the scenario plans for no store failure (no
 * store outage, no expectation on the store's errors): the run then says nothing about its
 * limiters, and the CLI exits 3. why (why_size bytes) gets one line with the counts and the
 * first error (the server's own text). An interrupted run is never judged. */
bool live_run_store_failed(const scenario *s, const live_run_stats *stats, char *why,
                           size_t why_size);

#endif
