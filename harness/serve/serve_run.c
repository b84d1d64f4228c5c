/* serve_run.c - `ratelab serve`'s loop: the listener, the end of the duration, signals, the
 * status callback, and the books closed at the end. Connections live in serve_conn.c. */
#include "harness/serve/serve_run.h"

#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/serve/serve_world.h"

/* Random stream ids of the APIs: the same as a run's (sim_run.c, live_world.c). */
#define STREAM_API_FIRST ((UINT64_C(1) << 40) + 16)
#define SERVE_BACKLOG 4096

void serve_options_default(serve_options *options) {
    memset(options, 0, sizeof *options);
    snprintf(options->host, sizeof options->host, "127.0.0.1");
    options->port = 8080;
    options->clients_max = 1000;
    options->connections_max = 10000;
    options->header_bytes_max = 16384;
    options->body_bytes_max = 1048576;
    options->pipeline_max = 128;
    options->unsent_bytes_max = 4194304;
    options->header_timeout_us = 10000000;
    options->idle_timeout_us = 120000000;
}

int64_t serve_world_now_us(const serve_world *w) {
    return (int64_t)((uv_hrtime() - w->start_ns) / 1000);
}

static void on_closed(uv_handle_t *handle) {
    (void)handle;
}

/* Stops the server: no more connections; what connections hold is in flight at the end. */
static void world_stop(serve_world *w, bool interrupted) {
    if (w->stopping) {
        return;
    }
    int64_t now_us = serve_world_now_us(w);
    w->stats->partial = interrupted && now_us < w->end_us;
    w->stats->end_us = w->stats->partial ? now_us : w->end_us;
    w->end_us = w->stats->end_us;
    w->stopping = true;
    uv_close((uv_handle_t *)&w->listener, on_closed);
    uv_close((uv_handle_t *)&w->end_timer, on_closed);
    uv_close((uv_handle_t *)&w->progress_timer, on_closed);
    uv_close((uv_handle_t *)&w->sigint, on_closed);
    uv_close((uv_handle_t *)&w->sigterm, on_closed);
    while (w->conns != NULL) {
        serve_conn_close(w->conns);
    }
}

void serve_world_fail(serve_world *w, int code, const char *what) {
    if (w->first_error == RL_OK) {
        w->first_error = code;
        rl_error_set(&w->error, code, "%s", what);
    }
    world_stop(w, false);
}

static void on_connection(uv_stream_t *listener, int status) {
    serve_world *w = listener->data;
    if (status != 0 || w->stopping) {
        return;
    }
    serve_conn_accept(w);
}

static void on_end(uv_timer_t *timer) {
    world_stop(timer->data, false);
}

static void on_signal(uv_signal_t *handle, int signum) {
    (void)signum;
    world_stop(handle->data, true);
}

static void fill_counts(serve_world *w) {
    w->stats->clients = w->books->client_count;
    w->stats->requests_from_other = w->books->requests_from_other;
    w->stats->jobs_given_up = w->books->jobs_given_up;
}

static void on_progress(uv_timer_t *timer) {
    serve_world *w = timer->data;
    fill_counts(w);
    w->progress(w->context, serve_world_now_us(w), w->end_us, w->stats);
}

/* Checks the options; returns 0 or RL_ERR_INVALID naming the bad one. */
static int options_check(const serve_options *o, rl_error *err) {
    if (o->port < 0 || o->port > 65535) {
        return rl_error_set(err, RL_ERR_INVALID, "port %d: allowed 0 (any free) to 65535",
                            o->port);
    }
    if (o->clients_max < 1 || o->clients_max > SERVE_CLIENTS_MAX_LIMIT) {
        return rl_error_set(err, RL_ERR_INVALID, "clients: allowed 1 to %d",
                            SERVE_CLIENTS_MAX_LIMIT);
    }
    if (o->connections_max < 1 || o->header_bytes_max < 256 || o->body_bytes_max < 0 ||
        o->pipeline_max < 1 || o->unsent_bytes_max < 65536 || o->header_timeout_us < 1000 ||
        o->idle_timeout_us < 1000) {
        return rl_error_set(err, RL_ERR_INVALID, "a server bound is below its minimum");
    }
    return RL_OK;
}

/* Opens the listening socket on the options' host and port; the bound URL goes to stats. */
static int world_listen(serve_world *w, rl_error *err) {
    struct sockaddr_storage address;
    const char *host = w->options.host;
    bool v6 = strchr(host, ':') != NULL;
    int rc = v6 ? uv_ip6_addr(host, w->options.port, (struct sockaddr_in6 *)&address)
                : uv_ip4_addr(host, w->options.port, (struct sockaddr_in *)&address);
    if (rc != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "listen: '%s' is not an IPv4 or IPv6 address",
                            host);
    }
    uv_tcp_init(&w->loop, &w->listener);
    w->listener.data = w;
    rc = uv_tcp_bind(&w->listener, (const struct sockaddr *)&address, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&w->listener, SERVE_BACKLOG, on_connection);
    }
    if (rc != 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot listen on %s port %d: %s", host,
                            w->options.port, uv_strerror(rc));
    }
    int length = sizeof address;
    uv_tcp_getsockname(&w->listener, (struct sockaddr *)&address, &length);
    int port = ntohs(v6 ? ((struct sockaddr_in6 *)&address)->sin6_port
                        : ((struct sockaddr_in *)&address)->sin_port);
    snprintf(w->stats->listen, sizeof w->stats->listen, v6 ? "http://[%s]:%d" : "http://%s:%d",
             host, port);
    return RL_OK;
}

