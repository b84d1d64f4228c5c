/* serve_run.h - `ratelab serve`: the scenario's mock APIs behind one real HTTP/1.1 port, on a
 * libuv loop in wall-clock time, judged by the same API models as a run (mock_api/), recorded
 * in the same books (metrics.h) seen from the API's side, with figures per client.
 *
 * One listener serves every API under a path prefix: /<api name>/anything. A request's client is
 * its X-Client-Id header, or else the peer's address; its token cost (quota_bound APIs) is its
 * X-Ratelab-Cost header, or else a draw from the API's cost. Each request is answered after the
 * model's latency: 200 with a small JSON body, 429 with Retry-After, or, when the model drops
 * it, its connection closed with no answer. Answers on a connection leave in request order
 * (HTTP/1.1 pipelining). Everything a client can make the server hold is bounded (connections,
 * header bytes, body bytes, requests queued per connection, unsent answer bytes, time to send a
 * request's headers) and what goes beyond a bound is refused and counted in serve_stats. */
#ifndef RATELAB_SERVE_RUN_H
#define RATELAB_SERVE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"
#include "harness/serve/serve_books.h"

#define SERVE_HOST_BYTES 64

typedef struct serve_options {
    char host[SERVE_HOST_BYTES]; /* an IPv4 or IPv6 address to listen on ("127.0.0.1") */
    int port;                    /* 0: a free port chosen by the system */
    int32_t clients_max;         /* clients with figures of their own; later ones: "(other)" */
    int64_t connections_max;     /* open connections; more are accepted and closed at once */
    int64_t header_bytes_max;    /* request line and headers of one request */
    int64_t body_bytes_max;      /* body of one request (read and discarded) */
    int64_t pipeline_max;        /* requests waiting for their answer on one connection */
    int64_t unsent_bytes_max;    /* answer bytes a connection has not taken yet */
    int64_t header_timeout_us;   /* from a request's first byte to its last (headers, body) */
    int64_t idle_timeout_us;     /* a keep-alive connection with nothing to do is closed */
} serve_options;

/* What the server saw besides the books: connections and what it refused. */
typedef struct serve_stats {
    bool partial;              /* stopped by SIGINT or SIGTERM before the duration */
    int64_t end_us;            /* where the run ended */
    char listen[96];           /* http://host:port as bound */
    int64_t connections_accepted, connections_max_open;
    int64_t requests, answered, in_flight_at_end;
    int64_t dropped; /* left with no answer: the model's drops and what was queued behind them */
    int64_t refused_over_connections; /* closed at accept: connections_max were open */
    int64_t refused_malformed;        /* 400: not HTTP/1.x as http_parser reads it */
    int64_t refused_bad_client_id;    /* 400: X-Client-Id or X-Ratelab-Cost not allowed */
    int64_t refused_headers_too_large; /* 431 */
    int64_t refused_body_too_large;   /* 413 */
    int64_t refused_not_found;        /* 404: no API under that path */
    int64_t closed_pipeline_full;     /* more than pipeline_max requests queued */
    int64_t closed_slow_reader;       /* more than unsent_bytes_max not taken */
    int64_t closed_header_timeout;    /* headers not complete in time (slowloris) */
    int64_t closed_idle;              /* keep-alive connections idle too long */
    int64_t clients, requests_from_other, jobs_given_up;
} serve_stats;

/* Called about every second with how far the server got and its stats so far. */
typedef void (*serve_progress_fn)(void *context, int64_t elapsed_us, int64_t duration_us,
                                  const serve_stats *stats);

/* Called once the port is open, with the address clients should use (http://host:port). */
typedef void (*serve_ready_fn)(void *context, const char *url);

/* Fills options with the defaults (127.0.0.1, port 8080, and the bounds in serve_run.c). */
void serve_options_default(serve_options *options);

/* Serves s (its APIs and duration; its pods and store play no part) until s->duration_us or a
 * SIGINT / SIGTERM. m is initialised here for a copy of s with clients_max + 1 pods (one per
 * client slot), kept in *books_scenario (caller's storage, must outlive m); books is filled and
 * left for the caller to write clients.csv, then serve_books_destroy and metrics_destroy, also
 * after an error. ready and progress may be NULL. Returns 0, or RL_ERR_INVALID (bad host or
 * bounds), RL_ERR_IO (the port could not be opened), RL_ERR_NOMEM or RL_ERR_INVARIANT. */
int serve_run(const scenario *s, const serve_options *options, scenario *books_scenario,
              metrics *m, serve_books *books, serve_stats *stats, serve_ready_fn ready,
              serve_progress_fn progress, void *context, rl_error *err);

#endif
