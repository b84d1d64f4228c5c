/* test_live_lock.c - the redis_lock limiter's Redis commands and replies (live_lock.h).
 *
 * Exact cases first: the state's text, the lock's PX, the commands' words, the meaning of every
 * reply shape. Then properties with a printed seed: the state's text round-trips and is the
 * only text that decodes to its state; and random sequences of LOCK / READ / WRITE / UNLOCK
 * sent to a real redis-server (started here on a free loopback port) give, step by step, the
 * same ok and state as the simulated store (store_model_execute). */
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

#include "harness/core/rng.h"
#include "harness/live/live_lock.h"
#include "harness/live/lua_scripts.h"
#include "harness/live/redis_server.h"
#include "harness/sim/store_model.h"

#define PROPERTY_SEED 20261123
#define ROUND_TRIPS 100000
#define SEQUENCE_STEPS 3000

static void encodes_slots_in_decimal(void **state) {
    (void)state;
    char text[LIVE_LOCK_STATE_TEXT_BYTES];
    limiter_state s = {.slot = {0, 1, -1, INT64_MAX}};
    size_t length = live_lock_state_encode(&s, text, sizeof text);
    assert_string_equal(text, "0 1 -1 9223372036854775807");
    assert_int_equal(length, strlen(text));
    limiter_state widest = {.slot = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN}};
    length = live_lock_state_encode(&widest, text, sizeof text);
    assert_int_equal(length, 4 * 20 + 3);
    assert_true(length < LIVE_LOCK_STATE_TEXT_BYTES); /* the widest state fits, with its NUL */
    assert_string_equal(text, "-9223372036854775808 -9223372036854775808 "
                              "-9223372036854775808 -9223372036854775808");
}

static void decodes_what_it_encodes(void **state) {
    (void)state;
    limiter_state out;
    const char *text = "0 1 -1 9223372036854775807";
    assert_int_equal(live_lock_state_decode(text, strlen(text), &out), RL_OK);
    assert_true(out.slot[0] == 0 && out.slot[1] == 1 && out.slot[2] == -1 &&
                out.slot[3] == INT64_MAX);
    text = "-9223372036854775808 5 6 7";
    assert_int_equal(live_lock_state_decode(text, strlen(text), &out), RL_OK);
    assert_true(out.slot[0] == INT64_MIN && out.slot[3] == 7);
    /* Only the length given counts: text beyond it is not read. */
    text = "1 2 3 45";
    assert_int_equal(live_lock_state_decode(text, strlen(text) - 1, &out), RL_OK);
    assert_true(out.slot[3] == 4);
}

static void refuses_any_other_text(void **state) {
    (void)state;
    const char *bad[] = {
        "",
        "1 2 3",
        "1 2 3 4 5",
        "1 2 3 4 ",
        " 1 2 3 4",
        "1  2 3 4",
        "1\t2 3 4",
        "+1 2 3 4",
        "01 2 3 4",
        "-0 2 3 4",
        "- 2 3 4",
        "1 2 3 4x",
        "a b c d",
        "9223372036854775808 0 0 0",
        "-9223372036854775809 0 0 0",
        "99999999999999999999 0 0 0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        limiter_state out = {.slot = {11, 22, 33, 44}};
        if (live_lock_state_decode(bad[i], strlen(bad[i]), &out) != RL_ERR_INVALID) {
            fail_msg("decoded \"%s\"", bad[i]);
        }
        assert_true(out.slot[0] == 11 && out.slot[1] == 22 && out.slot[2] == 33 &&
                    out.slot[3] == 44); /* unchanged */
    }
    /* A NUL inside the length is not a digit either. */
    limiter_state out;
    assert_int_equal(live_lock_state_decode("1 2 3 4\0", 8, &out), RL_ERR_INVALID);
}

static void lock_ttl_rounds_up_to_milliseconds(void **state) {
    (void)state;
    assert_int_equal(live_lock_ttl_ms(1), 1);
    assert_int_equal(live_lock_ttl_ms(999), 1);
    assert_int_equal(live_lock_ttl_ms(1000), 1);
    assert_int_equal(live_lock_ttl_ms(1001), 2);
    assert_int_equal(live_lock_ttl_ms(100000), 100);
    assert_int_equal(live_lock_ttl_ms(INT64_C(1) << 40), ((INT64_C(1) << 40) + 999) / 1000);
}

static void assert_words(const live_lock_command *c, int argc, const char *const *words) {
    assert_int_equal(c->argc, argc);
    for (int i = 0; i < argc; i++) {
        assert_int_equal(c->lengths[i], strlen(words[i]));
        assert_memory_equal(c->argv[i], words[i], c->lengths[i]);
    }
}

