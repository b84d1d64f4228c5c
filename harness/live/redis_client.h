/* redis_client.h - a bounded pool of asynchronous Redis connections on a libuv loop.
 *
 * hiredis (0.14, async, through its libuv adapter) does the protocol; this module adds what
 * that version lacks: command timeouts (a sweep timer, below), a cap on reply sizes,
 * reconnection with exponential backoff and jitter, EVALSHA that recovers from NOSCRIPT (after
 * a server restart) by sending EVAL with the source, and a choice of connection per command
 * (the least loaded ready one). Commands on one connection are pipelined: many are written
 * before the first reply comes back.
 *
 * Every command submitted gets exactly one call of the done function: OK with the reply
 * (borrowed for the call; an error reply is OK too), REFUSED (no connection, or it broke) or
 * TIMEOUT; or none when the client is closed first (counted as unanswered). A command that
 * cannot be sent right away (no ready connection) fails on the next loop turn, never inside the
 * submitting call.
 *
 * A command's time starts when the loop is about to write it (a prepare handle stamps it just
 * before libuv polls for I/O), not when it was submitted, and before a connection is declared
 * dead the replies already waiting in its socket are read: a loop that falls behind (a loaded
 * machine) sees later answers, not a wall of timeouts. A reply over REPLY_LIMIT_BYTES_MAX
 * (reply_limit.h, checked after every read) drops its connection as refused.
 *
 * A command unanswered after the timeout fails alone (its late answer is dropped) while answers
 * still come on its connection; when none came since it was written, the connection is declared
 * dead: all its commands fail with TIMEOUT and it reconnects. */
#ifndef RATELAB_REDIS_CLIENT_H
#define RATELAB_REDIS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <uv.h>

#include "harness/core/rl_error.h"
#include "harness/core/rng.h"
#include "harness/live/lua_scripts.h"
#include "harness/live/reply_limit.h"

#define REDIS_CLIENT_CONNECTIONS_MAX 256
#define REDIS_CLIENT_SCRIPTS_MAX 16
#define REDIS_CLIENT_KEY_BYTES 192 /* prefix (64) + "limiter:" + a name (64) */
#define REDIS_CLIENT_SHA_BYTES 48
#define REDIS_CLIENT_ERROR_BYTES 160

typedef enum redis_client_status {
    REDIS_CLIENT_OK = 0,
    REDIS_CLIENT_REFUSED, /* no ready connection, or it broke before answering */
    REDIS_CLIENT_TIMEOUT  /* no answer within the timeout */
} redis_client_status;

/* Called once per command: tag as given, the status, and the reply when OK (else NULL). */
typedef void (*redis_client_done_fn)(void *context, uint64_t tag, redis_client_status status,
                                     const redisReply *reply);

typedef struct redis_client_config {
    const char *host; /* borrowed for the client's life */
    int port;
    const char *user;     /* NULL or "" for none */
    const char *password; /* NULL or "" for none */
    int db;
    int connections;           /* 1..REDIS_CLIENT_CONNECTIONS_MAX */
    int64_t timeout_us;        /* command and connect timeout; > 0 */
    int64_t reconnect_base_us; /* first reconnect delay; doubled per failed attempt */
    int64_t reconnect_cap_us;
    int64_t pipeline_max;      /* commands in flight per connection; more are refused */
} redis_client_config;

/* After redis_client_close: commands = ok + errors + refused + timeouts + unanswered. */
typedef struct redis_client_stats {
    int64_t commands;       /* submitted */
    int64_t ok;             /* answered, not with an error */
    int64_t errors;         /* answered with an error reply (OOM, NOPERM, LOADING, ...) */
    int64_t refused, timeouts;
    int64_t unanswered;     /* in flight or not sent yet when the client closed */
    int64_t oversized;      /* connections dropped for a reply over the cap */
    int64_t noscript_reloads;
    int64_t connects, disconnects;
    int64_t in_flight, in_flight_max;
} redis_client_stats;

struct redis_client;

typedef struct redis_conn {
    struct redis_client *client;
    redisAsyncContext *ac; /* NULL when down */
    int index;
    int state;             /* redis_conn_state (redis_client.c) */
    int attempts;          /* failed connects in a row, for backoff */
    int64_t state_since_us;
    int64_t last_reply_us; /* the last answer read (or the connect): is the server there? */
    int64_t in_flight;
    uint32_t head, tail;   /* commands in flight, oldest first (request indices) */
    uv_timer_t reconnect;
    reply_limit limit;     /* the cap on ac's replies */
} redis_conn;

typedef struct redis_script_slot {
    const lua_script *script;
    char sha[REDIS_CLIENT_SHA_BYTES];
} redis_script_slot;

typedef struct redis_client {
    uv_loop_t *loop; /* borrowed */
    redis_client_config config;
    redis_client_done_fn done;
    void *context;
    rng random;
    redis_conn *conns;
    int conn_count;
    redis_script_slot scripts[REDIS_CLIENT_SCRIPTS_MAX];
    int script_count;
    struct redis_request *requests;
    uint32_t request_capacity;
    uint32_t free_requests;
    uint32_t failed_head, failed_tail; /* to fail on the next loop turn */
    uv_timer_t sweep;   /* checks timeouts */
    uv_timer_t failer;  /* delivers the failed queue */
    uv_prepare_t stamper; /* starts the clock of commands about to be written */
    uv_check_t capper;    /* after each poll: drops a connection whose reply is over the cap */
    bool unstamped;       /* some command in flight has no send time yet */
    uint64_t start_ns;
    int handles_open;   /* libuv handles not yet closed */
    bool closing;
    redis_client_stats stats;
    char error_first[REDIS_CLIENT_ERROR_BYTES]; /* what first went wrong, printable; "" */
} redis_client;

/* Prepares c on loop (borrowed) and starts connecting every connection. cfg's strings are
 * borrowed. Returns 0, or RL_ERR_NOMEM / RL_ERR_INVALID. After success the caller calls
 * redis_client_close, runs the loop until redis_client_closed, then redis_client_destroy. */
int redis_client_init(redis_client *c, uv_loop_t *loop, const redis_client_config *cfg,
                      redis_client_done_fn done, void *context, uint64_t seed, rl_error *err);

/* Registers script (static) with its SHA1 from SCRIPT LOAD; its index goes to *index. Returns 0
 * or RL_ERR_LIMIT. */
int redis_client_script_add(redis_client *c, const lua_script *script, const char *sha,
                            int *index);

/* Calls script index on key with args (copied). Reports through done with tag. */
void redis_client_evalsha(redis_client *c, int script, const char *key,
                          const lua_script_args *args, uint64_t tag);

/* Sends any command (argv copied). Reports through done with tag. */
void redis_client_command(redis_client *c, int argc, const char **argv, const size_t *lengths,
                          uint64_t tag);

/* What first went wrong on c (the server's error reply, a broken or oversized connection, a
 * timeout), printable ASCII; "" when nothing did. Owned by c. */
const char *redis_client_error_first(const redis_client *c);

/* How many connections are ready for commands. */
int redis_client_ready_count(const redis_client *c);

/* Drops every connection (their commands are not reported) and closes the timers. */
void redis_client_close(redis_client *c);

/* True once every libuv handle of a closing client has closed. */
bool redis_client_closed(const redis_client *c);

/* Frees what c allocated; after redis_client_closed (or a failed init). */
void redis_client_destroy(redis_client *c);

#endif
