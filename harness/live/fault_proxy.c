/* fault_proxy.c - a failing TCP proxy between pods and Redis (see fault_proxy.h). */
#include "harness/live/fault_proxy.h"

#include <arpa/inet.h>
#include <string.h>

#include "harness/core/rl_alloc.h"

#define FAULT_PROXY_BACKLOG 512
#define FAULT_PROXY_READ_BYTES 65536

typedef struct fault_proxy_pair {
    fault_proxy *proxy;
    uv_tcp_t client, upstream;
    uv_connect_t connect;
    struct fault_proxy_pair *prev, *next;
    int handles_open; /* tcp handles not yet closed */
    int chunks_pending; /* delayed chunks not yet written or dropped */
    bool closing, upstream_ready, blackholed;
} fault_proxy_pair;

/* A chunk on its way: a write request, or a delay timer then a write. */
typedef struct fault_proxy_chunk {
    uv_write_t write;
    uv_timer_t delay;
    fault_proxy_pair *pair;
    uv_tcp_t *to;
    size_t length;
    char data[];
} fault_proxy_chunk;

static void pair_maybe_free(fault_proxy_pair *pair) {
    if (pair->handles_open > 0 || pair->chunks_pending > 0) {
        return;
    }
    fault_proxy *p = pair->proxy;
    if (pair->prev != NULL) {
        pair->prev->next = pair->next;
    } else {
        p->pairs = pair->next;
    }
    if (pair->next != NULL) {
        pair->next->prev = pair->prev;
    }
    rl_free(pair);
}

static void on_pair_handle_closed(uv_handle_t *handle) {
    fault_proxy_pair *pair = handle->data;
    pair->handles_open--;
    pair_maybe_free(pair);
}

/* Closes both sides; with reset, the client gets a RST rather than a FIN. */
static void pair_close(fault_proxy_pair *pair, bool reset) {
    if (pair->closing) {
        return;
    }
    pair->closing = true;
    if (reset) {
        pair->proxy->reset++;
        if (uv_tcp_close_reset(&pair->client, on_pair_handle_closed) != 0) {
            uv_close((uv_handle_t *)&pair->client, on_pair_handle_closed);
        }
    } else {
        uv_close((uv_handle_t *)&pair->client, on_pair_handle_closed);
    }
    uv_close((uv_handle_t *)&pair->upstream, on_pair_handle_closed);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
    (void)handle;
    (void)suggested;
    char *base = rl_calloc(1, FAULT_PROXY_READ_BYTES);
    *buf = uv_buf_init(base, base != NULL ? FAULT_PROXY_READ_BYTES : 0);
}

static void on_chunk_written(uv_write_t *req, int status) {
    (void)status;
    fault_proxy_chunk *chunk = req->data;
    fault_proxy_pair *pair = chunk->pair;
    pair->chunks_pending--;
    rl_free(chunk);
    pair_maybe_free(pair);
}

static void chunk_write(fault_proxy_chunk *chunk) {
    fault_proxy_pair *pair = chunk->pair;
    if (pair->closing || pair->blackholed) {
        pair->chunks_pending--;
        rl_free(chunk);
        pair_maybe_free(pair);
        return;
    }
    uv_buf_t buf = uv_buf_init(chunk->data, (unsigned)chunk->length);
    chunk->write.data = chunk;
    if (uv_write(&chunk->write, (uv_stream_t *)chunk->to, &buf, 1, on_chunk_written) != 0) {
        pair->chunks_pending--;
        rl_free(chunk);
        pair_close(pair, true);
    }
}

static void on_delay_closed(uv_handle_t *handle) {
    chunk_write(handle->data);
}

static void on_delay(uv_timer_t *timer) {
    uv_close((uv_handle_t *)timer, on_delay_closed); /* then write: the timer lives in chunk */
}

/* Forwards data read on from towards to, now or after the delay. */
static void forward(fault_proxy_pair *pair, uv_tcp_t *to, const char *data, size_t length) {
    fault_proxy_chunk *chunk = rl_calloc(1, sizeof *chunk + length);
    if (chunk == NULL) {
        pair_close(pair, true);
        return;
    }
    chunk->pair = pair;
    chunk->to = to;
    chunk->length = length;
    memcpy(chunk->data, data, length);
    pair->chunks_pending++;
    fault_proxy *p = pair->proxy;
    if (p->delay_us <= 0) {
        chunk_write(chunk);
        return;
    }
    uv_timer_init(p->loop, &chunk->delay);
    chunk->delay.data = chunk;
    uv_timer_start(&chunk->delay, on_delay, (uint64_t)(p->delay_us + 999) / 1000, 0);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    fault_proxy_pair *pair = stream->data;
    if (nread < 0) {
        pair_close(pair, false);
    } else if (nread > 0 && !pair->closing && !pair->blackholed) {
        uv_tcp_t *to = stream == (uv_stream_t *)&pair->client ? &pair->upstream : &pair->client;
        forward(pair, to, buf->base, (size_t)nread);
    }
    rl_free(buf->base);
}