static void builds_the_commands(void **state) {
    (void)state;
    live_lock_command c;
    store_command lock = {.op = STORE_OP_LOCK, .owner = (UINT64_C(7) << 32) | 42,
                          .lock_ttl_us = 100000};
    live_lock_command_build(&lock, "p:lock:l", "p:limiter:l", &c);
    const char *set_nx[] = {"SET", "p:lock:l", "30064771114", "NX", "PX", "100"};
    assert_words(&c, 6, set_nx);
    store_command read = {.op = STORE_OP_READ};
    live_lock_command_build(&read, "p:lock:l", "p:limiter:l", &c);
    const char *get[] = {"GET", "p:limiter:l"};
    assert_words(&c, 2, get);
    store_command write = {.op = STORE_OP_WRITE, .state = {.slot = {5, -6, 0, 1}}};
    live_lock_command_build(&write, "p:lock:l", "p:limiter:l", &c);
    const char *set[] = {"SET", "p:limiter:l", "5 -6 0 1"};
    assert_words(&c, 3, set);
    /* UNLOCK is the release script with the owner as its one argument. */
    lua_script_args args;
    lua_script_args_fill_owner(&args, UINT64_MAX);
    assert_int_equal(args.count, 1);
    assert_string_equal(args.argv[0], "18446744073709551615");
    assert_int_equal(args.lengths[0], 20);
}

static redisReply reply_of(int type, const char *str, long long integer) {
    redisReply r;
    memset(&r, 0, sizeof r);
    r.type = type;
    r.integer = integer;
    if (str != NULL) {
        r.str = (char *)str;
        r.len = strlen(str);
    }
    return r;
}

static store_reply parse(store_op op, redis_client_status status, const redisReply *reply) {
    store_reply out;
    memset(&out, 0x5a, sizeof out); /* what parse does not set shows */
    live_lock_reply_parse(op, status, reply, &out);
    return out;
}

static void replies_mean_what_the_simulated_store_means(void **state) {
    (void)state;
    redisReply ok = reply_of(REDIS_REPLY_STATUS, "OK", 0);
    redisReply nil = reply_of(REDIS_REPLY_NIL, NULL, 0);
    redisReply error = reply_of(REDIS_REPLY_ERROR, "LOADING Redis is loading", 0);
    redisReply one = reply_of(REDIS_REPLY_INTEGER, NULL, 1);
    redisReply zero = reply_of(REDIS_REPLY_INTEGER, NULL, 0);
    redisReply two = reply_of(REDIS_REPLY_INTEGER, NULL, 2);
    redisReply text = reply_of(REDIS_REPLY_STRING, "1 2 3 -4", 0);
    redisReply garbage = reply_of(REDIS_REPLY_STRING, "1 2 3", 0);
    redisReply queued = reply_of(REDIS_REPLY_STATUS, "QUEUED", 0);
    store_reply r = parse(STORE_OP_LOCK, REDIS_CLIENT_OK, &ok);
    assert_true(r.status == STORE_REPLY_OK && r.ok);
    r = parse(STORE_OP_LOCK, REDIS_CLIENT_OK, &nil); /* held by another */
    assert_true(r.status == STORE_REPLY_OK && !r.ok);
    r = parse(STORE_OP_LOCK, REDIS_CLIENT_OK, &queued);
    assert_true(r.status == STORE_REPLY_REFUSED && !r.ok);
    r = parse(STORE_OP_READ, REDIS_CLIENT_OK, &nil); /* never written: a fresh state */
    assert_true(r.status == STORE_REPLY_OK && r.ok);
    for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
        assert_true(r.state.slot[i] == 0);
    }
    r = parse(STORE_OP_READ, REDIS_CLIENT_OK, &text);
    assert_true(r.status == STORE_REPLY_OK && r.ok && r.state.slot[0] == 1 &&
                r.state.slot[3] == -4);
    r = parse(STORE_OP_READ, REDIS_CLIENT_OK, &garbage); /* not a state ratelab wrote */
    assert_true(r.status == STORE_REPLY_REFUSED && !r.ok);
    r = parse(STORE_OP_READ, REDIS_CLIENT_OK, &one);
    assert_true(r.status == STORE_REPLY_REFUSED);
    r = parse(STORE_OP_WRITE, REDIS_CLIENT_OK, &ok);
    assert_true(r.status == STORE_REPLY_OK && r.ok);
    r = parse(STORE_OP_WRITE, REDIS_CLIENT_OK, &nil);
    assert_true(r.status == STORE_REPLY_REFUSED);
    r = parse(STORE_OP_UNLOCK, REDIS_CLIENT_OK, &one); /* ours, deleted */
    assert_true(r.status == STORE_REPLY_OK && r.ok);
    r = parse(STORE_OP_UNLOCK, REDIS_CLIENT_OK, &zero); /* expired, or another's */
    assert_true(r.status == STORE_REPLY_OK && !r.ok);
    r = parse(STORE_OP_UNLOCK, REDIS_CLIENT_OK, &two);
    assert_true(r.status == STORE_REPLY_REFUSED);
    r = parse(STORE_OP_UNLOCK, REDIS_CLIENT_OK, &ok);
    assert_true(r.status == STORE_REPLY_REFUSED);
    for (int op = STORE_OP_LOCK; op <= STORE_OP_UNLOCK; op++) {
        r = parse((store_op)op, REDIS_CLIENT_OK, &error);
        assert_true(r.status == STORE_REPLY_REFUSED && !r.ok);
        r = parse((store_op)op, REDIS_CLIENT_REFUSED, NULL);
        assert_true(r.status == STORE_REPLY_REFUSED && !r.ok);
        r = parse((store_op)op, REDIS_CLIENT_TIMEOUT, NULL);
        assert_true(r.status == STORE_REPLY_TIMEOUT && !r.ok);
        for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
            assert_true(r.state.slot[i] == 0);
        }
    }
}

