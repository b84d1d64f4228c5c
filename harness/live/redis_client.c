/* redis_client.c - pooled async Redis connections with timeouts, reconnects and NOSCRIPT
 * recovery (see redis_client.h). */
#include "harness/live/redis_client.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#include <hiredis/adapters/libuv.h>
#pragma GCC diagnostic pop

#include "harness/core/rl_alloc.h"
#include "harness/core/rng_streams.h"
#include "harness/live/live_text.h"

#define NIL UINT32_MAX
#define REQUESTS_INITIAL 256

typedef enum redis_conn_state { CONN_DOWN = 0, CONN_CONNECTING, CONN_UP } redis_conn_state;

typedef enum request_state {
    REQ_FREE = 0,
    REQ_FAILING,   /* in the failed queue, reported on the next loop turn */
    REQ_IN_FLIGHT, /* sent on a connection, not reported yet */
    REQ_ABANDONED  /* reported (timeout or close); waiting for hiredis to let go of it */
} request_state;

#define SENT_NOT_YET (-1) /* sent_us of a command the loop has not written yet */
/* Read rounds (16 KiB each, hiredis's read size) a sweep spends on one connection's waiting
 * replies before judging it. */
#define SWEEP_READS_MAX 64

typedef struct redis_request {
    uint64_t tag;
    int64_t sent_us; /* when the loop was about to write it, or SENT_NOT_YET */
    uint32_t prev, next; /* the connection's in-flight list, or the free or failed list */
    int conn;
    int script; /* -1 for a plain command */
    bool reloaded;
    uint8_t state;
    uint8_t fail_status;
    char key[REDIS_CLIENT_KEY_BYTES];
    lua_script_args args;
} redis_request;

static int64_t client_now_us(const redis_client *c) {
    return (int64_t)((uv_hrtime() - c->start_ns) / 1000);
}

static uint32_t request_alloc(redis_client *c) {
    if (c->free_requests == NIL) {
        uint32_t grown = c->request_capacity == 0 ? REQUESTS_INITIAL : c->request_capacity * 2;
        redis_request *requests = rl_reallocarray(c->requests, grown, sizeof *requests);
        if (requests == NULL) {
            return NIL;
        }
        for (uint32_t i = c->request_capacity; i < grown; i++) {
            requests[i].state = REQ_FREE;
            requests[i].next = i + 1 < grown ? i + 1 : NIL;
        }
        c->free_requests = c->request_capacity;
        c->requests = requests;
        c->request_capacity = grown;
    }
    uint32_t id = c->free_requests;
    c->free_requests = c->requests[id].next;
    redis_request *q = &c->requests[id];
    q->prev = q->next = NIL;
    q->conn = -1;
    q->script = -1;
    q->reloaded = false;
    q->state = REQ_FAILING;
    return id;
}

static void request_free(redis_client *c, uint32_t id) {
    c->requests[id].state = REQ_FREE;
    c->requests[id].next = c->free_requests;
    c->free_requests = id;
}

static void list_push(redis_client *c, redis_conn *conn, uint32_t id) {
    redis_request *q = &c->requests[id];
    q->prev = conn->tail;
    q->next = NIL;
    if (conn->tail == NIL) {
        conn->head = id;
    } else {
        c->requests[conn->tail].next = id;
    }
    conn->tail = id;
    conn->in_flight++;
    c->stats.in_flight++;
    if (c->stats.in_flight > c->stats.in_flight_max) {
        c->stats.in_flight_max = c->stats.in_flight;
    }
}

static void list_remove(redis_client *c, redis_conn *conn, uint32_t id) {
    redis_request *q = &c->requests[id];
    if (q->prev == NIL) {
        conn->head = q->next;
    } else {
        c->requests[q->prev].next = q->next;
    }
    if (q->next == NIL) {
        conn->tail = q->prev;
    } else {
        c->requests[q->next].prev = q->prev;
    }
    q->prev = q->next = NIL;
    conn->in_flight--;
    c->stats.in_flight--;
}

/* Reports id to the caller. The record stays as it is (the caller of finish frees it). */
/* Records what first went wrong: what (ours), then text (the server's or hiredis's: any bytes,
 * made printable). Later ones are not kept: the first explains the rest. */
