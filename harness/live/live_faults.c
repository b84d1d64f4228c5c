/* live_faults.c - store faults played live (see live_faults.h). */
#include "harness/live/live_faults.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "harness/live/live_world.h"
#include "harness/live/redis_sync.h"

static bool fault_needs_proxy(const scenario_fault *f, const live_options *options) {
    return f->kind == FAULT_STORE_LATENCY ||
           (f->kind == FAULT_STORE_OUTAGE && options->outage_method == LIVE_OUTAGE_PROXY);
}

int live_faults_check(const scenario *s, const live_options *options, bool embedded,
                      rl_error *err) {
    for (int i = 0; i < s->fault_count; i++) {
        const scenario_fault *f = &s->faults[i];
        switch (f->kind) {
        case FAULT_STORE_OUTAGE:
            if (options->outage_method == LIVE_OUTAGE_KILL && !embedded) {
                return rl_error_set(err, RL_ERR_INVALID,
                                    "fault %d (line %d): a killed server needs the server "
                                    "ratelab starts itself (no --redis)",
                                    i + 1, f->line);
            }
            break;
        case FAULT_STORE_LATENCY: break;
        case FAULT_POD_RESTART: /* the fleet plays both: a FLEET_TIMER_FAULT timer, and */
        case FAULT_CLOCK_SKEW:  /* offsets of the pods' clocks */
            break;
        }
    }
    return RL_OK;
}

int live_faults_init(live_world *w, rl_error *err) {
    const scenario *s = w->scenario;
    bool proxy = false;
    for (int i = 0; i < s->fault_count; i++) {
        proxy = proxy || fault_needs_proxy(&s->faults[i], &w->options);
    }
    if (!proxy) {
        return RL_OK;
    }
    int rc = fault_proxy_start(&w->proxy, &w->loop, w->url.host, w->url.port, err);
    if (rc != RL_OK) {
        return rc;
    }
    w->proxy_started = true;
    snprintf(w->client_host, sizeof w->client_host, "127.0.0.1");
    w->client_port = w->proxy.port;
    return RL_OK;
}

void live_faults_schedule(live_world *w) {
    const scenario *s = w->scenario;
    for (int i = 0; i < s->fault_count; i++) {
        const scenario_fault *f = &s->faults[i];
        if (f->kind != FAULT_STORE_OUTAGE && f->kind != FAULT_STORE_LATENCY) {
            continue; /* pod faults are the fleet's own */
        }
        live_world_push(w, f->at_us, LIVE_EVENT_FAULT_BEGIN, (uint64_t)i, 0);
        live_world_push(w, f->at_us + f->for_us, LIVE_EVENT_FAULT_END, (uint64_t)i, 0);
    }
}

/* Sends command (CLIENT PAUSE / UNPAUSE) to the server over a direct connection, within 1 s
 * whatever the server does (the loop waits meanwhile). */
static bool server_command(live_world *w, const char *command) {
    rl_error err;
    rl_error_clear(&err);
    redis_sync c;
    if (redis_sync_open(&c, &w->url, w->stats_server, uv_hrtime() + UINT64_C(1000000000),
                        &err) != RL_OK) {
        return false;
    }
    redisReply *reply = NULL;
    bool ok = redis_sync_command(&c, &reply, command, &err, command) == RL_OK && /* words */
              reply->type == REDIS_REPLY_STATUS;
    freeReplyObject(reply);
    redis_sync_close(&c);
    return ok;
}

/* CLIENT PAUSE on a server ratelab did not start: every client waits for for_us. */
static void client_pause(live_world *w, int64_t for_us) {
    char command[64];
    snprintf(command, sizeof command, "CLIENT PAUSE %lld ALL", (long long)(for_us / 1000));
    w->client_paused_by_fault = server_command(w, command);
}

static void outage_apply(live_world *w, const scenario_fault *f, bool begin) {
    rl_error err;
    switch (w->options.outage_method) {
    case LIVE_OUTAGE_PROXY:
        fault_proxy_set_mode(&w->proxy, !begin ? FAULT_PROXY_PASS
                                        : f->mode == OUTAGE_REFUSE ? FAULT_PROXY_REFUSE
                                                                   : FAULT_PROXY_BLACKHOLE);
        break;
    case LIVE_OUTAGE_PAUSE:
        if (!w->server_started) {
            if (begin) {
                client_pause(w, f->for_us);
            } else {
                w->client_paused_by_fault = false; /* the pause ran out by itself */
            }
        } else if (begin) {
            w->server_paused_by_fault = redis_server_pause(&w->server, &err) == RL_OK;
        } else if (w->server_paused_by_fault) {
            redis_server_resume(&w->server, &err);
            w->server_paused_by_fault = false;
        }
        break;
    case LIVE_OUTAGE_KILL:
        if (begin) {
            w->server_killed_by_fault = redis_server_kill(&w->server, &err) == RL_OK;
        } else if (w->server_killed_by_fault && redis_server_restart(&w->server, &err) == RL_OK) {
            w->server_killed_by_fault = false; /* it comes back empty: state and scripts lost */
        }
        break;
    }
}

void live_faults_apply(live_world *w, int index, bool begin) {
    const scenario_fault *f = &w->scenario->faults[index];
    if (f->kind == FAULT_STORE_OUTAGE) {
        outage_apply(w, f, begin);
    } else if (f->kind == FAULT_STORE_LATENCY) {
        fault_proxy_set_delay(&w->proxy, begin ? f->extra_us : 0);
    }
}

void live_faults_close(live_world *w) {
    rl_error err;
    if (w->client_paused_by_fault) { /* ended early: let clients (and our cleanup) through */
        server_command(w, "CLIENT UNPAUSE");
        w->client_paused_by_fault = false;
    }
    if (w->server_paused_by_fault) {
        redis_server_resume(&w->server, &err);
        w->server_paused_by_fault = false;
    }
    if (w->server_killed_by_fault) { /* the run ended during the outage: bring it back */
        if (redis_server_restart(&w->server, &err) == RL_OK) {
            redis_server_wait_ready(&w->server, 5000, &err);
        }
        w->server_killed_by_fault = false;
    }
    if (w->proxy_started) {
        fault_proxy_close(&w->proxy);
    }
}

void live_faults_destroy(live_world *w) {
    w->proxy_started = false;
}
