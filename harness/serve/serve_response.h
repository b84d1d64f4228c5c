/* serve_response.h - the bytes of one HTTP/1.1 answer of `ratelab serve`: 200 with a small JSON
 * body, 429 with Retry-After, the X-RateLimit-* headers, and the error answers (400, 404, 413,
 * 431, 503). Pure formatting: no I/O, no clock, no allocation. */
#ifndef RATELAB_SERVE_RESPONSE_H
#define RATELAB_SERVE_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mock_api/api_model.h"

/* Largest answer serve_response_format writes (headers and body), in bytes. */
#define SERVE_RESPONSE_BYTES_MAX 1024

/* What the API model told the client, in the units the headers use. */
typedef struct serve_answer {
    api_status status;        /* accepted or 429 (a dropped request gets no answer) */
    const char *api_name;     /* borrowed; [A-Za-z0-9_-] (scenario names) */
    const char *client_id;    /* borrowed; printable ASCII without '"' or '\\' */
    int64_t limit;            /* X-RateLimit-Limit: the API's limit per window */
    int64_t remaining;        /* X-RateLimit-Remaining: left in the current window, >= 0 */
    int64_t reset_us;         /* X-RateLimit-Reset: until the window ends, > 0 */
    int64_t retry_after_us;   /* 429: Retry-After, >= 1 */
    int64_t cost_tokens;      /* tokens the request used (accepted quota_bound only) */
    int64_t bucket_fill;      /* leaky_bucket: X-Shopify-Shop-Api-Call-Limit's fill */
    int64_t bucket_size;      /* leaky_bucket: its size; 0 (no such header) for other models */
    bool close;               /* adds Connection: close */
} serve_answer;

/* Writes the answer into out (out_size >= SERVE_RESPONSE_BYTES_MAX) and returns its length.
 * Retry-After and X-RateLimit-Reset are whole seconds rounded up (at least 1); the JSON body
 * carries the exact figure in milliseconds. With bucket_size > 0 (a leaky bucket), the answer
 * also carries X-Shopify-Shop-Api-Call-Limit: FILL/SIZE, as Shopify's does. */
size_t serve_response_format(const serve_answer *answer, char *out, size_t out_size);

/* Writes an error answer (status: 400, 404, 413, 431 or 503) with a one-line JSON body saying
 * why (reason: borrowed, plain ASCII without '"' or '\\'), always with Connection: close unless
 * keep_alive. Returns its length. */
size_t serve_response_error(int status, const char *reason, bool keep_alive, char *out,
                            size_t out_size);

/* Whole seconds from microseconds, rounded up, at least 1: the unit of Retry-After. */
int64_t serve_response_seconds_up(int64_t us);

#endif