static void note_error(redis_client *c, const char *what, const char *text, size_t length) {
    if (c->error_first[0] != '\0' || c->closing) {
        return;
    }
    size_t what_length = strlen(what);
    assert(what_length + 4 <= sizeof c->error_first);
    memcpy(c->error_first, what, what_length);
    live_text_printable(c->error_first + what_length, sizeof c->error_first - what_length, text,
                        length);
}

/* note_error for a message of our own. */
static void note_text(redis_client *c, const char *text) {
    note_error(c, "", text, strlen(text));
}

static void finish(redis_client *c, uint32_t id, redis_client_status status,
                   const redisReply *reply) {
    switch (status) {
    case REDIS_CLIENT_OK:
        if (reply->type == REDIS_REPLY_ERROR) {
            c->stats.errors++;
            note_error(c, "the server answered: ", reply->str, reply->len);
        } else {
            c->stats.ok++;
        }
        break;
    case REDIS_CLIENT_REFUSED: c->stats.refused++; break;
    case REDIS_CLIENT_TIMEOUT: c->stats.timeouts++; break;
    }
    c->done(c->context, c->requests[id].tag, status, reply);
}

static void on_failer(uv_timer_t *timer) {
    redis_client *c = timer->data;
    uint32_t last = c->failed_tail; /* failures added while reporting wait for the next turn */
    while (c->failed_head != NIL && !c->closing) {
        uint32_t id = c->failed_head;
        c->failed_head = c->requests[id].next;
        if (c->failed_head == NIL) {
            c->failed_tail = NIL;
        }
        finish(c, id, (redis_client_status)c->requests[id].fail_status, NULL);
        request_free(c, id);
        if (id == last) {
            break;
        }
    }
    if (c->failed_head != NIL && !c->closing) {
        uv_timer_start(&c->failer, on_failer, 0, 0);
    }
}

/* Queues id to fail with status on the next loop turn. */
static void fail_later(redis_client *c, uint32_t id, redis_client_status status) {
    redis_request *q = &c->requests[id];
    q->state = REQ_FAILING;
    q->fail_status = (uint8_t)status;
    q->next = NIL;
    if (c->failed_tail == NIL) {
        c->failed_head = id;
        uv_timer_start(&c->failer, on_failer, 0, 0);
    } else {
        c->requests[c->failed_tail].next = id;
    }
    c->failed_tail = id;
}

static void conn_drop(redis_client *c, redis_conn *conn, redis_client_status status);

static void on_reply(redisAsyncContext *ac, void *r, void *privdata);

/* Sends request id's script call on conn: EVALSHA, or EVAL with the source after NOSCRIPT. */
static int send_script(redis_client *c, redis_conn *conn, uint32_t id) {
    redis_request *q = &c->requests[id];
    const redis_script_slot *slot = &c->scripts[q->script];
    const char *argv[4 + LUA_SCRIPT_ARGS_MAX];
    size_t lengths[4 + LUA_SCRIPT_ARGS_MAX];
    argv[0] = q->reloaded ? "EVAL" : "EVALSHA";
    argv[1] = q->reloaded ? slot->script->source : slot->sha;
    lengths[0] = strlen(argv[0]);
    lengths[1] = q->reloaded ? slot->script->source_bytes : strlen(slot->sha);
    argv[2] = "1";
    lengths[2] = 1;
    argv[3] = q->key;
    lengths[3] = strlen(q->key);
    for (int i = 0; i < q->args.count; i++) {
        argv[4 + i] = q->args.argv[i];
        lengths[4 + i] = q->args.lengths[i];
    }
    return redisAsyncCommandArgv(conn->ac, on_reply, (void *)(uintptr_t)id, 4 + q->args.count,
                                 argv, lengths);
}

static void on_reply(redisAsyncContext *ac, void *r, void *privdata) {
    redis_conn *conn = ac->data;
    redis_client *c = conn->client;
    uint32_t id = (uint32_t)(uintptr_t)privdata;
    const redisReply *reply = r;
    if (c->requests[id].state == REQ_IN_FLIGHT) {
        list_remove(c, conn, id);
        redis_request *q = &c->requests[id];
        if (reply == NULL) {
            finish(c, id, REDIS_CLIENT_REFUSED, NULL);
        } else if (reply->type == REDIS_REPLY_ERROR && q->script >= 0 && !q->reloaded &&
                   strncmp(reply->str, "NOSCRIPT", 8) == 0 && !c->closing) {
            /* The server lost its script cache (a restart): send the source once. */
            q->reloaded = true;
            c->stats.noscript_reloads++;
            if (send_script(c, conn, id) == REDIS_OK) {
                q->sent_us = SENT_NOT_YET; /* a new command: its own time */
                c->unstamped = true;
                list_push(c, conn, id);
                return; /* hiredis calls back again for the EVAL */
            }
            finish(c, id, REDIS_CLIENT_REFUSED, NULL);
        } else {
            conn->attempts = 0; /* the server answers: reconnects start from the base again */
            finish(c, id, REDIS_CLIENT_OK, reply);
        }
    }
    if (reply != NULL && conn->ac == ac) {
        conn->last_reply_us = client_now_us(c); /* also a late answer: the server is there */
    }
    request_free(c, id);
}

