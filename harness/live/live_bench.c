/* live_bench.c - limiter decisions per second against a Redis, and redis-benchmark beside it. */
#include "harness/live/live_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "algorithms/limiter.h"
#include "harness/core/rl_alloc.h"
#include "harness/live/lua_scripts.h"
#include "harness/live/redis_benchmark.h"
#include "harness/live/redis_client.h"
#include "harness/live/redis_server.h"
#include "harness/live/redis_sync.h"
#include "harness/live/redis_url.h"
#include "harness/metrics/histogram.h"

typedef struct bench_state {
    redis_client client;
    uv_loop_t loop;
    int script;
    char key[REDIS_CLIENT_KEY_BYTES];
    lua_script_args args;
    int64_t submitted, completed, target;
    int64_t allowed, refused, errors;
    histogram rtt;
    uint64_t end_ns;
} bench_state;

static void bench_submit(bench_state *b) {
    b->submitted++;
    redis_client_evalsha(&b->client, b->script, b->key, &b->args, uv_hrtime());
}

static void on_done(void *context, uint64_t tag, redis_client_status status,
                    const redisReply *reply) {
    bench_state *b = context;
    if (b->client.closing) {
        return;
    }
    b->completed++;
    histogram_record(&b->rtt, (int64_t)((uv_hrtime() - tag) / 1000));
    if (status != REDIS_CLIENT_OK || reply->type != REDIS_REPLY_ARRAY) {
        b->errors++;
    } else if (reply->element[0]->integer != 0) {
        b->allowed++;
    } else {
        b->refused++;
    }
    if (b->submitted < b->target) {
        bench_submit(b);
    } else if (b->completed == b->target) {
        b->end_ns = uv_hrtime();
        redis_client_close(&b->client);
    }
}

/* Settings that keep the limiter busy deciding: a high rate, so most requests pass. */
static limiter_config bench_config(const limiter_algorithm *a) {
    limiter_config cfg = {.algorithm = a, .limit = 1000000, .period_us = 1000000,
                          .burst = 1000, .max_wait_us = 1000000, .queue_max = 1000};
    return cfg;
}

/* Runs redis-benchmark with the same EVALSHA, connections and pipeline; fills the figure. Each
 * argument goes to it as it is, in an argument vector: the host never passes through a shell. */
static void compare(const live_bench_options *o, const redis_url *url, const char *sha,
                    const char *key, const lua_script_args *args, live_bench_result *out) {
    if (url->password[0] != '\0') {
        snprintf(out->compare_note, sizeof out->compare_note,
                 "redis-benchmark not run: the server needs a password");
        return;
    }
    redis_benchmark_command c;
    redis_benchmark_command_init(&c, "redis-benchmark");
    bool fits = redis_benchmark_command_add(&c, "-h") &&
                redis_benchmark_command_add(&c, url->host) &&
                redis_benchmark_command_add(&c, "-p") &&
                redis_benchmark_command_add_i64(&c, url->port) &&
                redis_benchmark_command_add(&c, "--dbnum") &&
                redis_benchmark_command_add_i64(&c, url->db) &&
                redis_benchmark_command_add(&c, "-c") &&
                redis_benchmark_command_add_i64(&c, o->connections) &&
                redis_benchmark_command_add(&c, "-P") &&
                redis_benchmark_command_add_i64(&c, o->pipeline) &&
                redis_benchmark_command_add(&c, "-n") &&
                redis_benchmark_command_add_i64(&c, o->requests) &&
                redis_benchmark_command_add(&c, "-q") &&
                redis_benchmark_command_add(&c, "EVALSHA") &&
                redis_benchmark_command_add(&c, sha) && redis_benchmark_command_add(&c, "1") &&
                redis_benchmark_command_add(&c, key);
    for (int i = 0; i < args->count && fits; i++) {
        fits = redis_benchmark_command_add(&c, args->text[i]);
    }
    if (!fits) {
        snprintf(out->compare_note, sizeof out->compare_note,
                 "redis-benchmark not run: its command line is too long");
        return;
    }
    out->redis_benchmark_per_s =
        redis_benchmark_run(&c, out->compare_note, sizeof out->compare_note);
    out->compared = out->redis_benchmark_per_s > 0;
}

/* SCRIPT LOAD of script (its SHA1 into sha) and the server's clock now (into *epoch_us), within
 * 5 s whatever the server does (redis_sync.h). */
static int load_script(const redis_url *url, const lua_script *script, char *sha,
                       size_t sha_size, int64_t *epoch_us, rl_error *err) {
    char where[96];
    redis_url_describe(url, where, sizeof where);
    redis_sync c;
    int rc = redis_sync_open(&c, url, where, uv_hrtime() + UINT64_C(5000000000), err);
    if (rc != RL_OK) {
        return rc;
    }
    redisReply *reply = NULL;
    rc = redis_sync_command(&c, &reply, "SCRIPT LOAD", err, "SCRIPT LOAD %b", script->source,
                            script->source_bytes);
    if (rc == RL_OK && (reply->type != REDIS_REPLY_STRING || reply->len != 40)) {
        char described[200];
        redis_sync_reply_describe(reply, described, sizeof described);
        rc = rl_error_set(err, RL_ERR_IO, "%s: SCRIPT LOAD failed: the server answered %s", where,
                          described);
    } else if (rc == RL_OK) {
        snprintf(sha, sha_size, "%.*s", (int)reply->len, reply->str);
    }
    freeReplyObject(reply);
    reply = NULL;
    if (rc == RL_OK) {
        rc = redis_sync_command(&c, &reply, "TIME", err, "TIME");
    }
    if (rc == RL_OK && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_STRING &&
        reply->element[1]->type == REDIS_REPLY_STRING) {
        *epoch_us = strtoll(reply->element[0]->str, NULL, 10) * 1000000 +
                    strtoll(reply->element[1]->str, NULL, 10);
    }
    freeReplyObject(reply);
    redis_sync_close(&c);
    return rc;
}

