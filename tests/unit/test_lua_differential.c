/* test_lua_differential.c - every Lua mirror against its C algorithm in a real redis-server.
 *
 * For each algorithm with a mirror: at least RATELAB_DIFF_STEPS (default 100,000) random steps
 * in sequences with random settings (realistic ones like 7/s, and extreme ones up to the
 * algorithms' exactness bounds), random costs and monotone times with occasional backward
 * skew. Time is passed explicitly. After every step the decision (allowed, wait_us), the
 * decided-at time and the stored state (s0..s3) must equal the C function's, bit for bit, and
 * the key's expiry (PTTL) must be what the C state implies: LUA_STATE_TTL_SLACK_MS past the
 * moment the state stops mattering (computed here from the C state, per algorithm), set at the
 * latest admitted step, and no key before the first.
 * Commands are pipelined a sequence at a time. Starts its own redis-server on a free loopback
 * port; the seed is printed and RATELAB_DIFF_SEED replays it. */
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
#include "algorithms/rate_math.h"
#include "harness/core/rng.h"
#include "harness/live/lua_scripts.h"
#include "harness/live/redis_server.h"

#define DIFF_SEQUENCE_STEPS_MAX 400
#define DIFF_KEY_BYTES 64
/* PTTL is read right after the script; more than this many ms of real time between the two
 * (a very loaded machine) is not expected. */
#define DIFF_TTL_ELAPSED_MS_MAX 5000

typedef struct diff_context {
    redis_server server;
    redisContext *redis;
    uint64_t seed;
    int64_t steps;
} diff_context;

static int64_t env_i64(const char *name, int64_t fallback) {
    const char *text = getenv(name);
    if (text == NULL || text[0] == '\0') {
        return fallback;
    }
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    return end != text && *end == '\0' ? (int64_t)value : fallback;
}

static int setup(void **state) {
    static diff_context ctx;
    rl_error err;
    rl_error_clear(&err);
    if (redis_server_start(&ctx.server, NULL, &err) != RL_OK) {
        fprintf(stderr, "test_lua_differential: %s\n", err.message);
        return -1;
    }
    struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
    ctx.redis = redisConnectWithTimeout("127.0.0.1", ctx.server.port, tv);
    if (ctx.redis == NULL || ctx.redis->err != 0) {
        redis_server_stop(&ctx.server);
        return -1;
    }
    ctx.seed = (uint64_t)env_i64("RATELAB_DIFF_SEED", (int64_t)time(NULL));
    ctx.steps = env_i64("RATELAB_DIFF_STEPS", 100000);
    printf("test_lua_differential: seed %llu (RATELAB_DIFF_SEED replays it), %lld steps per "
           "algorithm, redis-server on port %d\n",
           (unsigned long long)ctx.seed, (long long)ctx.steps, ctx.server.port);
    *state = &ctx;
    return 0;
}

static int teardown(void **state) {
    diff_context *ctx = *state;
    redisFree(ctx->redis);
    redis_server_stop(&ctx->server);
    return 0;
}

/* A value below 2^bits, with bits drawn uniformly from 0..max_bits: all magnitudes alike. */
static int64_t draw_magnitude(rng *r, int max_bits) {
    int bits = (int)rng_below(r, (uint64_t)max_bits + 1);
    return (int64_t)rng_below(r, UINT64_C(1) << bits);
}

static const int64_t diff_periods_us[] = {1000, 1000000, 60000000, 3600000000, 86400000000};

