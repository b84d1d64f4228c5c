/* serve_conn.c - one client connection: reads fed to http_parser, answers sent in request order
 * once due, one timer for the head answer or the header / idle deadline, bounded output, and
 * the close that records whatever the connection still held. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/serve/serve_response.h"
#include "harness/serve/serve_world.h"

/* A write libuv holds until the peer takes it: the request and its bytes in one block. */
typedef struct serve_write {
    uv_write_t req;
    serve_conn *conn;
    size_t length;
    char bytes[];
} serve_write;

static void conn_pump(serve_conn *c);
static void on_timer(uv_timer_t *timer);

serve_request *serve_request_take(serve_world *w) {
    serve_request *r = w->free_requests;
    if (r != NULL) {
        w->free_requests = r->next;
    } else {
        r = rl_calloc(1, sizeof *r);
        if (r == NULL) {
            return NULL;
        }
    }
    memset(r, 0, sizeof *r);
    return r;
}

static void request_release(serve_world *w, serve_request *r) {
    r->next = w->free_requests;
    w->free_requests = r;
}

void serve_conn_enqueue(serve_conn *c, serve_request *r) {
    r->next = NULL;
    if (c->tail != NULL) {
        c->tail->next = r;
    } else {
        c->head = r;
    }
    c->tail = r;
    c->queued++;
}

static serve_request *dequeue(serve_conn *c) {
    serve_request *r = c->head;
    assert(r != NULL);
    c->head = r->next;
    if (c->head == NULL) {
        c->tail = NULL;
    }
    c->queued--;
    assert(c->queued >= 0);
    return r;
}

static void on_handle_closed(uv_handle_t *handle) {
    serve_conn *c = handle->data;
    c->handles_open--;
    if (c->handles_open == 0) {
        rl_free(c->out);
        rl_free(c);
    }
}

void serve_conn_close(serve_conn *c) {
    if (c->closing) {
        return;
    }
    serve_world *w = c->world;
    int64_t now_us = serve_world_now_us(w);
    c->closing = true;
    while (c->head != NULL) {
        serve_request *r = dequeue(c);
        if (r->kind == SERVE_REQUEST_JUDGED) {
            if (w->stopping) {
                serve_books_in_flight_at_end(w->books, &r->job, now_us < w->end_us ? now_us
                                                                                   : w->end_us);
                w->stats->in_flight_at_end++;
            } else {
                /* The peer left first: the API decided all the same. */
                int64_t at_us = now_us > r->job.sent_us ? now_us : r->job.sent_us;
                serve_books_answered(w->books, &r->job, r->response.status, at_us);
            }
        }
        request_release(w, r);
    }
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        w->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    w->conns_open--;
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
    (void)status;
    serve_conn *c = req->data;
    rl_free(req);
    serve_conn_close(c);
}

/* No more answers on c: once its writes are out, send FIN and close; a peer that does not take
 * them within the header timeout is closed then (the timer). */
static void conn_shutdown(serve_conn *c) {
    if (c->shutting || c->closing) {
        return;
    }
    c->shutting = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uint64_t linger_ms = (uint64_t)((c->world->options.header_timeout_us + 999) / 1000);
    uv_timer_start(&c->timer, on_timer, linger_ms, 0);
    uv_shutdown_t *req = rl_calloc(1, sizeof *req);
    if (req == NULL || uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        rl_free(req);
        serve_conn_close(c);
        return;
    }
    req->data = c;
}

static void on_write(uv_write_t *req, int status) {
    serve_write *wr = (serve_write *)req;
    serve_conn *c = wr->conn;
    c->writes_in_flight--;
    c->unsent_bytes -= (int64_t)wr->length;
    rl_free(wr);
    if (status != 0) {
        serve_conn_close(c);
    }
}

/* Sends what c->out holds: at once if the socket takes it, the rest through libuv. */
static void conn_flush(serve_conn *c) {
    if (c->out_length == 0 || c->closing) {
        return;
    }
    size_t sent = 0;
    if (c->writes_in_flight == 0) {
        uv_buf_t buf = uv_buf_init(c->out, (unsigned int)c->out_length);
        int n = uv_try_write((uv_stream_t *)&c->tcp, &buf, 1);
        if (n < 0 && n != UV_EAGAIN) {
            serve_conn_close(c);
            return;
        }
        sent = n > 0 ? (size_t)n : 0;
    }
    size_t rest = c->out_length - sent;
    c->out_length = 0;
    if (rest == 0) {
        return;
    }
    if (c->unsent_bytes + (int64_t)rest > c->world->options.unsent_bytes_max) {
        c->world->stats->closed_slow_reader++;
        serve_conn_close(c);
        return;
    }
    serve_write *wr = rl_calloc(1, sizeof *wr + rest);
    if (wr == NULL) {
        serve_conn_close(c);
        return;
    }
    memcpy(wr->bytes, c->out + sent, rest);
    wr->conn = c;
    wr->length = rest;
    uv_buf_t buf = uv_buf_init(wr->bytes, (unsigned int)rest);
    if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write) != 0) {
        rl_free(wr);
        serve_conn_close(c);
        return;
    }
    c->writes_in_flight++;
    c->unsent_bytes += (int64_t)rest;
}

