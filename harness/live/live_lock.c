/* live_lock.c - the redis_lock limiter's commands and replies in Redis (see live_lock.h). */
#include "harness/live/live_lock.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t live_lock_state_encode(const limiter_state *state, char *buf, size_t size) {
    assert(size >= LIVE_LOCK_STATE_TEXT_BYTES);
    size_t used = 0;
    for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
        int n = snprintf(buf + used, size - used, i == 0 ? "%lld" : " %lld",
                         (long long)state->slot[i]);
        assert(n > 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
    return used;
}

/* Reads one decimal int64 at text[*at..length) in the form %lld writes (no '+', no leading
 * zero, no "-0"), moving *at past it. Returns false when there is none or it overflows. */
static bool read_int64(const char *text, size_t length, size_t *at, int64_t *out) {
    size_t i = *at;
    bool negative = i < length && text[i] == '-';
    if (negative) {
        i++;
    }
    size_t first = i;
    uint64_t magnitude = 0;
    uint64_t bound = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    while (i < length && text[i] >= '0' && text[i] <= '9') {
        uint64_t digit = (uint64_t)(text[i] - '0');
        if (magnitude > (bound - digit) / 10) {
            return false;
        }
        magnitude = magnitude * 10 + digit;
        i++;
    }
    size_t digits = i - first;
    if (digits == 0 || (digits > 1 && text[first] == '0') || (negative && magnitude == 0)) {
        return false;
    }
    *out = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    *at = i;
    return true;
}

int live_lock_state_decode(const char *text, size_t length, limiter_state *out) {
    limiter_state state;
    size_t at = 0;
    for (int i = 0; i < LIMITER_STATE_SLOTS; i++) {
        if (i > 0) {
            if (at >= length || text[at] != ' ') {
                return RL_ERR_INVALID;
            }
            at++;
        }
        if (!read_int64(text, length, &at, &state.slot[i])) {
            return RL_ERR_INVALID;
        }
    }
    if (at != length) {
        return RL_ERR_INVALID;
    }
    *out = state;
    return RL_OK;
}

int64_t live_lock_ttl_ms(int64_t lock_ttl_us) {
    assert(lock_ttl_us > 0);
    return (lock_ttl_us + 999) / 1000;
}

static void command_arg(live_lock_command *out, const char *text) {
    assert(out->argc < LIVE_LOCK_ARGS_MAX);
    out->argv[out->argc] = text;
    out->lengths[out->argc] = strlen(text);
    out->argc++;
}

void live_lock_command_build(const store_command *command, const char *lock_key,
                             const char *state_key, live_lock_command *out) {
    out->argc = 0;
    switch (command->op) {
    case STORE_OP_LOCK:
        snprintf(out->owner, sizeof out->owner, "%llu", (unsigned long long)command->owner);
        snprintf(out->ttl_ms, sizeof out->ttl_ms, "%lld",
                 (long long)live_lock_ttl_ms(command->lock_ttl_us));
        command_arg(out, "SET");
        command_arg(out, lock_key);
        command_arg(out, out->owner);
        command_arg(out, "NX");
        command_arg(out, "PX");
        command_arg(out, out->ttl_ms);
        return;
    case STORE_OP_READ:
        command_arg(out, "GET");
        command_arg(out, state_key);
        return;
    case STORE_OP_WRITE:
        live_lock_state_encode(&command->state, out->state, sizeof out->state);
        command_arg(out, "SET");
        command_arg(out, state_key);
        command_arg(out, out->state);
        return;
    case STORE_OP_UNLOCK: break;
    }
    assert(!"UNLOCK is the lock_release script, not a plain command");
}

static bool reply_is_ok_status(const redisReply *reply) {
    return reply->type == REDIS_REPLY_STATUS && reply->len == 2 && memcmp(reply->str, "OK", 2) == 0;
}

/* ok and state from a reply to op; false when the reply does not have op's shape. */
static bool reply_read(store_op op, const redisReply *reply, store_reply *out) {
    switch (op) {
    case STORE_OP_LOCK:
        out->ok = reply_is_ok_status(reply);
        return out->ok || reply->type == REDIS_REPLY_NIL;
    case STORE_OP_READ:
        out->ok = true;
        if (reply->type == REDIS_REPLY_NIL) {
            return true; /* never written: a fresh limiter's state is all zero */
        }
        return reply->type == REDIS_REPLY_STRING &&
               live_lock_state_decode(reply->str, reply->len, &out->state) == RL_OK;
    case STORE_OP_WRITE:
        out->ok = true;
        return reply_is_ok_status(reply);
    case STORE_OP_UNLOCK:
        out->ok = reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
        return reply->type == REDIS_REPLY_INTEGER && (reply->integer == 0 || reply->integer == 1);
    }
    return false;
}

void live_lock_reply_parse(store_op op, redis_client_status status, const redisReply *reply,
                           store_reply *out) {
    memset(out, 0, sizeof *out);
    if (status == REDIS_CLIENT_TIMEOUT) {
        out->status = STORE_REPLY_TIMEOUT;
        return;
    }
    if (status != REDIS_CLIENT_OK || reply == NULL || !reply_read(op, reply, out)) {
        memset(out, 0, sizeof *out);
        out->status = STORE_REPLY_REFUSED; /* refused, broken, or an error reply (LOADING) */
        return;
    }
    out->status = STORE_REPLY_OK;
}
