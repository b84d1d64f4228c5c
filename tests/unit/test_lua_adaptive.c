/* test_lua_adaptive.c - the Lua mirrors of the adaptive limiters (aimd, sre_throttle, gradient,
 * selector) against their C functions, in a real redis-server: random sequences of decide and
 * observe calls with random settings, costs, outcomes and times (with backward skew). After
 * every call the reply (allowed, wait_us) and the stored state s0..s3 must equal the C
 * function's, bit for bit (the decided-at time of the reply is not compared: C's decide does
 * not return it). Starts its own redis-server on a free loopback port; the seed is
 * printed and RATELAB_DIFF_SEED replays it; RATELAB_DIFF_STEPS sets the calls per algorithm
 * (default 20,000). The call format is the prelude's adaptive_run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"
#include "harness/live/lua_scripts.h"
#include "harness/live/redis_server.h"

#define ADAPTIVE_ARGS 14
#define ADAPTIVE_SEQUENCE_MAX 300

typedef struct adaptive_context {
    redis_server server;
    redisContext *redis;
    uint64_t seed;
    int64_t steps;
} adaptive_context;

static int64_t env_i64(const char *name, int64_t fallback) {
    const char *text = getenv(name);
    char *end = NULL;
    long long value = text != NULL ? strtoll(text, &end, 10) : 0;
    return text != NULL && end != text && *end == '\0' ? (int64_t)value : fallback;
}

static int setup(void **state) {
    static adaptive_context ctx;
    rl_error err;
    if (redis_server_start(&ctx.server, NULL, &err) != RL_OK) {
        fprintf(stderr, "test_lua_adaptive: %s\n", err.message);
        return -1;
    }
    struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
    ctx.redis = redisConnectWithTimeout("127.0.0.1", ctx.server.port, tv);
    if (ctx.redis == NULL || ctx.redis->err != 0) {
        redis_server_stop(&ctx.server);
        return -1;
    }
    ctx.seed = (uint64_t)env_i64("RATELAB_DIFF_SEED", (int64_t)time(NULL));
    ctx.steps = env_i64("RATELAB_DIFF_STEPS", 20000);
    printf("test_lua_adaptive: seed %llu (RATELAB_DIFF_SEED replays it), %lld calls per "
           "algorithm\n",
           (unsigned long long)ctx.seed, (long long)ctx.steps);
    *state = &ctx;
    return 0;
}

static int teardown(void **state) {
    adaptive_context *ctx = *state;
    redisFree(ctx->redis);
    redis_server_stop(&ctx->server);
    return 0;
}

static const int64_t PERIODS_US[] = {1000, 1000000, 60000000, 3600000000};

/* Random settings the algorithm accepts: ordinary and near its bounds. */
static void draw_config(rng *r, const limiter_algorithm *a, limiter_config *cfg) {
    rl_error err;
    do {
        memset(cfg, 0, sizeof *cfg);
        cfg->algorithm = a;
        cfg->period_us = PERIODS_US[rng_below(r, 4)];
        cfg->limit = 1 + (int64_t)rng_below(r, rng_below(r, 2) == 0 ? 20 : 1000000);
        cfg->burst = 1 + (int64_t)rng_below(r, rng_below(r, 2) == 0 ? 5 : 2000);
        cfg->max_wait_us = rng_below(r, 2) == 0 ? 0 : (int64_t)rng_below(r, 10000000);
        cfg->k_milli = 1000 + (int64_t)rng_below(r, 4000);
        cfg->window_us = PERIODS_US[rng_below(r, 4)];
    } while (limiter_config_validate(cfg, &err) != RL_OK);
}

/* One call: the C function's outcome and the script's, compared with the state. */
typedef struct adaptive_call {
    bool observe;
    int64_t now_us;
    int64_t cost;
    limiter_outcome outcome;
} adaptive_call;

static int64_t reply_i64(const redisReply *reply) {
    if (reply->type == REDIS_REPLY_INTEGER) {
        return (int64_t)reply->integer;
    }
    if (reply->type == REDIS_REPLY_STRING) {
        return strtoll(reply->str, NULL, 10);
    }
    return reply->type == REDIS_REPLY_NIL ? 0 : INT64_MIN;
}

static void call_script(adaptive_context *ctx, const char *sha, const char *key,
                        const limiter_config *cfg, const adaptive_call *call, int64_t reply[3],
                        int64_t slots[4]) {
    char text[ADAPTIVE_ARGS][32];
    const int64_t numbers[] = {cfg->limit,   cfg->period_us,  cfg->burst,        cfg->max_wait_us,
                               cfg->queue_max, call->cost,    call->now_us,      0,
                               cfg->k_milli, cfg->window_us};
    for (int i = 0; i < 10; i++) {
        snprintf(text[i], sizeof text[i], "%lld", (long long)numbers[i]);
    }
    snprintf(text[10], sizeof text[10], "%s", call->observe ? "observe" : "decide");
    snprintf(text[11], sizeof text[11], "%d", (int)call->outcome.kind);
    snprintf(text[12], sizeof text[12], "%lld", (long long)call->outcome.retry_after_us);
    snprintf(text[13], sizeof text[13], "%lld", (long long)call->outcome.latency_us);
    const char *argv[4 + ADAPTIVE_ARGS] = {"EVALSHA", sha, "1", key};
    for (int i = 0; i < ADAPTIVE_ARGS; i++) {
        argv[4 + i] = text[i];
    }
    redisReply *eval = redisCommandArgv(ctx->redis, 4 + ADAPTIVE_ARGS, argv, NULL);
    assert_non_null(eval);
    if (eval->type != REDIS_REPLY_ARRAY || eval->elements != 3) {
        fail_msg("script error: %s", eval->type == REDIS_REPLY_ERROR ? eval->str : "(no array)");
    }
    for (int i = 0; i < 3; i++) {
        reply[i] = reply_i64(eval->element[i]);
    }
    freeReplyObject(eval);
    redisReply *hash = redisCommand(ctx->redis, "HMGET %s s0 s1 s2 s3", key);
    for (int i = 0; i < 4; i++) {
        slots[i] = reply_i64(hash->element[i]);
    }
    freeReplyObject(hash);
}

