/* test_redis_client.c - the pooled Redis client's timeouts when the loop falls behind, against a
 * real redis-server the test starts.
 *
 * At load average 12 to 17 on 2 cores, test_live_run's 1,000 pods once saw every call time out
 * and none answered. Two causes are reproduced here without loading the machine, by blocking the
 * loop on purpose: a command's clock started when the pod submitted it, not when the loop wrote
 * it; and the timeout sweep (a timer: timers run before I/O in each turn of the loop) declared a
 * connection dead while its replies sat unread in the socket. A third: one late command dropped
 * its whole connection (every command on it failed, the server's work on them was wasted) even
 * though answers were coming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uv.h>

#include "harness/live/redis_client.h"
#include "harness/live/redis_server.h"

#define TAGS_MAX 16

typedef struct client_test {
    uv_loop_t loop;
    redis_client client;
    redis_server server;
    int outcome[TAGS_MAX]; /* -1: not reported yet; else a redis_client_status */
    int reports;
    uv_check_t blocker;   /* blocks the loop once the command is written */
    bool block_after_write;
    bool blocked;
} client_test;

static void on_done(void *context, uint64_t tag, redis_client_status status,
                    const redisReply *reply) {
    client_test *t = context;
    (void)reply;
    assert_true(tag < TAGS_MAX);
    assert_int_equal(t->outcome[tag], -1); /* one report per command */
    t->outcome[tag] = (int)status;
    t->reports++;
}

/* Starts a server and a client of one connection with timeout_us; waits until it is up. */
static void client_test_start(client_test *t, int64_t timeout_us) {
    memset(t, 0, sizeof *t);
    for (int i = 0; i < TAGS_MAX; i++) {
        t->outcome[i] = -1;
    }
    rl_error err;
    rl_error_clear(&err);
    if (redis_server_start(&t->server, NULL, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    assert_int_equal(uv_loop_init(&t->loop), 0);
    redis_client_config cfg = {.host = "127.0.0.1",
                               .port = t->server.port,
                               .connections = 1,
                               .timeout_us = timeout_us,
                               .reconnect_base_us = 10000,
                               .reconnect_cap_us = 100000,
                               .pipeline_max = 1000};
    assert_int_equal(redis_client_init(&t->client, &t->loop, &cfg, on_done, t, 1, &err), RL_OK);
    uint64_t deadline_ns = uv_hrtime() + UINT64_C(10000000000);
    while (redis_client_ready_count(&t->client) < 1 && uv_hrtime() < deadline_ns) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        uv_sleep(1);
    }
    assert_int_equal(redis_client_ready_count(&t->client), 1);
}

/* Runs the loop until reports commands were reported (or 20 s passed). */
static void client_test_wait(client_test *t, int reports) {
    uint64_t deadline_ns = uv_hrtime() + UINT64_C(20000000000);
    while (t->reports < reports && uv_hrtime() < deadline_ns) {
        uv_run(&t->loop, UV_RUN_ONCE);
    }
    assert_int_equal(t->reports, reports);
}

/* Runs the loop for about ms milliseconds. */
static void client_test_spin(client_test *t, int ms) {
    uint64_t until_ns = uv_hrtime() + (uint64_t)ms * 1000000;
    while (uv_hrtime() < until_ns) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        uv_sleep(1);
    }
}

static void client_test_stop(client_test *t) {
    redis_client_close(&t->client);
    while (!redis_client_closed(&t->client)) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
    }
    const redis_client_stats *st = &t->client.stats;
    assert_int_equal(st->commands, st->ok + st->errors + st->refused + st->timeouts +
                                       st->unanswered);
    redis_client_destroy(&t->client);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&t->loop), 0);
    redis_server_stop(&t->server);
}

static void send_ping(client_test *t, uint64_t tag) {
    const char *argv[] = {"PING"};
    size_t lengths[] = {4};
    redis_client_command(&t->client, 1, argv, lengths, tag);
}

/* The loop falls behind right after a command was submitted (here: 2 s asleep; on a loaded
 * machine: descheduled, or busy with thousands of events), before it could write it. Its clock
 * starts when it is written, so it is answered, not timed out (timeout 1 s). */