static void on_reconnect(uv_timer_t *timer);

static void schedule_reconnect(redis_client *c, redis_conn *conn) {
    if (c->closing) {
        return;
    }
    int shift = conn->attempts < 20 ? conn->attempts : 20;
    int64_t delay_us = c->config.reconnect_base_us << shift;
    if (delay_us > c->config.reconnect_cap_us) {
        delay_us = c->config.reconnect_cap_us;
    }
    delay_us = delay_us / 2 + (int64_t)rng_below(&c->random, (uint64_t)delay_us / 2 + 1);
    conn->attempts++;
    uv_timer_start(&conn->reconnect, on_reconnect, (uint64_t)(delay_us + 999) / 1000, 0);
}

static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata) {
    (void)privdata;
    redis_conn *conn = ac->data;
    const redisReply *reply = r;
    if (conn->ac == ac && reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        note_error(conn->client, "AUTH or SELECT: ", reply->str, reply->len);
        conn_drop(conn->client, conn, REDIS_CLIENT_REFUSED); /* wrong password or db */
    }
}

static void on_connect(const redisAsyncContext *ac, int status) {
    redis_conn *conn = ac->data;
    redis_client *c = conn->client;
    if (conn->ac != ac) {
        return;
    }
    if (status != REDIS_OK) {
        note_error(c, "connect: ", ac->errstr, strlen(ac->errstr));
        conn->ac = NULL; /* hiredis frees it */
        conn->state = CONN_DOWN;
        conn->state_since_us = client_now_us(c);
        schedule_reconnect(c, conn);
        return;
    }
    c->stats.connects++;
    redisAsyncContext *mutable_ac = conn->ac;
    const redis_client_config *cfg = &c->config;
    if (cfg->password != NULL && cfg->password[0] != '\0') {
        if (cfg->user != NULL && cfg->user[0] != '\0') {
            redisAsyncCommand(mutable_ac, on_setup_reply, NULL, "AUTH %s %s", cfg->user,
                              cfg->password);
        } else {
            redisAsyncCommand(mutable_ac, on_setup_reply, NULL, "AUTH %s", cfg->password);
        }
    }
    if (cfg->db != 0) {
        redisAsyncCommand(mutable_ac, on_setup_reply, NULL, "SELECT %d", cfg->db);
    }
    conn->state = CONN_UP;
    conn->state_since_us = client_now_us(c);
    conn->last_reply_us = conn->state_since_us;
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
    redis_conn *conn = ac->data;
    redis_client *c = conn->client;
    if (conn->ac != ac) {
        return; /* dropped by us: handled there */
    }
    if (conn->limit.exceeded) {
        c->stats.oversized++;
        note_text(c, "a reply larger than 1 MiB");
    } else if (status != REDIS_OK) {
        note_error(c, "connection lost: ", ac->errstr, strlen(ac->errstr));
    }
    conn->ac = NULL;
    conn->state = CONN_DOWN;
    conn->state_since_us = client_now_us(c);
    c->stats.disconnects++;
    while (conn->head != NIL) { /* hiredis has failed them already; this is a safety net */
        uint32_t id = conn->head;
        list_remove(c, conn, id);
        c->requests[id].state = REQ_ABANDONED;
        finish(c, id, REDIS_CLIENT_REFUSED, NULL);
    }
    schedule_reconnect(c, conn);
}

