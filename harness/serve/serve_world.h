/* serve_world.h - the server's state, shared by serve_run.c (loop, listener, end), serve_conn.c
 * (a connection's reads, answers and writes), serve_parse.c (http_parser's callbacks) and
 * serve_judge.c (a complete request put to its API model). Internal to harness/serve: callers
 * use serve_run.h. */
#ifndef RATELAB_SERVE_WORLD_H
#define RATELAB_SERVE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <http_parser.h>
#include <uv.h>

#include "harness/serve/serve_books.h"
#include "harness/serve/serve_run.h"
#include "mock_api/api_model.h"

#define SERVE_READ_BYTES 65536
#define SERVE_URL_BYTES 256
#define SERVE_FIELD_BYTES 32
#define SERVE_VALUE_BYTES 80
#define SERVE_PEER_BYTES 64

/* What a queued entry answers with. */
typedef enum serve_request_kind {
    SERVE_REQUEST_JUDGED = 0, /* put to an API model: 200, 429 or dropped */
    SERVE_REQUEST_ERROR       /* refused before any model: 400, 404, 413, 431 */
} serve_request_kind;

/* One request waiting on its connection for its answer (answers leave in request order). */
typedef struct serve_request {
    struct serve_request *next;
    serve_request_kind kind;
    int64_t due_us;       /* when its answer may leave */
    bool close_after;     /* the connection closes after this answer */
    /* JUDGED */
    serve_job job;
    api_response response;
    int64_t remaining;    /* X-RateLimit-Remaining at the decision */
    int64_t reset_us;     /* until the API's window ends, at the decision */
    /* ERROR */
    int error_status;
    const char *error_reason; /* static text */
} serve_request;

/* What the parser found wrong with a request, to answer once parsing stops. */
typedef enum serve_reject {
    SERVE_REJECT_NONE = 0,
    SERVE_REJECT_HEADERS_TOO_LARGE,
    SERVE_REJECT_BODY_TOO_LARGE,
    SERVE_REJECT_PIPELINE_FULL,
    SERVE_REJECT_STOP /* not an error: no more requests on this connection */
} serve_reject;

/* Which header's value is being collected. */
typedef enum serve_header {
    SERVE_HEADER_OTHER = 0,
    SERVE_HEADER_CLIENT_ID,
    SERVE_HEADER_COST,
    SERVE_HEADER_EXPECT
} serve_header;

typedef struct serve_conn {
    uv_tcp_t tcp; /* first: the handle's address is the connection's */
    uv_timer_t timer; /* the head answer's due time, or the header / idle deadline */
    struct serve_world *world;
    struct serve_conn *prev, *next; /* the world's open connections */
    http_parser parser;
    serve_request *head, *tail;
    int64_t queued;
    char peer[SERVE_PEER_BYTES];
    /* The request being parsed. */
    int64_t message_started_us; /* -1: between requests */
    int64_t idle_since_us;
    int64_t header_bytes, body_bytes;
    char url[SERVE_URL_BYTES];
    size_t url_length;
    char field[SERVE_FIELD_BYTES];
    size_t field_length;
    bool in_value;
    serve_header header;
    char value[SERVE_VALUE_BYTES];
    size_t value_length;
    bool value_too_long;
    char client_id[SERVE_CLIENT_ID_BYTES];
    bool client_id_bad;
    int64_t cost_tokens; /* -1: none given */
    bool cost_bad;
    bool expect_continue; /* Expect: 100-continue */
    serve_reject reject;
    /* Output. */
    char *out;
    size_t out_length, out_capacity;
    int64_t writes_in_flight, unsent_bytes;
    bool peer_done;   /* the peer sent EOF: answer what is queued, then close */
    bool shutting;    /* no more answers: shutdown after the writes, then close */
    bool closing;
    int handles_open; /* tcp and timer, until both have closed */
} serve_conn;

typedef struct serve_world {
    const scenario *scenario; /* borrowed */
    serve_options options;
    metrics *metrics;         /* borrowed */
    serve_books *books;       /* borrowed */
    serve_stats *stats;       /* borrowed */
    serve_progress_fn progress;
    void *context;
    uv_loop_t loop;
    bool loop_ready;
    uv_tcp_t listener;
    uv_timer_t end_timer, progress_timer;
    uv_signal_t sigint, sigterm;
    uint64_t start_ns;
    int64_t end_us;
    bool stopping;
    int first_error;
    rl_error error;
    api_model apis[SCENARIO_APIS_MAX];
    int apis_ready;
    http_parser_settings parser_settings;
    serve_conn *conns;
    int64_t conns_open;
    serve_request *free_requests;
    char read_buffer[SERVE_READ_BYTES];
} serve_world;

/* Wall-clock microseconds since the server's time 0. */
int64_t serve_world_now_us(const serve_world *w);

/* Records the first error (what: one line) and stops the server. */
void serve_world_fail(serve_world *w, int code, const char *what);

/* Opens a connection for the listener's pending one (counted against connections_max). */
void serve_conn_accept(serve_world *w);

/* Closes c at once: what it still holds is recorded (in flight at the end when the server
 * stops, otherwise answered as decided) and its memory freed once libuv has let go. */
void serve_conn_close(serve_conn *c);

/* Fills settings with serve_parse.c's callbacks. */
void serve_parse_settings(http_parser_settings *settings);

/* Gets c ready for the next request on it. */
void serve_parse_reset(serve_conn *c);

/* A queued entry from the world's free list (or the heap); NULL when out of memory. */
serve_request *serve_request_take(serve_world *w);

/* Appends r to c's queue. */
void serve_conn_enqueue(serve_conn *c, serve_request *r);

/* Sends "100 Continue" at once for a request that asked for it, when no earlier answer is
 * still queued on c (an interim answer may not overtake them; the client then sends its body
 * after its own wait). */
void serve_conn_continue(serve_conn *c);

/* Judges c's complete request (its URL and headers as parsed) at now_us: an API's decision,
 * or an error answer, appended to c's queue. Returns 0 or RL_ERR_NOMEM. */
int serve_judge_request(serve_conn *c, int64_t now_us);

#endif