/* Random settings for a that pass its validate() and the Lua mirror's bounds. */
static void draw_config(rng *r, const limiter_algorithm *a, limiter_config *cfg) {
    for (;;) {
        memset(cfg, 0, sizeof *cfg);
        cfg->algorithm = a;
        if (rng_below(r, 2) == 0) { /* realistic: 7/s, 600/min, ... */
            cfg->limit = 1 + (int64_t)rng_below(r, rng_below(r, 2) == 0 ? 20 : 5000);
            cfg->period_us = rng_below(r, 4) == 0
                                 ? 1 + (int64_t)rng_below(r, 10000000)
                                 : diff_periods_us[rng_below(r, 5)];
            cfg->burst = 1 + (int64_t)rng_below(r, rng_below(r, 2) == 0 ? 5 : 200);
            cfg->queue_max = 1 + (int64_t)rng_below(r, 100);
            cfg->max_wait_us = rng_below(r, 3) == 0 ? 0 : (int64_t)rng_below(r, 10000000);
        } else { /* extreme: anything up to the exactness bounds, often right at them */
            cfg->limit = rng_below(r, 3) == 0
                             ? LIMITER_EXACT_MAX - 1 - (int64_t)rng_below(r, 1000)
                             : 1 + draw_magnitude(r, 53);
            cfg->burst = 1 + draw_magnitude(r, rng_below(r, 2) == 0 ? 8 : 53);
            cfg->queue_max = 1 + draw_magnitude(r, rng_below(r, 2) == 0 ? 8 : 53);
            cfg->max_wait_us = rng_below(r, 3) == 0 ? 0 : draw_magnitude(r, 50);
            int64_t span = (a->params & LIMITER_PARAM_QUEUE) ? cfg->queue_max + 1 : cfg->burst;
            int edge_bits = 51 + (int)rng_below(r, 3); /* the algorithms' bounds: 2^51..2^53 */
            int64_t edge_us =
                ((INT64_C(1) << edge_bits) - 1 - (int64_t)rng_below(r, 1000)) / span;
            cfg->period_us = rng_below(r, 2) == 0 && edge_us >= 1 ? edge_us
                                                                  : 1 + draw_magnitude(r, 53);
        }
        if (a->validate(cfg, NULL) == RL_OK && lua_scripts_config_check(cfg, NULL) == RL_OK) {
            return;
        }
    }
}

/* The largest cost worth trying: a little past what can ever pass. */
static int64_t cost_bound(const limiter_config *cfg) {
    int64_t bound = cfg->limit;
    if (cfg->algorithm->params & LIMITER_PARAM_BURST) {
        bound = cfg->burst;
    } else if (cfg->algorithm->params & LIMITER_PARAM_QUEUE) {
        bound = cfg->queue_max + 1;
    }
    return bound < (INT64_C(1) << 40) ? bound + 2 : (INT64_C(1) << 40);
}

static int64_t draw_cost(rng *r, const limiter_config *cfg) {
    switch (rng_below(r, 4)) {
    case 0: return 1 + (int64_t)rng_below(r, (uint64_t)cost_bound(cfg));
    case 1: return 1 + (int64_t)rng_below(r, 3);
    default: return 1;
    }
}

/* The next time: mostly forward on the scale of the emission interval, sometimes a jump, a
 * repeat, a step back (clock skew), or right at the boundary the last decision named (its
 * wait, give or take 1 us), where rounding errors would show. Stays in [0, 2^40). */
static int64_t draw_time(rng *r, const limiter_config *cfg, int64_t now_us, int64_t wait_us) {
    int64_t interval_us = cfg->period_us / cfg->limit + 1;
    int64_t next_us = now_us;
    switch (rng_below(r, 13)) {
    case 10:
    case 11:
    case 12: next_us = now_us + wait_us - 1 + (int64_t)rng_below(r, 3); break;
    case 0: next_us = now_us; break;
    case 1: next_us = now_us - (int64_t)rng_below(r, (uint64_t)interval_us * 2 + 10); break;
    case 2: next_us = now_us + draw_magnitude(r, 40); break;
    case 3: next_us = now_us + (int64_t)rng_below(r, 20); break;
    default:
        next_us = now_us + (int64_t)rng_below(r, (uint64_t)(interval_us < (INT64_C(1) << 38)
                                                                ? interval_us * 3
                                                                : (INT64_C(1) << 38)));
        break;
    }
    if (next_us < 0) {
        next_us = 0;
    }
    if (next_us >= RATE_MATH_NOW_MAX_US) {
        next_us = RATE_MATH_NOW_MAX_US - 1 - (int64_t)rng_below(r, 1000);
    }
    return next_us;
}

static int64_t reply_i64(const redisReply *reply) {
    if (reply->type == REDIS_REPLY_INTEGER) {
        return (int64_t)reply->integer;
    }
    if (reply->type == REDIS_REPLY_STRING) {
        return (int64_t)strtoll(reply->str, NULL, 10);
    }
    return 0; /* nil: an absent field */
}