static void on_upstream_connected(uv_connect_t *req, int status) {
    fault_proxy_pair *pair = req->data;
    if (pair->closing) {
        return;
    }
    if (status != 0) {
        pair_close(pair, true); /* the server is away: the client sees a reset */
        return;
    }
    pair->upstream_ready = true;
    uv_read_start((uv_stream_t *)&pair->client, on_alloc, on_read);
    uv_read_start((uv_stream_t *)&pair->upstream, on_alloc, on_read);
}

static void on_accept(uv_stream_t *listener, int status) {
    fault_proxy *p = listener->data;
    if (status != 0 || p->closing) {
        return;
    }
    fault_proxy_pair *pair = rl_calloc(1, sizeof *pair);
    if (pair == NULL) {
        return;
    }
    pair->proxy = p;
    uv_tcp_init(p->loop, &pair->client);
    uv_tcp_init(p->loop, &pair->upstream);
    pair->client.data = pair;
    pair->upstream.data = pair;
    pair->handles_open = 2;
    pair->next = p->pairs;
    if (p->pairs != NULL) {
        p->pairs->prev = pair;
    }
    p->pairs = pair;
    if (uv_accept(listener, (uv_stream_t *)&pair->client) != 0) {
        pair_close(pair, false);
        return;
    }
    p->accepted++;
    uv_tcp_nodelay(&pair->client, 1);
    uv_tcp_nodelay(&pair->upstream, 1);
    if (p->mode == FAULT_PROXY_REFUSE) {
        pair_close(pair, true);
        return;
    }
    if (p->mode == FAULT_PROXY_BLACKHOLE) {
        pair->blackholed = true;
        uv_read_start((uv_stream_t *)&pair->client, on_alloc, on_read); /* read and drop */
        return;
    }
    pair->connect.data = pair;
    if (uv_tcp_connect(&pair->connect, &pair->upstream, (const struct sockaddr *)&p->upstream,
                       on_upstream_connected) != 0) {
        pair_close(pair, true);
    }
}

int fault_proxy_start(fault_proxy *p, uv_loop_t *loop, const char *upstream_ip,
                      int upstream_port, rl_error *err) {
    memset(p, 0, sizeof *p);
    p->loop = loop;
    if (uv_ip4_addr(upstream_ip, upstream_port, (struct sockaddr_in *)&p->upstream) != 0 &&
        uv_ip6_addr(upstream_ip, upstream_port, (struct sockaddr_in6 *)&p->upstream) != 0) {
        return rl_error_set(err, RL_ERR_IO, "fault proxy: '%s' is not an IPv4 or IPv6 address",
                            upstream_ip);
    }
    struct sockaddr_in listen_addr;
    uv_ip4_addr("127.0.0.1", 0, &listen_addr);
    uv_tcp_init(loop, &p->listener);
    p->listener.data = p;
    p->handles_open = 1;
    int rc = uv_tcp_bind(&p->listener, (const struct sockaddr *)&listen_addr, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&p->listener, FAULT_PROXY_BACKLOG, on_accept);
    }
    struct sockaddr_in bound;
    int length = sizeof bound;
    if (rc == 0) {
        rc = uv_tcp_getsockname(&p->listener, (struct sockaddr *)&bound, &length);
    }
    if (rc != 0) {
        fault_proxy_close(p);
        return rl_error_set(err, RL_ERR_IO, "fault proxy: cannot listen: %s", uv_strerror(rc));
    }
    p->port = ntohs(bound.sin_port);
    return RL_OK;
}

void fault_proxy_set_mode(fault_proxy *p, fault_proxy_mode mode) {
    fault_proxy_mode before = p->mode;
    p->mode = mode;
    for (fault_proxy_pair *pair = p->pairs; pair != NULL; pair = pair->next) {
        if (mode == FAULT_PROXY_REFUSE || (before == FAULT_PROXY_BLACKHOLE && pair->blackholed)) {
            pair_close(pair, true);
        } else if (mode == FAULT_PROXY_BLACKHOLE) {
            pair->blackholed = true;
        }
    }
}

void fault_proxy_set_delay(fault_proxy *p, int64_t delay_us) {
    p->delay_us = delay_us > 0 ? delay_us : 0;
}

static void on_listener_closed(uv_handle_t *handle) {
    fault_proxy *p = handle->data;
    p->handles_open--;
}

void fault_proxy_close(fault_proxy *p) {
    if (p->closing) {
        return;
    }
    p->closing = true;
    uv_close((uv_handle_t *)&p->listener, on_listener_closed);
    for (fault_proxy_pair *pair = p->pairs; pair != NULL; pair = pair->next) {
        pair_close(pair, false);
    }
}