/* The next call of a sequence: a decide or an observe at a time near the last. */
static adaptive_call draw_call(rng *r, const limiter_config *cfg, int64_t now_us) {
    adaptive_call call = {.observe = rng_below(r, 2) == 0};
    int64_t step = (int64_t)rng_below(r, (uint64_t)cfg->period_us * 2 + 1);
    if (rng_below(r, 20) == 0 && now_us > 0) {
        step = -(int64_t)rng_below(r, (uint64_t)(now_us < 1000000 ? now_us : 1000000) + 1);
    }
    call.now_us = now_us + step;
    call.cost = rng_below(r, 4) == 0 ? 1 + (int64_t)rng_below(r, (uint64_t)cfg->burst + 1) : 1;
    call.outcome.kind = (limiter_outcome_kind)rng_below(r, 3);
    call.outcome.retry_after_us =
        rng_below(r, 2) == 0 ? 0 : (int64_t)rng_below(r, (uint64_t)cfg->period_us * 3 + 1);
    if (rng_below(r, 4) == 0) { /* on and beside the selector's boundary, 1 s */
        call.outcome.retry_after_us = 999999 + (int64_t)rng_below(r, 3);
    }
    call.outcome.latency_us = (int64_t)rng_below(r, (uint64_t)call.now_us + 1);
    call.outcome.cost = call.cost;
    return call;
}

static void adaptive_differential(adaptive_context *ctx, const limiter_algorithm *a) {
    const lua_script *script = lua_script_find(a->name);
    assert_non_null(script);
    redisReply *load = redisCommand(ctx->redis, "SCRIPT LOAD %b", script->source,
                                    script->source_bytes);
    if (load->type != REDIS_REPLY_STRING) {
        fail_msg("%s: SCRIPT LOAD: %s", a->name, load->str);
    }
    char sha[64];
    snprintf(sha, sizeof sha, "%s", load->str);
    freeReplyObject(load);
    rng r;
    rng_seed(&r, ctx->seed, (uint64_t)(uintptr_t)strlen(a->name));
    int64_t done = 0;
    for (int64_t sequence = 0; done < ctx->steps; sequence++) {
        limiter_config cfg;
        draw_config(&r, a, &cfg);
        char key[64];
        snprintf(key, sizeof key, "ratelab:adaptive:%s:%lld", a->name, (long long)sequence);
        limiter_state st = {{0}};
        int64_t now_us = 0;
        int count = 1 + (int)rng_below(&r, ADAPTIVE_SEQUENCE_MAX);
        for (int i = 0; i < count; i++, done++) {
            adaptive_call call = draw_call(&r, &cfg, now_us);
            now_us = call.now_us > now_us ? call.now_us : now_us;
            int64_t expected[3] = {1, 0, call.now_us};
            if (call.observe) {
                limiter_algorithm_observe(&cfg, &st, call.now_us, &call.outcome);
            } else {
                limiter_decision d = {false, -1};
                a->decide(&cfg, &st, call.now_us, call.cost, &d);
                expected[0] = d.allowed ? 1 : 0;
                expected[1] = d.wait_us;
            }
            int64_t got[3], slots[4];
            call_script(ctx, sha, key, &cfg, &call, got, slots);
            bool same = got[0] == expected[0] && got[1] == expected[1] &&
                        memcmp(slots, st.slot, sizeof slots) == 0;
            if (!same) {
                fail_msg("%s: seed %llu, sequence %lld, call %d (%s at %lld, cost %lld): C "
                         "{%lld, %lld} [%lld %lld %lld %lld], Lua {%lld, %lld} [%lld %lld %lld "
                         "%lld]",
                         a->name, (unsigned long long)ctx->seed, (long long)sequence, i,
                         call.observe ? "observe" : "decide", (long long)call.now_us,
                         (long long)call.cost, (long long)expected[0], (long long)expected[1],
                         (long long)st.slot[0], (long long)st.slot[1], (long long)st.slot[2],
                         (long long)st.slot[3], (long long)got[0], (long long)got[1],
                         (long long)slots[0], (long long)slots[1], (long long)slots[2],
                         (long long)slots[3]);
            }
        }
    }
}

static void test_aimd(void **state) {
    adaptive_differential(*state, &limiter_aimd);
}

static void test_sre_throttle(void **state) {
    adaptive_differential(*state, &limiter_sre_throttle);
}

static void test_gradient(void **state) {
    adaptive_differential(*state, &limiter_gradient);
}

static void test_selector(void **state) {
    adaptive_differential(*state, &limiter_selector);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aimd),
        cmocka_unit_test(test_sre_throttle),
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_selector),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