/* Room for one more answer in c->out; false when out of memory. */
static bool out_reserve(serve_conn *c) {
    if (c->out_capacity - c->out_length >= SERVE_RESPONSE_BYTES_MAX) {
        return true;
    }
    size_t capacity = c->out_capacity == 0 ? 4 * SERVE_RESPONSE_BYTES_MAX : 2 * c->out_capacity;
    char *grown = rl_reallocarray(c->out, capacity, 1);
    if (grown == NULL) {
        return false;
    }
    c->out = grown;
    c->out_capacity = capacity;
    return true;
}

/* Appends r's answer to c->out and records it in the books; false when it closes c instead. */
static bool answer(serve_conn *c, serve_request *r, int64_t now_us) {
    serve_world *w = c->world;
    if (!out_reserve(c)) {
        serve_conn_close(c);
        return false;
    }
    char *at = c->out + c->out_length;
    size_t room = c->out_capacity - c->out_length;
    if (r->kind == SERVE_REQUEST_ERROR) {
        c->out_length += serve_response_error(r->error_status, r->error_reason, !r->close_after,
                                              at, room);
        return true;
    }
    serve_books_answered(w->books, &r->job, r->response.status, now_us);
    if (r->response.status == API_STATUS_DROPPED) {
        w->stats->dropped++;
        return false; /* the caller closes the connection with no answer */
    }
    w->stats->answered++;
    const scenario_api *api = &w->scenario->apis[r->job.api];
    serve_answer a = {.status = r->response.status,
                      .api_name = api->name,
                      .client_id = w->books->clients[r->job.client]->id,
                      .limit = api->config.kind == API_MODEL_LEAKY_BUCKET
                                   ? api->config.bucket_size
                                   : api->config.limit,
                      .remaining = r->remaining,
                      .reset_us = r->reset_us,
                      .retry_after_us = r->response.retry_after_us,
                      .cost_tokens = r->response.cost_tokens,
                      .bucket_fill = r->response.bucket_fill,
                      .bucket_size = r->response.bucket_size,
                      .close = r->close_after};
    c->out_length += serve_response_format(&a, at, room);
    return true;
}

void serve_conn_continue(serve_conn *c) {
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (c->head != NULL || c->closing || !out_reserve(c)) {
        return;
    }
    memcpy(c->out + c->out_length, interim, sizeof interim - 1);
    c->out_length += sizeof interim - 1;
    conn_flush(c);
}

/* Arms c's timer: the head answer's due time, or the header / idle deadline. */
static void conn_arm(serve_conn *c, int64_t now_us) {
    const serve_options *o = &c->world->options;
    int64_t due_us;
    if (c->head != NULL) {
        due_us = c->head->due_us;
    } else if (c->message_started_us >= 0) {
        due_us = c->message_started_us + o->header_timeout_us;
    } else {
        due_us = c->idle_since_us + o->idle_timeout_us;
    }
    int64_t delay_us = due_us - now_us;
    uint64_t delay_ms = delay_us > 0 ? (uint64_t)((delay_us + 999) / 1000) : 0;
    uv_timer_start(&c->timer, on_timer, delay_ms, 0);
}

/* Sends every due answer in order, then flushes and re-arms; closes when an answer says so. */
static void conn_pump(serve_conn *c) {
    if (c->closing || c->shutting) {
        return;
    }
    int64_t now_us = serve_world_now_us(c->world);
    bool close_now = false;
    while (c->head != NULL && c->head->due_us <= now_us) {
        serve_request *r = dequeue(c);
        bool keep = answer(c, r, now_us);
        close_now = r->close_after || !keep;
        request_release(c->world, r);
        if (c->closing) {
            return;
        }
        if (close_now) {
            break;
        }
    }
    if (close_now) {
        /* A dropped answer or a closing one: what follows on this connection is never answered. */
        while (c->head != NULL) {
            serve_request *r = dequeue(c);
            if (r->kind == SERVE_REQUEST_JUDGED) {
                serve_books_answered(c->world->books, &r->job, API_STATUS_DROPPED, now_us);
                c->world->stats->dropped++;
            }
            request_release(c->world, r);
        }
    }
    conn_flush(c);
    if (c->closing) {
        return;
    }
    if (close_now || (c->peer_done && c->head == NULL)) {
        conn_shutdown(c);
        return;
    }
    conn_arm(c, now_us);
}

