/* redis_sync.h - one synchronous connection to Redis for a step outside the loop (set-up,
 * clean-up, CLIENT PAUSE), bounded by the step's deadline whatever the server does.
 *
 * hiredis 0.14's blocking calls have a timeout per read only: a server that sends one byte every
 * 1.5 s keeps a call alive forever, and one that announces a bulk of 100 GB gets it buffered.
 * Here every command is written and read in steps of at most the time left before the deadline
 * (uv_hrtime), and its reply is capped at REPLY_LIMIT_BYTES_MAX (reply_limit.h). */
#ifndef RATELAB_REDIS_SYNC_H
#define RATELAB_REDIS_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "harness/core/rl_error.h"
#include "harness/live/redis_url.h"
#include "harness/live/reply_limit.h"

typedef struct redis_sync {
    redisContext *context; /* NULL when not open */
    reply_limit limit;
    uint64_t deadline_ns; /* uv_hrtime at which every step gives up */
    const char *where;    /* the server as printed (redis://host:port/db), borrowed */
} redis_sync;

/* Connects to url (borrowed), authenticates and selects its db, all before deadline_ns; where
 * (borrowed) names the server in messages. Returns 0, or RL_ERR_IO with one line in err (the
 * server's own error text when it answered one; never the password). */
int redis_sync_open(redis_sync *s, const redis_url *url, const char *where, uint64_t deadline_ns,
                    rl_error *err);

/* Sends one command (hiredis's format: printf's, and %b for bytes then length) and reads its
 * reply into *reply (the caller frees it with freeReplyObject; an error reply is a reply).
 * Returns 0, or RL_ERR_IO with "<where>: <what> failed: <why>" in err: the connection broke,
 * the deadline passed, the reply was over the cap. After an error the connection is unusable:
 * close it. */
int redis_sync_command(redis_sync *s, redisReply **reply, const char *what, rl_error *err,
                       const char *format, ...);

/* Closes the connection (if open). */
void redis_sync_close(redis_sync *s);

/* Describes reply for a message: `the status reply "OK"`, `the error "NOPERM ..."`, `the integer
 * 3`, `nil`, `an array of 2`, `a string of 12 bytes`; server text made printable. */
void redis_sync_reply_describe(const redisReply *reply, char *out, size_t out_size);

#endif