static void conn_connect(redis_client *c, redis_conn *conn) {
    conn->state_since_us = client_now_us(c);
    redisAsyncContext *ac = redisAsyncConnect(c->config.host, c->config.port);
    if (ac == NULL) {
        schedule_reconnect(c, conn);
        return;
    }
    if (ac->err != 0) {
        redisAsyncFree(ac);
        schedule_reconnect(c, conn);
        return;
    }
    ac->data = conn;
    if (redisLibuvAttach(ac, c->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        schedule_reconnect(c, conn);
        return;
    }
    reply_limit_attach(&conn->limit, ac->c.reader, REPLY_LIMIT_BYTES_MAX);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    conn->ac = ac;
    conn->state = CONN_CONNECTING;
}

static void on_reconnect(uv_timer_t *timer) {
    redis_conn *conn = timer->data;
    if (!conn->client->closing && conn->ac == NULL) {
        conn_connect(conn->client, conn);
    }
}

/* Declares conn dead: reports its commands with status (unless closing) and frees it. */
static void conn_drop(redis_client *c, redis_conn *conn, redis_client_status status) {
    redisAsyncContext *ac = conn->ac;
    if (ac == NULL) {
        return;
    }
    conn->ac = NULL;
    conn->state = CONN_DOWN;
    conn->state_since_us = client_now_us(c);
    c->stats.disconnects++;
    while (conn->head != NIL) {
        uint32_t id = conn->head;
        list_remove(c, conn, id);
        c->requests[id].state = REQ_ABANDONED;
        if (c->closing) {
            c->stats.unanswered++; /* the run is over: nobody waits for it any more */
        } else {
            finish(c, id, status, NULL);
        }
    }
    redisAsyncFree(ac); /* its callbacks see abandoned requests and free them */
    schedule_reconnect(c, conn);
}

/* Drops conn, whose reply being read is over the cap: its commands are refused. */
static void conn_drop_oversized(redis_client *c, redis_conn *conn) {
    c->stats.oversized++;
    note_text(c, "a reply larger than 1 MiB");
    conn_drop(c, conn, REDIS_CLIENT_REFUSED);
}

/* Fails conn's oldest command with TIMEOUT and leaves the connection alone: hiredis still
 * holds its callback, which frees the record when the late answer comes. */
static void conn_expire_head(redis_client *c, redis_conn *conn) {
    uint32_t id = conn->head;
    list_remove(c, conn, id);
    c->requests[id].state = REQ_ABANDONED;
    finish(c, id, REDIS_CLIENT_TIMEOUT, NULL);
}

/* True when conn's oldest command was written more than the timeout before now_us. */
static bool conn_overdue(const redis_client *c, const redis_conn *conn, int64_t now_us) {
    if (conn->state != CONN_UP || conn->head == NIL) {
        return false;
    }
    int64_t sent_us = c->requests[conn->head].sent_us;
    return sent_us != SENT_NOT_YET && now_us - sent_us > c->config.timeout_us;
}

/* Reads and delivers the replies already waiting in conn's socket (a loop that fell behind
 * may not have read them yet: timers run before I/O in each turn of the loop). */
static void conn_read_waiting(redis_client *c, redis_conn *conn) {
    for (int round = 0; round < SWEEP_READS_MAX; round++) {
        redisAsyncContext *ac = conn->ac;
        uint32_t head = conn->head;
        if (ac == NULL || head == NIL) {
            return;
        }
        size_t buffered = ac->c.reader->len;
        redisAsyncHandleRead(ac); /* nothing to read: EAGAIN, no harm */
        if (conn->ac != ac || (conn->head == head && ac->c.reader->len == buffered)) {
            return; /* dropped (broken, over the cap), or nothing came */
        }
        if (reply_limit_over(&conn->limit, ac->c.reader)) {
            conn_drop_oversized(c, conn);
            return;
        }
    }
}

static void on_sweep(uv_timer_t *timer) {
    redis_client *c = timer->data;
    int64_t now_us = client_now_us(c);
    for (int i = 0; i < c->conn_count; i++) {
        redis_conn *conn = &c->conns[i];
        if (conn->state == CONN_CONNECTING &&
            now_us - conn->state_since_us > c->config.timeout_us) {
            note_text(c, "a connection did not open within the timeout");
            conn_drop(c, conn, REDIS_CLIENT_REFUSED);
            continue;
        }
        if (!conn_overdue(c, conn, now_us)) {
            continue;
        }
        conn_read_waiting(c, conn);
        now_us = client_now_us(c);
        while (conn_overdue(c, conn, now_us)) {
            note_text(c, "no answer within the store timeout");
            if (conn->last_reply_us < c->requests[conn->head].sent_us) {
                /* Not a word since the oldest command went out: the connection is dead (a
                 * blackhole, a frozen server). Its commands fail; it reconnects. */
                conn_drop(c, conn, REDIS_CLIENT_TIMEOUT);
                break;
            }
            /* Answers come, only late (a busy server, a loaded machine): this command alone
             * times out, the connection and the commands behind it carry on. */
            conn_expire_head(c, conn);
        }
    }
}

/* Before the loop polls for I/O (and so writes what was submitted): starts the clock of every
 * command not stamped yet, the newest of each connection's list. */
static void on_stamp(uv_prepare_t *handle) {
    redis_client *c = handle->data;
    if (!c->unstamped) {
        return;
    }
    int64_t now_us = client_now_us(c);
    for (int i = 0; i < c->conn_count; i++) {
        uint32_t id = c->conns[i].tail;
        while (id != NIL && c->requests[id].sent_us == SENT_NOT_YET) {
            c->requests[id].sent_us = now_us;
            id = c->requests[id].prev;
        }
    }
    c->unstamped = false;
}

/* After the loop read what came: a connection whose reply is over the cap is dropped. */
static void on_cap_check(uv_check_t *handle) {
    redis_client *c = handle->data;
    for (int i = 0; i < c->conn_count; i++) {
        redis_conn *conn = &c->conns[i];
        if (conn->ac != NULL && reply_limit_over(&conn->limit, conn->ac->c.reader)) {
            conn_drop_oversized(c, conn);
        }
    }
}

static void on_handle_closed(uv_handle_t *handle) {
    redis_client *c = handle->data;
    if (handle->type == UV_TIMER && handle != (uv_handle_t *)&c->sweep &&
        handle != (uv_handle_t *)&c->failer) { /* a connection's reconnect timer */
        c = ((redis_conn *)handle->data)->client;
    }
    c->handles_open--;
}

int redis_client_init(redis_client *c, uv_loop_t *loop, const redis_client_config *cfg,
                      redis_client_done_fn done, void *context, uint64_t seed, rl_error *err) {
    memset(c, 0, sizeof *c);
    if (cfg->connections < 1 || cfg->connections > REDIS_CLIENT_CONNECTIONS_MAX ||
        cfg->timeout_us < 1000) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "redis client: 1 to %d connections and a timeout of at least 1 ms",
                            REDIS_CLIENT_CONNECTIONS_MAX);
    }
    c->loop = loop;
    c->config = *cfg;
    c->done = done;
    c->context = context;
    rng_seed(&c->random, seed, RNG_STREAM_REDIS_CLIENT);
    c->free_requests = NIL;
    c->failed_head = c->failed_tail = NIL;
    c->start_ns = uv_hrtime();
    c->conns = rl_calloc((size_t)cfg->connections, sizeof *c->conns);
    if (c->conns == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "redis client: out of memory");
    }
    c->conn_count = cfg->connections;
    uv_timer_init(loop, &c->sweep);
    uv_timer_init(loop, &c->failer);
    uv_prepare_init(loop, &c->stamper);
    uv_check_init(loop, &c->capper);
    c->sweep.data = c;
    c->failer.data = c;
    c->stamper.data = c;
    c->capper.data = c;
    c->handles_open = 4;
    uv_prepare_start(&c->stamper, on_stamp);
    uv_check_start(&c->capper, on_cap_check);
    int64_t sweep_ms = c->config.timeout_us / 8000;
    sweep_ms = sweep_ms < 1 ? 1 : sweep_ms > 50 ? 50 : sweep_ms;
    uv_timer_start(&c->sweep, on_sweep, (uint64_t)sweep_ms, (uint64_t)sweep_ms);
    for (int i = 0; i < c->conn_count; i++) {
        redis_conn *conn = &c->conns[i];
        conn->client = c;
        conn->index = i;
        conn->head = conn->tail = NIL;
        uv_timer_init(loop, &conn->reconnect);
        conn->reconnect.data = conn;
        c->handles_open++;
        conn_connect(c, conn);
    }
    return RL_OK;
}

