/* live_lock.h - the lock-based limiter (scope redis_lock) in a real Redis: the commands that
 * carry each store_command, and what their replies mean.
 *
 * Each redis_lock limiter has two keys under the run's prefix: the lock and the state.
 *
 *   LOCK    SET <lock> <owner> NX PX <ttl_ms>       ok: "OK" (taken); nil: held by another
 *   READ    GET <state>                             ok always; nil (never written): all zero
 *   WRITE   SET <state> <s0 s1 s2 s3>               ok always
 *   UNLOCK  lock_release.lua on <lock> with owner   ok: 1 (it was ours, now deleted); 0: not
 *
 * The meaning of store_reply.ok and .state is the simulated store's (store_model_execute). The
 * state is text: the LIMITER_STATE_SLOTS int64 slots in decimal, one space apart, so that a
 * READ gives back exactly what a WRITE stored. Redis' PX counts whole milliseconds: the lock's
 * time-to-live is rounded up to the next millisecond (the simulation expires it to the
 * microsecond). Nothing here does I/O or allocates. */
#ifndef RATELAB_LIVE_LOCK_H
#define RATELAB_LIVE_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "algorithms/limiter.h"
#include "harness/core/rl_error.h"
#include "harness/live/redis_client.h"
#include "harness/model/pod_env.h"

/* Room for the state's text: each slot at most 20 characters ("-9223372036854775808"), the
 * spaces between them, and a NUL. */
#define LIVE_LOCK_STATE_TEXT_BYTES (LIMITER_STATE_SLOTS * 21 + 1)
#define LIVE_LOCK_ARGS_MAX 6
#define LIVE_LOCK_NUMBER_BYTES 24

/* One plain command (LOCK, READ or WRITE) ready for redis_client_command: argv and lengths
 * point into the struct itself and into the keys given to live_lock_command_build. */
typedef struct live_lock_command {
    int argc;
    const char *argv[LIVE_LOCK_ARGS_MAX];
    size_t lengths[LIVE_LOCK_ARGS_MAX];
    char owner[LIVE_LOCK_NUMBER_BYTES];
    char ttl_ms[LIVE_LOCK_NUMBER_BYTES];
    char state[LIVE_LOCK_STATE_TEXT_BYTES];
} live_lock_command;

/* Writes state as text into buf (size >= LIVE_LOCK_STATE_TEXT_BYTES). Returns its length. */
size_t live_lock_state_encode(const limiter_state *state, char *buf, size_t size);

/* Reads text of length bytes, exactly as live_lock_state_encode writes it (LIMITER_STATE_SLOTS
 * decimal int64 values, one space apart, nothing else), into *out. Returns 0, or
 * RL_ERR_INVALID (out unchanged) for anything else. */
int live_lock_state_decode(const char *text, size_t length, limiter_state *out);

/* The lock's PX in milliseconds for lock_ttl_us (> 0): rounded up, at least 1. */
int64_t live_lock_ttl_ms(int64_t lock_ttl_us);

/* Fills out with the Redis command for command (op LOCK, READ or WRITE; UNLOCK is the
 * lock_release script, see lua_script_args_fill_owner) on the limiter's lock_key and state_key
 * (borrowed: they must outlive out's use). */
void live_lock_command_build(const store_command *command, const char *lock_key,
                             const char *state_key, live_lock_command *out);

/* The store's answer to op from the client's status and Redis' reply (NULL unless status is
 * OK): STORE_REPLY_OK with ok and state as the simulated store means them; REFUSED for an error
 * reply or a reply of the wrong shape (such as a state that is not ours); TIMEOUT as given. */
void live_lock_reply_parse(store_op op, redis_client_status status, const redisReply *reply,
                           store_reply *out);

#endif