/* Sets up the loop and the API models, and opens the port. */
static int world_init(serve_world *w, rl_error *err) {
    const scenario *s = w->scenario;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        return rl_error_set(err, RL_ERR_IO, "libuv: %s", uv_strerror(rc));
    }
    w->loop_ready = true;
    for (int i = 0; i < s->api_count; i++) {
        rc = api_model_init(&w->apis[i], &s->apis[i].config, s->seed,
                            STREAM_API_FIRST + (uint64_t)i);
        if (rc != RL_OK) {
            return rl_error_set(err, rc, "not enough memory for the API models");
        }
        w->apis_ready++;
    }
    serve_parse_settings(&w->parser_settings);
    w->end_us = s->duration_us;
    return world_listen(w, err);
}

static void close_walk(uv_handle_t *handle, void *arg) {
    (void)arg;
    if (!uv_is_closing(handle)) {
        uv_close(handle, NULL);
    }
}

static void world_destroy(serve_world *w) {
    if (w->loop_ready) {
        if (!w->stopping) {
            w->stopping = true;
            while (w->conns != NULL) {
                serve_conn_close(w->conns);
            }
        }
        uv_walk(&w->loop, close_walk, NULL);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_loop_close(&w->loop);
    }
    for (int i = 0; i < w->apis_ready; i++) {
        api_model_destroy(&w->apis[i]);
    }
    while (w->free_requests != NULL) {
        serve_request *r = w->free_requests;
        w->free_requests = r->next;
        rl_free(r);
    }
}

/* The books' scenario: s with a pod per client slot, in a group "clients" (its count becomes the
 * clients seen once the run is over), whose traffic reaches every API through no limiter (the
 * limiter is the client's own business), and no faults (serve plays none yet). A group holds
 * SCENARIO_TRAFFIC_MAX entries, so APIs beyond those go to further groups of no pods. Its
 * description says so first, for the report page. */
static void books_scenario_make(const scenario *s, int32_t clients_max, scenario *out) {
    *out = *s;
    snprintf(out->description, sizeof out->description,
             "Served by `ratelab serve` to real clients: the figures are theirs, seen from the "
             "API; the scenario's pods and limiters below were not run.\n%.1900s",
             s->description);
    memset(out->pod_groups, 0, sizeof out->pod_groups);
    out->pod_group_count = 0;
    for (int api = 0; api < s->api_count; api++) {
        int g = api / SCENARIO_TRAFFIC_MAX;
        scenario_pod_group *group = &out->pod_groups[g];
        if (g == out->pod_group_count) {
            snprintf(group->name, sizeof group->name, g == 0 ? "clients" : "clients_%d", g);
            group->count = g == 0 ? (int64_t)clients_max + 1 : 0;
            out->pod_group_count++;
        }
        scenario_traffic *traffic = &group->traffic[group->traffic_count++];
        traffic->api_index = api;
        traffic->limiter_index = -1;
    }
    out->fault_count = 0;
}

/* Runs the loop until the end or a signal; closes the books. */
static int world_run(serve_world *w, serve_ready_fn ready, rl_error *err) {
    uv_timer_init(&w->loop, &w->end_timer);
    uv_timer_init(&w->loop, &w->progress_timer);
    uv_signal_init(&w->loop, &w->sigint);
    uv_signal_init(&w->loop, &w->sigterm);
    w->end_timer.data = w->progress_timer.data = w;
    w->sigint.data = w->sigterm.data = w;
    uv_signal_start(&w->sigint, on_signal, SIGINT);
    uv_signal_start(&w->sigterm, on_signal, SIGTERM);
    w->start_ns = uv_hrtime();
    uv_timer_start(&w->end_timer, on_end, (uint64_t)((w->end_us + 999) / 1000), 0);
    if (w->progress != NULL) {
        uv_timer_start(&w->progress_timer, on_progress, 1000, 1000);
    }
    if (ready != NULL) {
        ready(w->context, w->stats->listen);
    }
    uv_run(&w->loop, UV_RUN_DEFAULT);
    fill_counts(w);
    if (w->first_error != RL_OK) {
        return rl_error_set(err, w->first_error, "%s", w->error.message);
    }
    serve_books_finish(w->books, w->end_us);
    return metrics_finish(w->metrics, w->end_us, w->apis, (store_world_figures){0, 0}, err);
}

int serve_run(const scenario *s, const serve_options *options, scenario *books_scenario,
              metrics *m, serve_books *books, serve_stats *stats, serve_ready_fn ready,
              serve_progress_fn progress, void *context, rl_error *err) {
    memset(stats, 0, sizeof *stats);
    memset(books, 0, sizeof *books);
    int rc = options_check(options, err);
    if (rc != RL_OK) {
        return rc;
    }
    books_scenario_make(s, options->clients_max, books_scenario);
    rc = metrics_init(m, books_scenario);
    if (rc == RL_OK) {
        rc = serve_books_init(books, m, books_scenario, options->clients_max);
    }
    if (rc != RL_OK) {
        return rl_error_set(err, rc, "not enough memory for the books");
    }
    serve_world *w = rl_calloc(1, sizeof *w);
    if (w == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the server");
    }
    w->scenario = s;
    w->options = *options;
    w->metrics = m;
    w->books = books;
    w->stats = stats;
    w->progress = progress;
    w->context = context;
    rl_error_clear(&w->error);
    rc = world_init(w, err);
    if (rc == RL_OK) {
        rc = world_run(w, ready, err);
    }
    world_destroy(w);
    rl_free(w);
    if (rc == RL_OK) {
        books_scenario->pod_groups[0].count = books->client_count > 0 ? books->client_count : 1;
    }
    return rc;
}