/* The slot holding the latest admitted time: decisions count from max(now, it). */
static int latest_slot(const limiter_algorithm *a) {
    const char *with_tat[] = {"gcra", "gcra_pace", "leaky_bucket_queue"};
    for (size_t i = 0; i < sizeof with_tat / sizeof with_tat[0]; i++) {
        if (strcmp(a->name, with_tat[i]) == 0) {
            return 2;
        }
    }
    return 0;
}

/* How long after at_us the state s still decides differently from no state, from the C
 * algorithm's state layout (algorithms/<name>.c): the TAT or next departure, a bucket's drain,
 * the end of the window (the sliding window's prev counts one window more). */
static int64_t state_live_us(const limiter_config *cfg, const limiter_state *s, int64_t at_us) {
    const char *name = cfg->algorithm->name;
    int64_t a = cfg->limit, b = cfg->period_us; /* L = limit / gcd(limit, period_us) */
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    int64_t per_us = cfg->limit / a;
    if (strcmp(name, "gcra") == 0 || strcmp(name, "gcra_pace") == 0 ||
        strcmp(name, "leaky_bucket_queue") == 0) { /* s0 us + s1 / L */
        return s->slot[0] - at_us + (s->slot[1] > 0 ? 1 : 0);
    }
    if (strcmp(name, "token_bucket") == 0 || strcmp(name, "leaky_bucket_meter") == 0) {
        return (s->slot[1] + per_us - 1) / per_us; /* drains L units of 1/P per us */
    }
    int64_t into_us = at_us % cfg->period_us;
    if (strcmp(name, "sliding_window") == 0) {
        return 2 * cfg->period_us - into_us;
    }
    assert_true(strcmp(name, "fixed_window") == 0 || strcmp(name, "token_bucket_interval") == 0);
    return cfg->period_us - into_us;
}

typedef struct diff_step {
    int64_t now_us, cost;
    limiter_decision decision;
    int64_t at_us;
    limiter_state state_after;
    int64_t ttl_ms; /* the expiry the latest admitted step up to this one set; -2: no key */
} diff_step;

static void fail_step(const char *algorithm, uint64_t seed, int64_t sequence, int step,
                      const limiter_config *cfg, const diff_step *s, const char *what,
                      long long expected, long long got) {
    fail_msg("%s: seed %llu sequence %lld step %d (limit %lld period_us %lld burst %lld "
             "max_wait_us %lld queue_max %lld, now_us %lld cost %lld): %s: C %lld, Lua %lld",
             algorithm, (unsigned long long)seed, (long long)sequence, step,
             (long long)cfg->limit, (long long)cfg->period_us, (long long)cfg->burst,
             (long long)cfg->max_wait_us, (long long)cfg->queue_max, (long long)s->now_us,
             (long long)s->cost, what, expected, got);
}