int redis_client_script_add(redis_client *c, const lua_script *script, const char *sha,
                            int *index) {
    if (c->script_count == REDIS_CLIENT_SCRIPTS_MAX) {
        return RL_ERR_LIMIT;
    }
    redis_script_slot *slot = &c->scripts[c->script_count];
    slot->script = script;
    snprintf(slot->sha, sizeof slot->sha, "%s", sha);
    *index = c->script_count++;
    return RL_OK;
}

/* The ready connection with the fewest commands in flight (below the pipeline bound), or NULL. */
static redis_conn *conn_pick(redis_client *c) {
    redis_conn *best = NULL;
    for (int i = 0; i < c->conn_count; i++) {
        redis_conn *conn = &c->conns[i];
        if (conn->state == CONN_UP && conn->in_flight < c->config.pipeline_max &&
            (best == NULL || conn->in_flight < best->in_flight)) {
            best = conn;
        }
    }
    return best;
}

void redis_client_evalsha(redis_client *c, int script, const char *key,
                          const lua_script_args *args, uint64_t tag) {
    assert(script >= 0 && script < c->script_count);
    assert(args->count >= 1 && args->count <= LUA_SCRIPT_ARGS_MAX);
    c->stats.commands++;
    uint32_t id = request_alloc(c);
    if (id == NIL) {
        c->stats.refused++;
        c->done(c->context, tag, REDIS_CLIENT_REFUSED, NULL); /* out of memory */
        return;
    }
    redis_request *q = &c->requests[id];
    q->tag = tag;
    q->script = script;
    snprintf(q->key, sizeof q->key, "%s", key);
    q->args = *args;
    for (int i = 0; i < q->args.count; i++) {
        q->args.argv[i] = q->args.text[i]; /* point into the copy */
    }
    redis_conn *conn = conn_pick(c);
    if (conn == NULL || send_script(c, conn, id) != REDIS_OK) {
        fail_later(c, id, REDIS_CLIENT_REFUSED);
        return;
    }
    q = &c->requests[id];
    q->state = REQ_IN_FLIGHT;
    q->conn = conn->index;
    q->sent_us = SENT_NOT_YET;
    c->unstamped = true;
    list_push(c, conn, id);
}

