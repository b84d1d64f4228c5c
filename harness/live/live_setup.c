/* live_setup.c - before and after a live run: the server (embedded or given), the scripts, the
 * run's keys and the server's clock; at the end, deleting the keys and stopping the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "harness/live/live_faults.h"
#include "harness/live/live_world.h"

#define SETUP_TIMEOUT_MS 2000
#define LIVE_STORE_TIMEOUT_MIN_US 1000

/* A synchronous connection straight to the server (never through the proxy), authenticated
 * and on the right db; NULL with a message on failure. The caller frees it with redisFree. */
static redisContext *setup_connect(const live_world *w, rl_error *err) {
    struct timeval tv = {.tv_sec = SETUP_TIMEOUT_MS / 1000, .tv_usec = 0};
    redisContext *c = redisConnectWithTimeout(w->url.host, w->url.port, tv);
    if (c == NULL || c->err != 0) {
        rl_error_set(err, RL_ERR_IO, "cannot connect to %s: %s", w->stats_server,
                     c != NULL ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    redisReply *reply = NULL;
    if (w->url.password[0] != '\0') {
        reply = w->url.user[0] != '\0'
                    ? redisCommand(c, "AUTH %s %s", w->url.user, w->url.password)
                    : redisCommand(c, "AUTH %s", w->url.password);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            rl_error_set(err, RL_ERR_IO, "%s refused the credentials", w->stats_server);
            freeReplyObject(reply);
            redisFree(c);
            return NULL;
        }
        freeReplyObject(reply);
    }
    reply = redisCommand(c, "SELECT %d", w->url.db);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        rl_error_set(err, RL_ERR_IO, "%s: SELECT %d failed: %s", w->stats_server, w->url.db,
                     reply != NULL ? reply->str : c->errstr);
        freeReplyObject(reply);
        redisFree(c);
        return NULL;
    }
    freeReplyObject(reply);
    return c;
}

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

/* SCRIPT LOAD of script; its SHA1 goes to sha (REDIS_CLIENT_SHA_BYTES). */
static int load_script(live_world *w, redisContext *c, const lua_script *script, char *sha,
                       rl_error *err) {
    redisReply *reply = redisCommand(c, "SCRIPT LOAD %b", script->source, script->source_bytes);
    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        rl_error_set(err, RL_ERR_IO, "%s: SCRIPT LOAD %s failed: %s", w->stats_server,
                     script->name, reply != NULL && reply->str != NULL ? reply->str : c->errstr);
        freeReplyObject(reply);
        return RL_ERR_IO;
    }
    snprintf(sha, REDIS_CLIENT_SHA_BYTES, "%s", reply->str);
    freeReplyObject(reply);
    return RL_OK;
}

/* SCRIPT LOAD for every shared limiter with a mirror (its SHA1 goes to w->limiter_sha), and of
 * the lock release when a limiter has scope redis_lock (w->lock_release_sha). */
static int load_scripts(live_world *w, redisContext *c, rl_error *err) {
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
        int rc = load_script(w, c, script, sha, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
    return RL_OK;
}

/* Reads redis_version from INFO server into w->stats_server_version ("" when the server does
 * not say: the run does not depend on it, the results folder records it). */
static void read_server_version(live_world *w, redisContext *c) {
    w->stats_server_version[0] = '\0';
    redisReply *reply = redisCommand(c, "INFO server");
    if (reply != NULL && reply->type == REDIS_REPLY_STRING) {
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
    redisContext *c = setup_connect(w, err);
    if (c == NULL) {
        return RL_ERR_IO;
    }
    read_server_version(w, c);
    rc = load_scripts(w, c, err);
    redisFree(c);
    return rc;
}

int live_setup_epoch(live_world *w, rl_error *err) {
    redisContext *c = setup_connect(w, err);
    if (c == NULL) {
        return RL_ERR_IO;
    }
    redisReply *reply = redisCommand(c, "TIME");
    int rc = RL_OK;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
        rc = rl_error_set(err, RL_ERR_IO, "%s: TIME failed", w->stats_server);
    } else {
        w->epoch_us = strtoll(reply->element[0]->str, NULL, 10) * 1000000 +
                      strtoll(reply->element[1]->str, NULL, 10);
    }
    freeReplyObject(reply);
    redisFree(c);
    return rc;
}

/* DEL key; counts it in stats when it existed, or records that the cleanup failed. */
static void delete_key(redisContext *c, const char *key, live_run_stats *stats) {
    redisReply *reply = redisCommand(c, "DEL %s", key);
    if (reply != NULL && reply->type == REDIS_REPLY_INTEGER) {
        stats->keys_deleted += reply->integer;
    } else {
        stats->keys_cleanup_failed = true;
    }
    freeReplyObject(reply);
}

void live_setup_end(live_world *w, live_run_stats *stats) {
    if (w->prefix[0] != '\0' && (w->server_started ? w->server.pid > 0 : true)) {
        rl_error ignored;
        redisContext *c = setup_connect(w, &ignored);
        stats->keys_cleanup_failed = c == NULL;
        for (int i = 0; c != NULL && i < w->scenario->limiter_count; i++) {
            limiter_scope scope = w->scenario->limiters[i].scope;
            if (scope == LIMITER_SCOPE_STORE) {
                delete_key(c, w->limiter_key[i], stats);
            } else if (scope == LIMITER_SCOPE_STORE_LOCK) {
                delete_key(c, w->limiter_key[i], stats);
                delete_key(c, w->lock_key[i], stats);
            }
        }
        redisFree(c);
    }
    if (w->server_started) {
        redis_server_stop(&w->server);
        w->server_started = false;
    }
}
