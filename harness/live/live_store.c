/* live_store.c - the live world's store requests: shared limiters as Lua calls, the lock-based
 * limiter's plain commands (live_lock.h), and their answers back to the pods.
 *
 * Every request in flight has a slot that remembers whose it is and what it asked; the slot's
 * index is the tag the Redis client reports with. Slots are reused, so the steady state
 * allocates nothing (as the simulation's store requests, harness/sim/sim_run.c). */
#include <assert.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/live/live_lock.h"
#include "harness/live/live_world.h"

#define LIVE_STORE_SLOTS_INITIAL 1024
#define LIVE_STORE_SLOT_NIL UINT32_MAX
/* The op of a slot holding a limiter call (store_op values are the plain commands). */
#define LIVE_STORE_LIMITER_CALL (-1)
/* The op of a slot holding a limiter observe: fire-and-forget, its answer is dropped. */
#define LIVE_STORE_LIMITER_OBSERVE (-2)

typedef struct live_store_request {
    uint64_t job_token;
    int op;             /* a store_op, or LIVE_STORE_LIMITER_CALL */
    uint32_t next_free;
} live_store_request;

/* A free slot for job_token's request op, growing the pool when none is free;
 * LIVE_STORE_SLOT_NIL (the run failing) without memory. */
static uint32_t request_take(live_world *w, uint64_t job_token, int op) {
    if (w->request_free == LIVE_STORE_SLOT_NIL) {
        uint32_t old = w->request_capacity;
        uint32_t grown = old == 0 ? LIVE_STORE_SLOTS_INITIAL : old * 2;
        if (grown <= old) {
            live_world_fail(w, RL_ERR_LIMIT, "too many store requests in flight");
            return LIVE_STORE_SLOT_NIL;
        }
        live_store_request *requests = rl_reallocarray(w->requests, grown, sizeof *requests);
        if (requests == NULL) {
            live_world_fail(w, RL_ERR_NOMEM, "out of memory for store requests");
            return LIVE_STORE_SLOT_NIL;
        }
        for (uint32_t i = old; i < grown; i++) {
            requests[i].next_free = i + 1 < grown ? i + 1 : LIVE_STORE_SLOT_NIL;
        }
        w->requests = requests;
        w->request_capacity = grown;
        w->request_free = old;
    }
    uint32_t slot = w->request_free;
    w->request_free = w->requests[slot].next_free;
    w->requests[slot].job_token = job_token;
    w->requests[slot].op = op;
    return slot;
}

void live_store_init(live_world *w) {
    w->requests = NULL;
    w->request_capacity = 0;
    w->request_free = LIVE_STORE_SLOT_NIL;
}

void live_store_destroy(live_world *w) {
    rl_free(w->requests);
    w->requests = NULL;
    w->request_capacity = 0;
    w->request_free = LIVE_STORE_SLOT_NIL;
}

void live_store_limiter_call(void *world, uint64_t job_token, int limiter_index, int64_t cost) {
    live_world *w = world;
    w->store_calls++;
    int script = w->limiter_script[limiter_index];
    if (script < 0) { /* unlimited: nothing to ask; answer on the next turn */
        live_world_push(w, live_world_now_us(w), LIVE_EVENT_STORE_LOCAL, job_token, 0);
        return;
    }
    uint32_t slot = request_take(w, job_token, LIVE_STORE_LIMITER_CALL);
    if (slot == LIVE_STORE_SLOT_NIL) {
        return;
    }
    lua_script_args args;
    int64_t now_us = w->options.local_clock ? live_world_now_us(w) : -1;
    lua_script_args_fill(&args, &w->scenario->limiters[limiter_index].config, cost, now_us,
                         w->epoch_us);
    redis_client_evalsha(&w->client, script, w->limiter_key[limiter_index], &args, slot);
}

void live_store_limiter_observe(void *world, int limiter_index, const limiter_outcome *outcome) {
    live_world *w = world;
    int script = w->limiter_script[limiter_index];
    assert(script >= 0); /* only a learning algorithm is observed, and each has its script */
    uint32_t slot = request_take(w, 0, LIVE_STORE_LIMITER_OBSERVE);
    if (slot == LIVE_STORE_SLOT_NIL) {
        return;
    }
    lua_script_args args;
    int64_t now_us = w->options.local_clock ? live_world_now_us(w) : -1;
    lua_script_args_fill_observe(&args, &w->scenario->limiters[limiter_index].config, outcome,
                                 now_us, w->epoch_us);
    redis_client_evalsha(&w->client, script, w->limiter_key[limiter_index], &args, slot);
}

void live_store_command(void *world, uint64_t job_token, const store_command *command) {
    live_world *w = world;
    int l = command->limiter_index;
    uint32_t slot = request_take(w, job_token, (int)command->op);
    if (slot == LIVE_STORE_SLOT_NIL) {
        return;
    }
    if (command->op == STORE_OP_UNLOCK) { /* compare-and-delete, atomic in a script */
        lua_script_args args;
        lua_script_args_fill_owner(&args, command->owner);
        redis_client_evalsha(&w->client, w->lock_release_script, w->lock_key[l], &args, slot);
        return;
    }
    live_lock_command redis_command;
    live_lock_command_build(command, w->lock_key[l], w->limiter_key[l], &redis_command);
    redis_client_command(&w->client, redis_command.argc, redis_command.argv,
                         redis_command.lengths, slot);
}

/* A limiter script's answer: {allowed, wait_us, decided_at_us}, or anything else (an error). */
static void limiter_reply_parse(redis_client_status status, const redisReply *reply,
                                store_reply *out) {
    memset(out, 0, sizeof *out);
    if (status == REDIS_CLIENT_TIMEOUT) {
        out->status = STORE_REPLY_TIMEOUT;
    } else if (status != REDIS_CLIENT_OK || reply->type != REDIS_REPLY_ARRAY ||
               reply->elements != 3 || reply->element[0]->type != REDIS_REPLY_INTEGER ||
               reply->element[1]->type != REDIS_REPLY_INTEGER ||
               reply->element[2]->type != REDIS_REPLY_INTEGER) {
        out->status = STORE_REPLY_REFUSED; /* refused, broken, or an error reply (LOADING) */
    } else {
        out->status = STORE_REPLY_OK;
        out->decision.allowed = reply->element[0]->integer != 0;
        out->decision.wait_us = reply->element[1]->integer;
        out->decided_at_us = reply->element[2]->integer;
    }
}

void live_store_on_done(void *context, uint64_t tag, redis_client_status status,
                        const redisReply *reply) {
    live_world *w = context;
    if (w->stopping) {
        return; /* the pods are done; the slots go with the world */
    }
    uint32_t slot = (uint32_t)tag;
    live_store_request request = w->requests[slot];
    w->requests[slot].next_free = w->request_free;
    w->request_free = slot;
    if (request.op == LIVE_STORE_LIMITER_OBSERVE) {
        return; /* nobody waits for it; a failed one is lost, as a hint */
    }
    store_reply answer;
    if (request.op == LIVE_STORE_LIMITER_CALL) {
        limiter_reply_parse(status, reply, &answer);
    } else {
        live_lock_reply_parse((store_op)request.op, status, reply, &answer);
    }
    w->events_run++;
    fleet_on_store_reply(&w->fleet, request.job_token, &answer);
}