void redis_client_command(redis_client *c, int argc, const char **argv, const size_t *lengths,
                          uint64_t tag) {
    c->stats.commands++;
    uint32_t id = request_alloc(c);
    if (id == NIL) {
        c->stats.refused++;
        c->done(c->context, tag, REDIS_CLIENT_REFUSED, NULL); /* out of memory */
        return;
    }
    c->requests[id].tag = tag;
    redis_conn *conn = conn_pick(c);
    if (conn == NULL || redisAsyncCommandArgv(conn->ac, on_reply, (void *)(uintptr_t)id, argc,
                                              argv, lengths) != REDIS_OK) {
        fail_later(c, id, REDIS_CLIENT_REFUSED);
        return;
    }
    redis_request *q = &c->requests[id];
    q->state = REQ_IN_FLIGHT;
    q->conn = conn->index;
    q->sent_us = SENT_NOT_YET;
    c->unstamped = true;
    list_push(c, conn, id);
}

int redis_client_ready_count(const redis_client *c) {
    int ready = 0;
    for (int i = 0; i < c->conn_count; i++) {
        ready += c->conns[i].state == CONN_UP ? 1 : 0;
    }
    return ready;
}

void redis_client_close(redis_client *c) {
    if (c->closing) {
        return;
    }
    c->closing = true;
    for (int i = 0; i < c->conn_count; i++) {
        conn_drop(c, &c->conns[i], REDIS_CLIENT_REFUSED);
        uv_close((uv_handle_t *)&c->conns[i].reconnect, on_handle_closed);
    }
    while (c->failed_head != NIL) {
        uint32_t id = c->failed_head;
        c->failed_head = c->requests[id].next;
        request_free(c, id);
        c->stats.unanswered++; /* failed, but not reported before the end */
    }
    c->failed_tail = NIL;
    uv_close((uv_handle_t *)&c->sweep, on_handle_closed);
    uv_close((uv_handle_t *)&c->failer, on_handle_closed);
    uv_close((uv_handle_t *)&c->stamper, on_handle_closed);
    uv_close((uv_handle_t *)&c->capper, on_handle_closed);
    const redis_client_stats *st = &c->stats;
    assert(st->in_flight == 0);
    assert(st->commands == st->ok + st->errors + st->refused + st->timeouts + st->unanswered);
}

const char *redis_client_error_first(const redis_client *c) {
    return c->error_first;
}

bool redis_client_closed(const redis_client *c) {
    return c->handles_open == 0;
}

void redis_client_destroy(redis_client *c) {
    rl_free(c->conns);
    rl_free(c->requests);
    c->conns = NULL;
    c->requests = NULL;
}
