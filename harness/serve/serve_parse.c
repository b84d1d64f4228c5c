/* serve_parse.c - http_parser's callbacks for one connection: collects the path and the
 * headers serve reads (X-Client-Id, X-Ratelab-Cost, Expect) into bounded buffers, enforces the
 * header and body bounds, and hands each complete request to serve_judge.c. A non-zero return stops
 * the parser; conn->reject says why. */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "harness/serve/serve_world.h"

static serve_conn *conn_of(http_parser *parser) {
    return parser->data;
}

void serve_parse_reset(serve_conn *c) {
    c->message_started_us = -1;
    c->header_bytes = 0;
    c->body_bytes = 0;
    c->url_length = 0;
    c->url[0] = '\0';
    c->field_length = 0;
    c->in_value = false;
    c->header = SERVE_HEADER_OTHER;
    c->value_length = 0;
    c->value_too_long = false;
    c->client_id[0] = '\0';
    c->client_id_bad = false;
    c->cost_tokens = -1;
    c->cost_bad = false;
    c->expect_continue = false;
}

/* Counts length more bytes of request line and headers; false once over the bound. */
static bool header_bytes_add(serve_conn *c, size_t length) {
    c->header_bytes += (int64_t)length;
    if (c->header_bytes > c->world->options.header_bytes_max) {
        c->reject = SERVE_REJECT_HEADERS_TOO_LARGE;
        return false;
    }
    return true;
}

/* Appends length bytes of at to buf (capacity bytes with its NUL); false when they do not fit. */
static bool append(char *buf, size_t *used, size_t capacity, const char *at, size_t length) {
    if (*used + length >= capacity) {
        return false;
    }
    memcpy(buf + *used, at, length);
    *used += length;
    buf[*used] = '\0';
    return true;
}

/* True when id is 1 to 64 characters of A-Z a-z 0-9 . _ : - */
static bool client_id_allowed(const char *id, size_t length) {
    if (length == 0 || length >= SERVE_CLIENT_ID_BYTES) {
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        char ch = id[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Reads a cost: 0 to 2^40 in decimal digits, nothing else. */
static bool cost_parse(const char *text, size_t length, int64_t *out) {
    if (length == 0 || length > 13) {
        return false;
    }
    int64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    if (value > (INT64_C(1) << 40)) {
        return false;
    }
    *out = value;
    return true;
}

/* The header whose name and value have been read in full: keep it if serve reads it. */
static void header_finish(serve_conn *c) {
    if (c->header == SERVE_HEADER_CLIENT_ID) {
        c->client_id_bad = c->value_too_long || !client_id_allowed(c->value, c->value_length);
        if (!c->client_id_bad) {
            memcpy(c->client_id, c->value, c->value_length + 1);
        }
    } else if (c->header == SERVE_HEADER_COST) {
        c->cost_bad = c->value_too_long || !cost_parse(c->value, c->value_length, &c->cost_tokens);
    } else if (c->header == SERVE_HEADER_EXPECT) {
        c->expect_continue = !c->value_too_long && strcasecmp(c->value, "100-continue") == 0;
    }
    c->field_length = 0;
    c->value_length = 0;
    c->value_too_long = false;
    c->header = SERVE_HEADER_OTHER;
    c->in_value = false;
}

static int on_message_begin(http_parser *parser) {
    serve_conn *c = conn_of(parser);
    serve_parse_reset(c);
    c->message_started_us = serve_world_now_us(c->world);
    return 0;
}

static int on_url(http_parser *parser, const char *at, size_t length) {
    serve_conn *c = conn_of(parser);
    if (!header_bytes_add(c, length)) {
        return -1;
    }
    /* A path longer than the buffer names no API; keep its start, answer 404. */
    (void)append(c->url, &c->url_length, sizeof c->url, at, length);
    return 0;
}

static int on_header_field(http_parser *parser, const char *at, size_t length) {
    serve_conn *c = conn_of(parser);
    if (!header_bytes_add(c, length)) {
        return -1;
    }
    if (c->in_value) {
        header_finish(c);
    }
    if (!append(c->field, &c->field_length, sizeof c->field, at, length)) {
        c->field_length = sizeof c->field - 1; /* a long name is none serve reads */
        c->field[0] = '\0';
    }
    return 0;
}

static int on_header_value(http_parser *parser, const char *at, size_t length) {
    serve_conn *c = conn_of(parser);
    if (!header_bytes_add(c, length)) {
        return -1;
    }
    if (!c->in_value) {
        c->in_value = true;
        if (strcasecmp(c->field, "x-client-id") == 0) {
            c->header = SERVE_HEADER_CLIENT_ID;
        } else if (strcasecmp(c->field, "x-ratelab-cost") == 0) {
            c->header = SERVE_HEADER_COST;
        } else if (strcasecmp(c->field, "expect") == 0) {
            c->header = SERVE_HEADER_EXPECT;
        }
    }
    if (c->header != SERVE_HEADER_OTHER &&
        !append(c->value, &c->value_length, sizeof c->value, at, length)) {
        c->value_too_long = true;
    }
    return 0;
}

static int on_headers_complete(http_parser *parser) {
    serve_conn *c = conn_of(parser);
    if (c->in_value) {
        header_finish(c);
    }
    if ((parser->flags & F_CONTENTLENGTH) != 0 &&
        parser->content_length > (uint64_t)c->world->options.body_bytes_max) {
        c->reject = SERVE_REJECT_BODY_TOO_LARGE;
        return -1;
    }
    if (c->expect_continue) {
        serve_conn_continue(c);
    }
    return 0;
}

static int on_body(http_parser *parser, const char *at, size_t length) {
    (void)at; /* read and discarded: serve needs nothing from a body */
    serve_conn *c = conn_of(parser);
    c->body_bytes += (int64_t)length;
    if (c->body_bytes > c->world->options.body_bytes_max) {
        c->reject = SERVE_REJECT_BODY_TOO_LARGE;
        return -1;
    }
    return 0;
}

static int on_message_complete(http_parser *parser) {
    serve_conn *c = conn_of(parser);
    if (c->queued >= c->world->options.pipeline_max) {
        c->reject = SERVE_REJECT_PIPELINE_FULL;
        return -1;
    }
    int rc = serve_judge_request(c, serve_world_now_us(c->world));
    if (rc != RL_OK) {
        serve_world_fail(c->world, rc, "out of memory for requests");
        c->reject = SERVE_REJECT_STOP;
        return -1;
    }
    int64_t now_us = serve_world_now_us(c->world);
    serve_parse_reset(c);
    c->idle_since_us = now_us;
    if (c->tail != NULL && c->tail->close_after) {
        c->reject = SERVE_REJECT_STOP; /* Connection: close, or an error answer */
        return -1;
    }
    return 0;
}

void serve_parse_settings(http_parser_settings *settings) {
    memset(settings, 0, sizeof *settings);
    settings->on_message_begin = on_message_begin;
    settings->on_url = on_url;
    settings->on_header_field = on_header_field;
    settings->on_header_value = on_header_value;
    settings->on_headers_complete = on_headers_complete;
    settings->on_body = on_body;
    settings->on_message_complete = on_message_complete;
}