/* DEL key, within 2 s whatever the server does; a failure is not reported (best effort). */
static void delete_key(const redis_url *url, const char *key) {
    char where[96];
    redis_url_describe(url, where, sizeof where);
    rl_error ignored;
    redis_sync c;
    if (redis_sync_open(&c, url, where, uv_hrtime() + UINT64_C(2000000000), &ignored) != RL_OK) {
        return;
    }
    redisReply *reply = NULL;
    redis_sync_command(&c, &reply, "DEL", &ignored, "DEL %s", key);
    freeReplyObject(reply);
    redis_sync_close(&c);
}

/* Measures with the client: keeps connections x pipeline commands in flight. */
static int measure(bench_state *b, const live_bench_options *o, const redis_url *url,
                   const char *sha, const lua_script *script, live_bench_result *out,
                   rl_error *err) {
    uv_loop_init(&b->loop);
    redis_client_config cfg = {.host = url->host, .port = url->port, .user = url->user,
                               .password = url->password, .db = url->db,
                               .connections = o->connections, .timeout_us = 10000000,
                               .reconnect_base_us = 10000, .reconnect_cap_us = 1000000,
                               .pipeline_max = o->pipeline};
    int rc = redis_client_init(&b->client, &b->loop, &cfg, on_done, b, 1, err);
    if (rc == RL_OK) {
        redis_client_script_add(&b->client, script, sha, &b->script);
        uint64_t deadline_ns = uv_hrtime() + UINT64_C(5000000000);
        while (redis_client_ready_count(&b->client) < o->connections &&
               uv_hrtime() < deadline_ns) {
            uv_run(&b->loop, UV_RUN_NOWAIT);
            uv_sleep(1);
        }
        if (redis_client_ready_count(&b->client) < o->connections) {
            rc = rl_error_set(err, RL_ERR_IO, "could not open %d connections", o->connections);
            redis_client_close(&b->client);
        }
    }
    uint64_t start_ns = uv_hrtime();
    if (rc == RL_OK) {
        int64_t first = (int64_t)o->connections * o->pipeline;
        for (int64_t i = 0; i < first && b->submitted < b->target; i++) {
            bench_submit(b);
        }
    }
    uv_run(&b->loop, UV_RUN_DEFAULT);
    redis_client_destroy(&b->client);
    uv_loop_close(&b->loop);
    if (rc == RL_OK) {
        out->elapsed_s = (double)(b->end_ns - start_ns) / 1e9;
        out->decisions_per_s = out->elapsed_s > 0 ? (double)b->completed / out->elapsed_s : 0;
        out->allowed = b->allowed;
        out->refused_by_limiter = b->refused;
        out->errors = b->errors;
        out->rtt_p50_us = histogram_quantile(&b->rtt, 0.50);
        out->rtt_p90_us = histogram_quantile(&b->rtt, 0.90);
        out->rtt_p99_us = histogram_quantile(&b->rtt, 0.99);
        out->rtt_max_us = histogram_quantile(&b->rtt, 1.0);
    }
    return rc;
}

int live_bench_run(const live_bench_options *o, live_bench_result *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    const limiter_algorithm *a = limiter_algorithm_find(o->algorithm);
    const lua_script *script = a != NULL ? lua_script_for(a) : NULL;
    if (script == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "--algorithm %s: not a limiter with a Lua mirror",
                            o->algorithm);
    }
    if (o->connections < 1 || o->connections > REDIS_CLIENT_CONNECTIONS_MAX || o->pipeline < 1 ||
        o->requests < 1) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--connections 1..%d, --pipeline and --requests at least 1",
                            REDIS_CLIENT_CONNECTIONS_MAX);
    }
    redis_server server;
    memset(&server, 0, sizeof server);
    bool embedded = o->redis_url == NULL;
    redis_url url;
    int rc = embedded ? redis_server_start(&server, NULL, err)
                      : redis_url_parse(o->redis_url, &url, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (embedded) {
        memset(&url, 0, sizeof url);
        snprintf(url.host, sizeof url.host, "127.0.0.1");
        url.port = server.port;
    }
    redis_url_describe(&url, out->server, sizeof out->server);
    bench_state *b = rl_calloc(1, sizeof *b);
    char sha[REDIS_CLIENT_SHA_BYTES];
    int64_t epoch_us = 0;
    rc = b != NULL ? load_script(&url, script, sha, sizeof sha, &epoch_us, err)
                   : rl_error_set(err, RL_ERR_NOMEM, "out of memory");
    if (rc == RL_OK) {
        snprintf(b->key, sizeof b->key, "ratelab:bench-%llx:limiter",
                 (unsigned long long)(uv_hrtime() ^ (uint64_t)server.port));
        limiter_config cfg = bench_config(a);
        lua_script_args_fill(&b->args, &cfg, 1, -1, epoch_us); /* server clock, as live */
        b->target = o->requests;
        rc = measure(b, o, &url, sha, script, out, err);
        delete_key(&url, b->key);
    }
    if (rc == RL_OK && o->compare) {
        compare(o, &url, sha, b->key, &b->args, out);
        delete_key(&url, b->key);
    }
    rl_free(b);
    if (embedded) {
        redis_server_stop(&server);
    }
    return rc;
}