/* Runs one sequence of steps against key: pipelines them all, then checks every reply. */
static void run_sequence(diff_context *ctx, const limiter_algorithm *a, const char *sha,
                         rng *r, int64_t sequence, int steps, diff_step *s) {
    limiter_config cfg;
    draw_config(r, a, &cfg);
    char key[DIFF_KEY_BYTES];
    snprintf(key, sizeof key, "ratelab:diff:%s:%lld", a->name, (long long)sequence);
    limiter_state state = {{0}};
    int64_t now_us = (int64_t)rng_below(r, 1000000);
    int64_t last_wait_us = 0;
    int64_t ttl_ms = -2; /* PTTL of an absent key */
    for (int i = 0; i < steps; i++) {
        now_us = draw_time(r, &cfg, now_us, last_wait_us);
        s[i].now_us = now_us;
        s[i].cost = draw_cost(r, &cfg);
        s[i].at_us = rate_math_max_i64(now_us, state.slot[latest_slot(a)]);
        a->decide(&cfg, &state, now_us, s[i].cost, &s[i].decision);
        s[i].state_after = state;
        if (s[i].decision.allowed) {
            ttl_ms = (state_live_us(&cfg, &state, s[i].at_us) + 999) / 1000 +
                     LUA_STATE_TTL_SLACK_MS;
        }
        s[i].ttl_ms = ttl_ms;
        last_wait_us = s[i].decision.wait_us;
        lua_script_args args;
        lua_script_args_fill(&args, &cfg, s[i].cost, now_us, 0);
        const char *argv[4 + LUA_SCRIPT_ARGS] = {"EVALSHA", sha, "1", key};
        size_t lengths[4 + LUA_SCRIPT_ARGS] = {7, strlen(sha), 1, strlen(key)};
        for (int j = 0; j < LUA_SCRIPT_ARGS; j++) {
            argv[4 + j] = args.argv[j];
            lengths[4 + j] = args.lengths[j];
        }
        redisAppendCommandArgv(ctx->redis, 4 + LUA_SCRIPT_ARGS, argv, lengths);
        redisAppendCommand(ctx->redis, "HMGET %s s0 s1 s2 s3", key);
        redisAppendCommand(ctx->redis, "PTTL %s", key);
    }
    for (int i = 0; i < steps; i++) {
        redisReply *eval = NULL, *hash = NULL, *pttl = NULL;
        assert_int_equal(redisGetReply(ctx->redis, (void **)&eval), REDIS_OK);
        assert_int_equal(redisGetReply(ctx->redis, (void **)&hash), REDIS_OK);
        assert_int_equal(redisGetReply(ctx->redis, (void **)&pttl), REDIS_OK);
        if (eval->type == REDIS_REPLY_ERROR) {
            fail_msg("%s: script error: %s", a->name, eval->str);
        }
        assert_int_equal(eval->type, REDIS_REPLY_ARRAY);
        assert_int_equal(eval->elements, 3);
        const diff_step *d = &s[i];
        long long allowed = eval->element[0]->integer, wait_us = eval->element[1]->integer,
                  at_us = eval->element[2]->integer;
        if (allowed != (d->decision.allowed ? 1 : 0)) {
            fail_step(a->name, ctx->seed, sequence, i, &cfg, d, "allowed",
                      d->decision.allowed ? 1 : 0, allowed);
        }
        if (wait_us != d->decision.wait_us) {
            fail_step(a->name, ctx->seed, sequence, i, &cfg, d, "wait_us", d->decision.wait_us,
                      wait_us);
        }
        if (at_us != d->at_us) {
            fail_step(a->name, ctx->seed, sequence, i, &cfg, d, "decided_at_us", d->at_us, at_us);
        }
        assert_int_equal(hash->elements, LIMITER_STATE_SLOTS);
        for (int slot = 0; slot < LIMITER_STATE_SLOTS; slot++) {
            int64_t stored = reply_i64(hash->element[slot]);
            if (stored != d->state_after.slot[slot]) {
                char what[16];
                snprintf(what, sizeof what, "slot %d", slot);
                fail_step(a->name, ctx->seed, sequence, i, &cfg, d, what,
                          d->state_after.slot[slot], stored);
            }
        }
        assert_int_equal(pttl->type, REDIS_REPLY_INTEGER);
        /* Set by the latest admitted step and counting down since: at most what it set. */
        if (pttl->integer > d->ttl_ms ||
            (d->ttl_ms >= 0 && pttl->integer < d->ttl_ms - DIFF_TTL_ELAPSED_MS_MAX) ||
            (d->ttl_ms < 0 && pttl->integer != d->ttl_ms)) {
            fail_step(a->name, ctx->seed, sequence, i, &cfg, d, "PTTL (ms)", d->ttl_ms,
                      pttl->integer);
        }
        freeReplyObject(eval);
        freeReplyObject(hash);
        freeReplyObject(pttl);
    }
    redisReply *del = redisCommand(ctx->redis, "DEL %s", key);
    freeReplyObject(del);
}

static void algorithm_differential(diff_context *ctx, const char *name) {
    const limiter_algorithm *a = limiter_algorithm_find(name);
    assert_non_null(a);
    const lua_script *script = lua_script_for(a);
    assert_non_null(script);
    /* A fresh connection, so that a failure in one algorithm leaves no replies for the next. */
    redisFree(ctx->redis);
    struct timeval tv = {.tv_sec = 10, .tv_usec = 0};
    ctx->redis = redisConnectWithTimeout("127.0.0.1", ctx->server.port, tv);
    assert_true(ctx->redis != NULL && ctx->redis->err == 0);
    redisReply *load = redisCommand(ctx->redis, "SCRIPT LOAD %b", script->source,
                                    script->source_bytes);
    assert_non_null(load);
    if (load->type == REDIS_REPLY_ERROR) {
        fail_msg("%s: SCRIPT LOAD: %s", name, load->str);
    }
    assert_int_equal(load->type, REDIS_REPLY_STRING);
    char sha[48];
    snprintf(sha, sizeof sha, "%s", load->str);
    freeReplyObject(load);
    rng r;
    rng_seed(&r, ctx->seed, (uint64_t)(uintptr_t)name[0] * 131 + strlen(name));
    static diff_step steps[DIFF_SEQUENCE_STEPS_MAX];
    int64_t done = 0;
    for (int64_t sequence = 0; done < ctx->steps; sequence++) {
        int count = 1 + (int)rng_below(&r, DIFF_SEQUENCE_STEPS_MAX);
        run_sequence(ctx, a, sha, &r, sequence, count, steps);
        done += count;
    }
}

