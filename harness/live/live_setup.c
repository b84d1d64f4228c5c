/* live_setup.c - before and after a live run: the server (embedded or given), the scripts, the
 * run's keys and the server's clock; at the end, deleting the keys and stopping the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "harness/live/live_faults.h"
#include "harness/live/live_text.h"
#include "harness/live/live_world.h"
#include "harness/live/redis_sync.h"

#define LIVE_STORE_TIMEOUT_MIN_US 1000
/* Deadlines of the steps outside the loop, whatever the server does (docs/RELIABILITY.md): the
 * set-up (connect, AUTH, SELECT, SCRIPT LOAD, opening the pool, TIME) and the clean-up. */
#define LIVE_SETUP_BUDGET_NS UINT64_C(5000000000)
#define LIVE_CLEANUP_BUDGET_NS UINT64_C(2000000000)

/* Every shared limiter of scope redis has a Lua mirror that can hold its settings exactly
 * (redis_lock needs none: the pods decide); the store timeout suits the client's timers. */
static int check_scenario(const scenario *s, rl_error *err) {
    if (s->store.timeout_us < LIVE_STORE_TIMEOUT_MIN_US) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "store.timeout: live needs at least 1ms (its timers count whole "
                            "milliseconds); got %lld us",
                            (long long)s->store.timeout_us);
    }
    for (int i = 0; i < s->limiter_count; i++) {
        const scenario_limiter *l = &s->limiters[i];
        if (l->scope != LIMITER_SCOPE_STORE) {
            continue;
        }
        rl_error inner;
        if (lua_scripts_config_check(&l->config, &inner) != RL_OK) {
            return rl_error_set(err, RL_ERR_INVALID, "limiter %s: %s", l->name, inner.message);
        }
    }
    return RL_OK;
}

/* A run id from the process, the clock and the monotonic clock: keys of two runs never meet. */
static void name_keys(live_world *w) {
    struct timeval now;
    gettimeofday(&now, NULL);
    uint64_t id = ((uint64_t)getpid() << 40) ^ ((uint64_t)now.tv_sec << 20) ^
                  (uint64_t)now.tv_usec ^ (uv_hrtime() << 7);
    snprintf(w->prefix, sizeof w->prefix, "ratelab:%016llx:", (unsigned long long)id);
    for (int i = 0; i < w->scenario->limiter_count; i++) {
        snprintf(w->limiter_key[i], sizeof w->limiter_key[i], "%slimiter:%s", w->prefix,
                 w->scenario->limiters[i].name);
        snprintf(w->lock_key[i], sizeof w->lock_key[i], "%slock:%s", w->prefix,
                 w->scenario->limiters[i].name);
    }
}

