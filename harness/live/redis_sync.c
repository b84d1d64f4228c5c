/* redis_sync.c - synchronous Redis steps with a deadline and a reply cap (see redis_sync.h). */
#include "harness/live/redis_sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <uv.h>

#include "harness/live/live_text.h"

/* The time left before s's deadline, as a timeval of at least 1 ms; false when none is left. */
static bool time_left(const redis_sync *s, struct timeval *tv) {
    uint64_t now_ns = uv_hrtime();
    if (now_ns >= s->deadline_ns) {
        return false;
    }
    uint64_t left_us = (s->deadline_ns - now_ns) / 1000;
    left_us = left_us < 1000 ? 1000 : left_us;
    tv->tv_sec = (time_t)(left_us / 1000000);
    tv->tv_usec = (suseconds_t)(left_us % 1000000);
    return true;
}

/* Why the connection failed, from hiredis's error (read timeouts are "Resource temporarily
 * unavailable" there), printable. */
static void context_error(const redisContext *c, char *out, size_t out_size) {
    if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        snprintf(out, out_size, "no whole answer before the step's deadline");
        return;
    }
    live_text_printable(out, out_size, c->errstr, strlen(c->errstr));
}

/* Writes what is appended, then reads until a whole reply is there, within the deadline. */
static int exchange(redis_sync *s, redisReply **reply, char *why, size_t why_size) {
    redisContext *c = s->context;
    struct timeval tv;
    int done = 0;
    while (!done) {
        if (!time_left(s, &tv)) {
            snprintf(why, why_size, "no answer before the step's deadline");
            return RL_ERR_IO;
        }
        redisSetTimeout(c, tv);
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            context_error(c, why, why_size);
            return RL_ERR_IO;
        }
    }
    void *got = NULL;
    for (;;) {
        if (redisGetReplyFromReader(c, &got) != REDIS_OK) {
            if (s->limit.exceeded) {
                snprintf(why, why_size, "a reply larger than 1 MiB");
            } else {
                context_error(c, why, why_size);
            }
            return RL_ERR_IO;
        }
        if (got != NULL) {
            *reply = got;
            return RL_OK;
        }
        if (reply_limit_over(&s->limit, c->reader)) {
            snprintf(why, why_size, "a reply larger than 1 MiB");
            return RL_ERR_IO;
        }
        if (!time_left(s, &tv)) {
            snprintf(why, why_size, "no whole answer before the step's deadline");
            return RL_ERR_IO;
        }
        redisSetTimeout(c, tv);
        if (redisBufferRead(c) != REDIS_OK) {
            context_error(c, why, why_size);
            return RL_ERR_IO;
        }
    }
}

int redis_sync_command(redis_sync *s, redisReply **reply, const char *what, rl_error *err,
                       const char *format, ...) {
    *reply = NULL;
    char why[160];
    va_list args;
    va_start(args, format);
    int appended = redisvAppendCommand(s->context, format, args);
    va_end(args);
    int rc = appended == REDIS_OK ? exchange(s, reply, why, sizeof why) : RL_ERR_IO;
    if (appended != REDIS_OK) {
        snprintf(why, sizeof why, "out of memory");
    }
    if (rc != RL_OK) {
        return rl_error_set(err, RL_ERR_IO, "%s: %s failed: %s", s->where, what, why);
    }
    return RL_OK;
}

/* An error reply, or a reply of another type than expected: one line for err. */
static int step_refused(redis_sync *s, const redisReply *reply, const char *what, rl_error *err) {
    char described[200];
    redis_sync_reply_describe(reply, described, sizeof described);
    return rl_error_set(err, RL_ERR_IO, "%s: %s failed: the server answered %s", s->where, what,
                        described);
}

int redis_sync_open(redis_sync *s, const redis_url *url, const char *where, uint64_t deadline_ns,
                    rl_error *err) {
    memset(s, 0, sizeof *s);
    s->deadline_ns = deadline_ns;
    s->where = where;
    struct timeval tv;
    if (!time_left(s, &tv)) {
        return rl_error_set(err, RL_ERR_IO, "cannot connect to %s: no time left", where);
    }
    s->context = redisConnectWithTimeout(url->host, url->port, tv);
    if (s->context == NULL || s->context->err != 0) {
        char why[160];
        if (s->context != NULL) {
            live_text_printable(why, sizeof why, s->context->errstr,
                                strlen(s->context->errstr));
        } else {
            snprintf(why, sizeof why, "out of memory");
        }
        redis_sync_close(s);
        return rl_error_set(err, RL_ERR_IO, "cannot connect to %s: %s", where, why);
    }
    reply_limit_attach(&s->limit, s->context->reader, REPLY_LIMIT_BYTES_MAX);
    redisReply *reply = NULL;
    int rc = RL_OK;
    if (url->password[0] != '\0') {
        rc = url->user[0] != '\0'
                 ? redis_sync_command(s, &reply, "AUTH", err, "AUTH %s %s", url->user,
                                      url->password)
                 : redis_sync_command(s, &reply, "AUTH", err, "AUTH %s", url->password);
        if (rc == RL_OK && reply->type == REDIS_REPLY_ERROR) {
            char text[120];
            live_text_printable(text, sizeof text, reply->str, reply->len);
            rc = rl_error_set(err, RL_ERR_IO, "%s refused the credentials: %s", where, text);
        }
        freeReplyObject(reply);
        reply = NULL;
    }
    if (rc == RL_OK) {
        char what[32];
        snprintf(what, sizeof what, "SELECT %d", url->db);
        rc = redis_sync_command(s, &reply, what, err, "SELECT %d", url->db);
        if (rc == RL_OK && reply->type != REDIS_REPLY_STATUS) {
            rc = step_refused(s, reply, what, err);
        }
        freeReplyObject(reply);
    }
    if (rc != RL_OK) {
        redis_sync_close(s);
    }
    return rc;
}

void redis_sync_close(redis_sync *s) {
    redisFree(s->context); /* frees the reader, whose functions are reply_limit's */
    s->context = NULL;
}

void redis_sync_reply_describe(const redisReply *reply, char *out, size_t out_size) {
    char text[120];
    switch (reply->type) {
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        live_text_printable(text, sizeof text, reply->str, reply->len);
        snprintf(out, out_size, "%s \"%s\"",
                 reply->type == REDIS_REPLY_STATUS ? "the status reply" : "the error", text);
        break;
    case REDIS_REPLY_INTEGER: snprintf(out, out_size, "the integer %lld", reply->integer); break;
    case REDIS_REPLY_NIL: snprintf(out, out_size, "nil"); break;
    case REDIS_REPLY_ARRAY:
        snprintf(out, out_size, "an array of %zu", reply->elements);
        break;
    default: snprintf(out, out_size, "a string of %zu bytes", reply->len); break;
    }
}