#define DIFF_TEST(name)                                                                     \
    static void test_differential_##name(void **state) {                                    \
        algorithm_differential(*state, #name);                                              \
    }
DIFF_TEST(token_bucket)
DIFF_TEST(token_bucket_interval)
DIFF_TEST(gcra)
DIFF_TEST(gcra_pace)
DIFF_TEST(leaky_bucket_meter)
DIFF_TEST(leaky_bucket_queue)
DIFF_TEST(fixed_window)
DIFF_TEST(sliding_window)

/* Every algorithm but unlimited has a mirror; unlimited needs none. */
static void test_every_algorithm_has_a_mirror(void **state) {
    (void)state;
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        const limiter_algorithm *a = limiter_algorithm_at(i);
        if (strcmp(a->name, "unlimited") == 0) {
            assert_null(lua_script_for(a));
        } else {
            assert_non_null(lua_script_for(a));
        }
    }
}

/* With "time", the script reads the server's clock: now = TIME - epoch. */
static void test_server_clock(void **state) {
    diff_context *ctx = *state;
    redisReply *t = redisCommand(ctx->redis, "TIME");
    int64_t server_us = strtoll(t->element[0]->str, NULL, 10) * 1000000 +
                        strtoll(t->element[1]->str, NULL, 10);
    freeReplyObject(t);
    const limiter_algorithm *a = limiter_algorithm_find("gcra");
    const lua_script *script = lua_script_for(a);
    limiter_config cfg = {.algorithm = a, .limit = 7, .period_us = 1000000, .burst = 1};
    lua_script_args args;
    int64_t epoch_us = server_us - 5000000; /* the run started 5 s ago */
    lua_script_args_fill(&args, &cfg, 1, -1, epoch_us);
    const char *argv[3 + LUA_SCRIPT_ARGS] = {"EVAL", script->source, "1"};
    size_t lengths[3 + LUA_SCRIPT_ARGS] = {4, script->source_bytes, 1};
    argv[3] = "ratelab:diff:clock";
    lengths[3] = strlen(argv[3]);
    const char *full[4 + LUA_SCRIPT_ARGS];
    size_t full_lengths[4 + LUA_SCRIPT_ARGS];
    for (int j = 0; j < 4; j++) {
        full[j] = argv[j];
        full_lengths[j] = lengths[j];
    }
    for (int j = 0; j < LUA_SCRIPT_ARGS; j++) {
        full[4 + j] = args.argv[j];
        full_lengths[4 + j] = args.lengths[j];
    }
    redisReply *reply = redisCommandArgv(ctx->redis, 4 + LUA_SCRIPT_ARGS, full, full_lengths);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->element[0]->integer, 1);
    int64_t decided_at_us = reply->element[2]->integer;
    assert_true(decided_at_us >= 5000000);
    assert_true(decided_at_us < 5000000 + 2000000); /* within 2 s of the TIME read above */
    freeReplyObject(reply);
    freeReplyObject(redisCommand(ctx->redis, "DEL ratelab:diff:clock"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_algorithm_has_a_mirror),
        cmocka_unit_test(test_server_clock),
        cmocka_unit_test(test_differential_token_bucket),
        cmocka_unit_test(test_differential_token_bucket_interval),
        cmocka_unit_test(test_differential_gcra),
        cmocka_unit_test(test_differential_gcra_pace),
        cmocka_unit_test(test_differential_leaky_bucket_meter),
        cmocka_unit_test(test_differential_leaky_bucket_queue),
        cmocka_unit_test(test_differential_fixed_window),
        cmocka_unit_test(test_differential_sliding_window),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
