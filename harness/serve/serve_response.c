/* serve_response.c - formats the answers of `ratelab serve` (see serve_response.h). */
#include "harness/serve/serve_response.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

int64_t serve_response_seconds_up(int64_t us) {
    int64_t seconds = (us + 999999) / 1000000;
    return seconds < 1 ? 1 : seconds;
}

/* Milliseconds, rounded up: the JSON body's precision. */
static int64_t millis_up(int64_t us) {
    return (us + 999) / 1000;
}

/* Appends the headers and the body (body_length bytes) after the status line; returns the total. */
static size_t finish(char *out, size_t out_size, int used, const char *body, int body_length,
                     bool close) {
    assert(used > 0 && (size_t)used < out_size);
    int more = snprintf(out + used, out_size - (size_t)used,
                        "Content-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s",
                        body_length, close ? "Connection: close\r\n" : "", body);
    assert(more > 0 && (size_t)(used + more) < out_size);
    return (size_t)(used + more);
}

size_t serve_response_format(const serve_answer *answer, char *out, size_t out_size) {
    assert(out_size >= SERVE_RESPONSE_BYTES_MAX);
    assert(answer->status == API_STATUS_ACCEPTED || answer->status == API_STATUS_REJECTED_429);
    assert(answer->remaining >= 0);
    bool accepted = answer->status == API_STATUS_ACCEPTED;
    char body[320];
    int body_length;
    if (accepted) {
        body_length = snprintf(body, sizeof body,
                               "{\"status\":\"accepted\",\"api\":\"%s\",\"client\":\"%s\","
                               "\"cost_tokens\":%" PRId64 "}\n",
                               answer->api_name, answer->client_id, answer->cost_tokens);
    } else {
        assert(answer->retry_after_us >= 1);
        body_length = snprintf(body, sizeof body,
                               "{\"status\":\"rejected\",\"api\":\"%s\",\"client\":\"%s\","
                               "\"retry_after_ms\":%" PRId64 "}\n",
                               answer->api_name, answer->client_id,
                               millis_up(answer->retry_after_us));
    }
    assert(body_length > 0 && (size_t)body_length < sizeof body);
    int used = snprintf(out, out_size,
                        "HTTP/1.1 %s\r\nX-RateLimit-Limit: %" PRId64
                        "\r\nX-RateLimit-Remaining: %" PRId64 "\r\nX-RateLimit-Reset: %" PRId64
                        "\r\n",
                        accepted ? "200 OK" : "429 Too Many Requests", answer->limit,
                        answer->remaining, serve_response_seconds_up(answer->reset_us));
    if (answer->bucket_size > 0) {
        assert(answer->bucket_fill >= 0 && answer->bucket_fill <= answer->bucket_size);
        used += snprintf(out + used, out_size - (size_t)used,
                         "X-Shopify-Shop-Api-Call-Limit: %" PRId64 "/%" PRId64 "\r\n",
                         answer->bucket_fill, answer->bucket_size);
    }
    if (!accepted) {
        used += snprintf(out + used, out_size - (size_t)used, "Retry-After: %" PRId64 "\r\n",
                         serve_response_seconds_up(answer->retry_after_us));
    }
    return finish(out, out_size, used, body, body_length, answer->close);
}

/* The reason phrase of an error status. */
static const char *status_text(int status) {
    switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    }
    assert(0 && "an error status serve_response_error does not know");
    return "Error";
}

size_t serve_response_error(int status, const char *reason, bool keep_alive, char *out,
                            size_t out_size) {
    assert(out_size >= SERVE_RESPONSE_BYTES_MAX);
    char body[512];
    int body_length = snprintf(body, sizeof body, "{\"error\":%d,\"reason\":\"%.400s\"}\n",
                               status, reason);
    assert(body_length > 0 && (size_t)body_length < sizeof body);
    int used = snprintf(out, out_size, "HTTP/1.1 %d %s\r\n", status, status_text(status));
    return finish(out, out_size, used, body, body_length, !keep_alive);
}