/* A value of random magnitude (bits uniform in 0..63), either sign, now and then an extreme. */
static int64_t draw_slot(rng *r) {
    switch (rng_below(r, 16)) {
    case 0: return INT64_MIN;
    case 1: return INT64_MAX;
    case 2: return 0;
    default: break;
    }
    int bits = (int)rng_below(r, 64);
    int64_t magnitude = (int64_t)(rng_next_u64(r) >> (64 - bits - 1) >> 1);
    return rng_below(r, 2) == 0 ? magnitude : -magnitude;
}

static void state_text_round_trips_and_is_canonical(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, PROPERTY_SEED, 1);
    printf("  seed %d\n", PROPERTY_SEED);
    const char alphabet[] = "0123456789- +x";
    for (int n = 0; n < ROUND_TRIPS; n++) {
        limiter_state s, back;
        for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
            s.slot[i] = draw_slot(&r);
        }
        char text[LIVE_LOCK_STATE_TEXT_BYTES];
        size_t length = live_lock_state_encode(&s, text, sizeof text);
        assert_int_equal(live_lock_state_decode(text, length, &back), RL_OK);
        assert_memory_equal(&s, &back, sizeof s);
        /* One character changed: it decodes only when it is the encoding of what it decodes
         * to (so no two texts mean the same state). */
        text[rng_below(&r, length)] = alphabet[rng_below(&r, sizeof alphabet - 1)];
        if (live_lock_state_decode(text, length, &back) == RL_OK) {
            char again[LIVE_LOCK_STATE_TEXT_BYTES];
            size_t again_length = live_lock_state_encode(&back, again, sizeof again);
            assert_int_equal(again_length, length);
            assert_memory_equal(again, text, length);
        }
    }
}

/* ---- against a real redis-server ---- */

typedef struct redis_fixture {
    redis_server server;
    redisContext *redis;
} redis_fixture;

static int redis_setup(void **state) {
    static redis_fixture fixture;
    rl_error err;
    rl_error_clear(&err);
    if (redis_server_start(&fixture.server, NULL, &err) != RL_OK) {
        fprintf(stderr, "test_live_lock: %s\n", err.message);
        return -1;
    }
    struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
    fixture.redis = redisConnectWithTimeout("127.0.0.1", fixture.server.port, tv);
    if (fixture.redis == NULL || fixture.redis->err != 0) {
        redis_server_stop(&fixture.server);
        return -1;
    }
    *state = &fixture;
    return 0;
}

static int redis_teardown(void **state) {
    redis_fixture *fixture = *state;
    redisFree(fixture->redis);
    redis_server_stop(&fixture->server);
    return 0;
}

/* Runs command in Redis the way the live world sends it; returns the parsed answer. */
static store_reply redis_execute(redisContext *c, const store_command *command) {
    redisReply *reply;
    if (command->op == STORE_OP_UNLOCK) {
        const lua_script *release = lua_script_find("lock_release");
        assert_non_null(release);
        lua_script_args args;
        lua_script_args_fill_owner(&args, command->owner);
        const char *argv[] = {"EVAL", release->source, "1", "t:lock:l", args.argv[0]};
        size_t lengths[] = {4, release->source_bytes, 1, 8, args.lengths[0]};
        reply = redisCommandArgv(c, 5, argv, lengths);
    } else {
        live_lock_command built;
        live_lock_command_build(command, "t:lock:l", "t:limiter:l", &built);
        reply = redisCommandArgv(c, built.argc, built.argv, built.lengths);
    }
    assert_non_null(reply);
    store_reply out;
    live_lock_reply_parse(command->op, REDIS_CLIENT_OK, reply, &out);
    freeReplyObject(reply);
    return out;
}