static void on_timer(uv_timer_t *timer) {
    serve_conn *c = timer->data;
    if (c->shutting) {
        c->world->stats->closed_slow_reader++; /* its last answers were never taken */
        serve_conn_close(c);
        return;
    }
    int64_t now_us = serve_world_now_us(c->world);
    if (c->head != NULL) {
        conn_pump(c);
        return;
    }
    const serve_options *o = &c->world->options;
    if (c->message_started_us >= 0 && now_us >= c->message_started_us + o->header_timeout_us) {
        c->world->stats->closed_header_timeout++;
        serve_conn_close(c);
    } else if (c->message_started_us < 0 && now_us >= c->idle_since_us + o->idle_timeout_us) {
        c->world->stats->closed_idle++;
        serve_conn_close(c);
    } else {
        conn_arm(c, now_us);
    }
}

/* Queues the answer to a request the parser stopped on (c->reject), counted. */
static void conn_reject(serve_conn *c, int64_t now_us) {
    serve_world *w = c->world;
    serve_request *r = serve_request_take(w);
    if (r == NULL) {
        serve_conn_close(c);
        return;
    }
    r->kind = SERVE_REQUEST_ERROR;
    r->due_us = now_us;
    r->close_after = true;
    switch (c->reject) {
    case SERVE_REJECT_HEADERS_TOO_LARGE:
        w->stats->refused_headers_too_large++;
        r->error_status = 431;
        r->error_reason = "request line and headers over the server's bound";
        break;
    case SERVE_REJECT_BODY_TOO_LARGE:
        w->stats->refused_body_too_large++;
        r->error_status = 413;
        r->error_reason = "body over the server's bound";
        break;
    case SERVE_REJECT_PIPELINE_FULL:
        w->stats->closed_pipeline_full++;
        r->error_status = 503;
        r->error_reason = "too many requests waiting on this connection";
        break;
    default:
        w->stats->refused_malformed++;
        r->error_status = 400;
        r->error_reason = "malformed HTTP/1.x request";
        break;
    }
    serve_conn_enqueue(c, r);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    serve_conn *c = handle->data;
    /* One buffer for every connection: each read is parsed before the next is taken. */
    *buf = uv_buf_init(c->world->read_buffer, sizeof c->world->read_buffer);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    serve_conn *c = stream->data;
    if (nread < 0) {
        if (nread == UV_EOF && c->head != NULL) {
            c->peer_done = true; /* answer what was asked, then close */
            uv_read_stop(stream);
            return;
        }
        serve_conn_close(c);
        return;
    }
    if (nread == 0 || c->shutting) {
        return;
    }
    size_t parsed = http_parser_execute(&c->parser, &c->world->parser_settings, buf->base,
                                        (size_t)nread);
    int64_t now_us = serve_world_now_us(c->world);
    if (c->parser.http_errno != HPE_OK || parsed != (size_t)nread) {
        uv_read_stop(stream);
        if (c->reject != SERVE_REJECT_STOP) {
            conn_reject(c, now_us);
        }
        c->peer_done = true; /* nothing more is read from this connection */
        if (c->closing) {
            return;
        }
    }
    conn_pump(c);
}

static void free_closed(uv_handle_t *handle) {
    rl_free(handle);
}

/* Accepts the listener's pending connection into a handle closed at once (over the bound). */
static void refuse_connection(serve_world *w) {
    uv_tcp_t *tcp = rl_calloc(1, sizeof *tcp);
    if (tcp == NULL) {
        return;
    }
    uv_tcp_init(&w->loop, tcp);
    if (uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)tcp) == 0) {
        w->stats->refused_over_connections++;
    }
    uv_close((uv_handle_t *)tcp, free_closed);
}

/* The peer's address as text (the client id of a request without X-Client-Id). */
static void peer_text(serve_conn *c) {
    struct sockaddr_storage address;
    int length = sizeof address;
    snprintf(c->peer, sizeof c->peer, "unknown");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&address, &length) != 0) {
        return;
    }
    if (address.ss_family == AF_INET) {
        uv_ip4_name((const struct sockaddr_in *)&address, c->peer, sizeof c->peer);
    } else if (address.ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)&address, c->peer, sizeof c->peer);
    }
}

void serve_conn_accept(serve_world *w) {
    if (w->conns_open >= w->options.connections_max) {
        refuse_connection(w);
        return;
    }
    serve_conn *c = rl_calloc(1, sizeof *c);
    if (c == NULL) {
        refuse_connection(w);
        return;
    }
    c->world = w;
    uv_tcp_init(&w->loop, &c->tcp);
    uv_timer_init(&w->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    c->next = w->conns;
    if (w->conns != NULL) {
        w->conns->prev = c;
    }
    w->conns = c;
    w->conns_open++;
    if (uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)&c->tcp) != 0) {
        serve_conn_close(c);
        return;
    }
    w->stats->connections_accepted++;
    if (w->conns_open > w->stats->connections_max_open) {
        w->stats->connections_max_open = w->conns_open;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_text(c);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    serve_parse_reset(c);
    c->idle_since_us = serve_world_now_us(w);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    conn_arm(c, c->idle_since_us);
}