static void test_clock_starts_at_write(void **state) {
    (void)state;
    client_test *t = calloc(1, sizeof *t);
    assert_non_null(t);
    client_test_start(t, 1000000);
    send_ping(t, 0);
    uv_sleep(2000);
    client_test_wait(t, 1);
    assert_int_equal(t->outcome[0], REDIS_CLIENT_OK);
    assert_int_equal(t->client.stats.timeouts, 0);
    client_test_stop(t);
    free(t);
}

/* After each poll: once the command is written, the loop stops for 2 s (the reply arrives
 * meanwhile and waits in the socket). In the next turn the timeout sweep (a timer) runs before
 * the loop reads: it must read what is waiting before judging. */
static void on_block_after_write(uv_check_t *handle) {
    client_test *t = handle->data;
    redis_conn *conn = &t->client.conns[0];
    if (!t->blocked && conn->ac != NULL && conn->ac->c.obuf != NULL &&
        conn->ac->c.obuf[0] == '\0' && conn->in_flight == 1) {
        t->blocked = true;
        uv_sleep(2000);
    }
}

static void test_waiting_replies_read_before_timeout(void **state) {
    (void)state;
    client_test *t = calloc(1, sizeof *t);
    assert_non_null(t);
    client_test_start(t, 1000000);
    uv_check_init(&t->loop, &t->blocker);
    t->blocker.data = t;
    uv_check_start(&t->blocker, on_block_after_write);
    send_ping(t, 0);
    client_test_wait(t, 1);
    assert_true(t->blocked);
    assert_int_equal(t->outcome[0], REDIS_CLIENT_OK);
    assert_int_equal(t->client.stats.disconnects, 0);
    uv_close((uv_handle_t *)&t->blocker, NULL);
    client_test_stop(t);
    free(t);
}

/* One connection, timeout 600 ms, four scripts 100 ms apart that each keep the server busy
 * 400 ms: the first is answered at 400 ms; the other three are late (1.6 s). They time out one
 * by one while the connection, which is answering, stays up: no disconnect, no reconnect, and a
 * PING sent after the server is free again is answered on the same connection. */
static void test_late_command_expires_alone(void **state) {
    (void)state;
    static const char BUSY[] = "local t = redis.call('TIME') "
                               "local start = t[1] * 1000000 + t[2] "
                               "repeat t = redis.call('TIME') "
                               "until t[1] * 1000000 + t[2] - start >= 400000 "
                               "return 1";
    client_test *t = calloc(1, sizeof *t);
    assert_non_null(t);
    client_test_start(t, 600000);
    for (uint64_t tag = 0; tag < 4; tag++) { /* 100 ms apart: Redis answers a pipeline's
                                                * commands read together only after all ran */
        const char *argv[] = {"EVAL", BUSY, "0"};
        size_t lengths[] = {4, sizeof BUSY - 1, 1};
        redis_client_command(&t->client, 3, argv, lengths, tag);
        client_test_spin(t, 100);
    }
    client_test_wait(t, 4);
    printf("  %d %d %d %d; connects %lld, disconnects %lld\n", t->outcome[0], t->outcome[1],
           t->outcome[2], t->outcome[3], (long long)t->client.stats.connects,
           (long long)t->client.stats.disconnects);
    assert_int_equal(t->outcome[0], REDIS_CLIENT_OK);
    assert_int_equal(t->outcome[3], REDIS_CLIENT_TIMEOUT);
    assert_true(t->client.stats.timeouts >= 2);
    client_test_spin(t, 1500); /* the server finishes the rest */
    send_ping(t, 4);
    client_test_wait(t, 5);
    assert_int_equal(t->outcome[4], REDIS_CLIENT_OK);
    assert_int_equal(t->client.stats.disconnects, 0);
    assert_int_equal(t->client.stats.connects, 1);
    client_test_stop(t);
    free(t);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_starts_at_write),
        cmocka_unit_test(test_waiting_replies_read_before_timeout),
        cmocka_unit_test(test_late_command_expires_alone),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