/* True when reply is a SHA1 as SCRIPT LOAD gives it: a bulk string of 40 hex digits. */
static bool is_sha1(const redisReply *reply) {
    if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        return false;
    }
    for (size_t i = 0; i < reply->len; i++) {
        char c = reply->str[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* SCRIPT LOAD of script; its SHA1 goes to sha (REDIS_CLIENT_SHA_BYTES). */
static int load_script(redis_sync *c, const lua_script *script, char *sha, rl_error *err) {
    char what[64];
    snprintf(what, sizeof what, "SCRIPT LOAD %s", script->name);
    redisReply *reply = NULL;
    int rc = redis_sync_command(c, &reply, what, err, "SCRIPT LOAD %b", script->source,
                                script->source_bytes);
    if (rc != RL_OK) {
        return rc;
    }
    if (!is_sha1(reply)) {
        char described[200];
        redis_sync_reply_describe(reply, described, sizeof described);
        rc = rl_error_set(err, RL_ERR_IO, "%s: %s failed: expected the script's SHA1 (40 hex "
                          "digits), the server answered %s", c->where, what, described);
    } else {
        snprintf(sha, REDIS_CLIENT_SHA_BYTES, "%.*s", (int)reply->len, reply->str);
    }
    freeReplyObject(reply);
    return rc;
}

/* SCRIPT LOAD for every shared limiter with a mirror (its SHA1 goes to w->limiter_sha), and of
 * the lock release when a limiter has scope redis_lock (w->lock_release_sha). */
static int load_scripts(live_world *w, redis_sync *c, rl_error *err) {
    const scenario *s = w->scenario;
    w->lock_release_sha[0] = '\0';
    for (int i = 0; i < s->limiter_count; i++) {
        w->limiter_sha[i][0] = '\0';
        const lua_script *script = NULL;
        char *sha = w->limiter_sha[i];
        if (s->limiters[i].scope == LIMITER_SCOPE_STORE) {
            script = lua_script_for(s->limiters[i].config.algorithm); /* NULL: unlimited */
        } else if (s->limiters[i].scope == LIMITER_SCOPE_STORE_LOCK &&
                   w->lock_release_sha[0] == '\0') {
            script = lua_script_find("lock_release");
            sha = w->lock_release_sha;
        }
        if (script == NULL) {
            continue;
        }
        int rc = load_script(c, script, sha, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
    return RL_OK;
}

/* Reads redis_version from INFO server into w->stats_server_version ("" when the server does
 * not say: the run does not depend on it, the results folder records it). */
static int read_server_version(live_world *w, redis_sync *c, rl_error *err) {
    w->stats_server_version[0] = '\0';
    redisReply *reply = NULL;
    int rc = redis_sync_command(c, &reply, "INFO server", err, "INFO server");
    if (rc != RL_OK) {
        return rc;
    }
    if (reply->type == REDIS_REPLY_STRING) {
        const char *at = strstr(reply->str, "redis_version:");
        if (at != NULL) {
            at += strlen("redis_version:");
            size_t length = strcspn(at, "\r\n");
            if (length >= sizeof w->stats_server_version) {
                length = sizeof w->stats_server_version - 1;
            }
            memcpy(w->stats_server_version, at, length);
            w->stats_server_version[length] = '\0';
        }
    }
    freeReplyObject(reply);
    return RL_OK;
}

int live_setup_begin(live_world *w, rl_error *err) {
    const scenario *s = w->scenario;
    bool embedded = w->options.redis_url == NULL;
    int rc = check_scenario(s, err);
    if (rc == RL_OK) {
        rc = live_faults_check(s, &w->options, embedded, err);
    }
    if (rc != RL_OK) {
        return rc;
    }
    if (embedded) {
        rc = redis_server_start(&w->server, w->options.server_binary, err);
        if (rc != RL_OK) {
            return rc;
        }
        w->server_started = true;
        memset(&w->url, 0, sizeof w->url);
        snprintf(w->url.host, sizeof w->url.host, "127.0.0.1");
        w->url.port = w->server.port;
    } else {
        rc = redis_url_parse(w->options.redis_url, &w->url, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
    redis_url_describe(&w->url, w->stats_server, sizeof w->stats_server);
    snprintf(w->client_host, sizeof w->client_host, "%s", w->url.host);
    w->client_port = w->url.port;
    name_keys(w);
    w->setup_deadline_ns = uv_hrtime() + LIVE_SETUP_BUDGET_NS; /* the server answers from here */
    redis_sync c;
    rc = redis_sync_open(&c, &w->url, w->stats_server, w->setup_deadline_ns, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = read_server_version(w, &c, err);
    if (rc == RL_OK) {
        rc = load_scripts(w, &c, err);
    }
    redis_sync_close(&c);
    return rc;
}

/* Reads a whole decimal number of at most 15 digits from a TIME element; false otherwise. */
static bool time_part(const redisReply *part, int64_t *out) {
    if (part->type != REDIS_REPLY_STRING || part->len == 0 || part->len > 15) {
        return false;
    }
    int64_t value = 0;
    for (size_t i = 0; i < part->len; i++) {
        if (part->str[i] < '0' || part->str[i] > '9') {
            return false;
        }
        value = value * 10 + (part->str[i] - '0');
    }
    *out = value;
    return true;
}

int live_setup_epoch(live_world *w, rl_error *err) {
    redis_sync c;
    int rc = redis_sync_open(&c, &w->url, w->stats_server, w->setup_deadline_ns, err);
    if (rc != RL_OK) {
        return rc;
    }
    redisReply *reply = NULL;
    rc = redis_sync_command(&c, &reply, "TIME", err, "TIME");
    int64_t seconds = 0;
    int64_t micros = 0;
    if (rc == RL_OK && (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
                        !time_part(reply->element[0], &seconds) ||
                        !time_part(reply->element[1], &micros) || micros >= 1000000)) {
        char described[200];
        redis_sync_reply_describe(reply, described, sizeof described);
        rc = rl_error_set(err, RL_ERR_IO,
                          "%s: TIME failed: expected seconds and microseconds, the server "
                          "answered %s", w->stats_server, described);
    }
    if (rc == RL_OK) {
        w->epoch_us = seconds * 1000000 + micros;
    }
    freeReplyObject(reply);
    redis_sync_close(&c);
    return rc;
}

/* Records why the clean-up failed (the first reason only). */
static void cleanup_failed(live_run_stats *stats, const char *why) {
    if (!stats->keys_cleanup_failed) {
        stats->keys_cleanup_failed = true;
        size_t length = strnlen(why, sizeof stats->keys_cleanup_error - 1); /* cut if long */
        memcpy(stats->keys_cleanup_error, why, length);
        stats->keys_cleanup_error[length] = '\0';
    }
}

/* DEL key; counts it in stats when it existed, or records why the cleanup failed. Returns false
 * when the connection is no longer usable. */
static bool delete_key(redis_sync *c, const char *key, live_run_stats *stats) {
    redisReply *reply = NULL;
    rl_error err;
    rl_error_clear(&err);
    if (redis_sync_command(c, &reply, "DEL", &err, "DEL %s", key) != RL_OK) {
        cleanup_failed(stats, err.message);
        return false;
    }
    if (reply->type == REDIS_REPLY_INTEGER) {
        stats->keys_deleted += reply->integer;
    } else {
        char described[200];
        redis_sync_reply_describe(reply, described, sizeof described);
        char why[RL_ERROR_MESSAGE_BYTES];
        snprintf(why, sizeof why, "%s: DEL failed: the server answered %s", c->where,
                 described);
        cleanup_failed(stats, why);
    }
    freeReplyObject(reply);
    return true;
}

void live_setup_end(live_world *w, live_run_stats *stats) {
    /* Before the pods started no key was written: nothing to delete (and a server that failed
     * the set-up is not asked again). */
    if (w->run_started && (w->server_started ? w->server.pid > 0 : true)) {
        rl_error err;
        rl_error_clear(&err);
        redis_sync c;
        uint64_t deadline_ns = uv_hrtime() + LIVE_CLEANUP_BUDGET_NS;
        bool open = redis_sync_open(&c, &w->url, w->stats_server, deadline_ns, &err) == RL_OK;
        if (!open) {
            cleanup_failed(stats, err.message);
        }
        for (int i = 0; open && i < w->scenario->limiter_count; i++) {
            limiter_scope scope = w->scenario->limiters[i].scope;
            if (scope == LIMITER_SCOPE_STORE) {
                open = delete_key(&c, w->limiter_key[i], stats);
            } else if (scope == LIMITER_SCOPE_STORE_LOCK) {
                open = delete_key(&c, w->limiter_key[i], stats) &&
                       delete_key(&c, w->lock_key[i], stats);
            }
        }
        if (c.context != NULL) {
            redis_sync_close(&c);
        }
    }
    if (w->server_started) {
        redis_server_stop(&w->server);
        w->server_started = false;
    }
}