static void sleep_ms(long ms) {
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* The lock's expiry, in both stores: another owner takes an expired lock, and the first can no
 * longer release it. */
static void expired_lock_is_free_in_both(void **state) {
    redis_fixture *fixture = *state;
    freeReplyObject(redisCommand(fixture->redis, "FLUSHDB"));
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->limiter_count = 1;
    store_model model;
    assert_int_equal(store_model_init(&model, s, 1, 1), RL_OK);
    /* 200 ms: long enough that a loaded machine does not let it expire between two commands,
     * short enough to wait out. */
    store_command lock_a = {.op = STORE_OP_LOCK, .owner = 1, .lock_ttl_us = 200000};
    store_command lock_b = {.op = STORE_OP_LOCK, .owner = 2, .lock_ttl_us = 200000};
    store_command unlock_a = {.op = STORE_OP_UNLOCK, .owner = 1};
    store_reply sim;
    store_model_execute(&model, &lock_a, 0, &sim);
    assert_true(sim.ok && redis_execute(fixture->redis, &lock_a).ok);
    store_model_execute(&model, &lock_b, 1000, &sim); /* still held */
    assert_false(sim.ok || redis_execute(fixture->redis, &lock_b).ok);
    sleep_ms(400);
    store_model_execute(&model, &lock_b, 400000, &sim); /* expired: free */
    assert_true(sim.ok && redis_execute(fixture->redis, &lock_b).ok);
    store_model_execute(&model, &unlock_a, 400000, &sim); /* b's now: a cannot delete it */
    store_reply live = redis_execute(fixture->redis, &unlock_a);
    assert_true(!sim.ok && live.status == STORE_REPLY_OK && !live.ok);
    store_model_destroy(&model);
    free(s);
}

/* Random steps by three owners (0, 1, 2) with a lock that never expires during the test:
 * Redis through live_lock answers every step as the simulated store does. */
static void random_steps_agree_with_the_simulated_store(void **state) {
    redis_fixture *fixture = *state;
    freeReplyObject(redisCommand(fixture->redis, "FLUSHDB"));
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->limiter_count = 1;
    store_model model;
    assert_int_equal(store_model_init(&model, s, 1, 1), RL_OK);
    rng r;
    rng_seed(&r, PROPERTY_SEED, 2);
    int64_t counts[4] = {0}, oks[4] = {0};
    for (int step = 0; step < SEQUENCE_STEPS; step++) {
        /* Three owners; 0 among them: the first job's token (job 0, life 0). */
        store_command command = {.op = (store_op)rng_below(&r, 4),
                                 .owner = rng_below(&r, 3),
                                 .lock_ttl_us = INT64_C(3600000000)};
        for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
            command.state.slot[i] = draw_slot(&r);
        }
        store_reply sim, live;
        memset(&sim, 0, sizeof sim);
        store_model_execute(&model, &command, step, &sim);
        live = redis_execute(fixture->redis, &command);
        assert_int_equal(live.status, STORE_REPLY_OK);
        if (live.ok != sim.ok) {
            fail_msg("step %d op %d owner %llu: Redis ok %d, simulated store ok %d", step,
                     (int)command.op, (unsigned long long)command.owner, live.ok, sim.ok);
        }
        if (command.op == STORE_OP_READ) {
            assert_memory_equal(&live.state, &sim.state, sizeof live.state);
        }
        counts[command.op]++;
        oks[command.op] += live.ok ? 1 : 0;
    }
    printf("  %d steps: lock %lld (%lld taken), read %lld, write %lld, unlock %lld (%lld "
           "released)\n",
           SEQUENCE_STEPS, (long long)counts[0], (long long)oks[0], (long long)counts[1],
           (long long)counts[2], (long long)counts[3], (long long)oks[3]);
    /* Both outcomes of LOCK and UNLOCK happened, so each was compared. */
    assert_true(oks[0] > 0 && oks[0] < counts[0]);
    assert_true(oks[3] > 0 && oks[3] < counts[3]);
    store_model_destroy(&model);
    free(s);
}

int main(void) {
    const struct CMUnitTest exact[] = {
        cmocka_unit_test(encodes_slots_in_decimal),
        cmocka_unit_test(decodes_what_it_encodes),
        cmocka_unit_test(refuses_any_other_text),
        cmocka_unit_test(lock_ttl_rounds_up_to_milliseconds),
        cmocka_unit_test(builds_the_commands),
        cmocka_unit_test(replies_mean_what_the_simulated_store_means),
        cmocka_unit_test(state_text_round_trips_and_is_canonical),
    };
    const struct CMUnitTest redis[] = {
        cmocka_unit_test(expired_lock_is_free_in_both),
        cmocka_unit_test(random_steps_agree_with_the_simulated_store),
    };
    int failed = cmocka_run_group_tests_name("live_lock", exact, NULL, NULL);
    failed += cmocka_run_group_tests_name("live_lock_redis", redis, redis_setup, redis_teardown);
    return failed;
}
