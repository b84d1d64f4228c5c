/* test_serve_response.c - the bytes of serve's answers, exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/serve/serve_response.h"

static void accepted_answer(void **state) {
    (void)state;
    char out[SERVE_RESPONSE_BYTES_MAX];
    serve_answer a = {.status = API_STATUS_ACCEPTED, .api_name = "llm", .client_id = "w-1",
                      .limit = 300, .remaining = 299, .reset_us = 58000001, .cost_tokens = 700};
    size_t length = serve_response_format(&a, out, sizeof out);
    const char *expected = "HTTP/1.1 200 OK\r\n"
                           "X-RateLimit-Limit: 300\r\n"
                           "X-RateLimit-Remaining: 299\r\n"
                           "X-RateLimit-Reset: 59\r\n"
                           "Content-Type: application/json\r\n"
                           "Content-Length: 67\r\n"
                           "\r\n"
                           "{\"status\":\"accepted\",\"api\":\"llm\",\"client\":\"w-1\","
                           "\"cost_tokens\":700}\n";
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(out, expected, length);
}

static void refused_answer_rounds_retry_after_up(void **state) {
    (void)state;
    char out[SERVE_RESPONSE_BYTES_MAX];
    serve_answer a = {.status = API_STATUS_REJECTED_429, .api_name = "powerbi",
                      .client_id = "127.0.0.1", .limit = 600, .remaining = 0, .reset_us = 1,
                      .retry_after_us = 1000001, .close = true};
    size_t length = serve_response_format(&a, out, sizeof out);
    const char *expected = "HTTP/1.1 429 Too Many Requests\r\n"
                           "X-RateLimit-Limit: 600\r\n"
                           "X-RateLimit-Remaining: 0\r\n"
                           "X-RateLimit-Reset: 1\r\n"
                           "Retry-After: 2\r\n"
                           "Content-Type: application/json\r\n"
                           "Content-Length: 81\r\n"
                           "Connection: close\r\n"
                           "\r\n"
                           "{\"status\":\"rejected\",\"api\":\"powerbi\",\"client\":\"127.0.0.1\","
                           "\"retry_after_ms\":1001}\n";
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(out, expected, length);
}

static void leaky_bucket_answer_reports_its_fill(void **state) {
    (void)state;
    char out[SERVE_RESPONSE_BYTES_MAX];
    serve_answer a = {.status = API_STATUS_REJECTED_429, .api_name = "shop",
                      .client_id = "w-2", .limit = 40, .remaining = 0, .reset_us = 19500000,
                      .retry_after_us = 500000, .bucket_fill = 40, .bucket_size = 40};
    size_t length = serve_response_format(&a, out, sizeof out);
    const char *expected = "HTTP/1.1 429 Too Many Requests\r\n"
                           "X-RateLimit-Limit: 40\r\n"
                           "X-RateLimit-Remaining: 0\r\n"
                           "X-RateLimit-Reset: 20\r\n"
                           "X-Shopify-Shop-Api-Call-Limit: 40/40\r\n"
                           "Retry-After: 1\r\n"
                           "Content-Type: application/json\r\n"
                           "Content-Length: 71\r\n"
                           "\r\n"
                           "{\"status\":\"rejected\",\"api\":\"shop\",\"client\":\"w-2\","
                           "\"retry_after_ms\":500}\n";
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(out, expected, length);
}

static void error_answer_closes_unless_kept_alive(void **state) {
    (void)state;
    char out[SERVE_RESPONSE_BYTES_MAX];
    size_t length = serve_response_error(431, "too big", false, out, sizeof out);
    const char *expected = "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                           "Content-Type: application/json\r\n"
                           "Content-Length: 33\r\n"
                           "Connection: close\r\n"
                           "\r\n"
                           "{\"error\":431,\"reason\":\"too big\"}\n";
    assert_int_equal(length, strlen(expected));
    assert_memory_equal(out, expected, length);
    length = serve_response_error(404, "no", true, out, sizeof out);
    assert_null(strstr(out, "Connection: close"));
}

static void seconds_round_up_to_at_least_one(void **state) {
    (void)state;
    assert_int_equal(serve_response_seconds_up(0), 1);
    assert_int_equal(serve_response_seconds_up(1), 1);
    assert_int_equal(serve_response_seconds_up(1000000), 1);
    assert_int_equal(serve_response_seconds_up(1000001), 2);
    assert_int_equal(serve_response_seconds_up(59999999), 60);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_answer),
        cmocka_unit_test(refused_answer_rounds_retry_after_up),
        cmocka_unit_test(leaky_bucket_answer_reports_its_fill),
        cmocka_unit_test(error_answer_closes_unless_kept_alive),
        cmocka_unit_test(seconds_round_up_to_at_least_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
