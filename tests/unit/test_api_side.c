/* test_api_side.c - the API side both worlds share: decide, record the arrival, pack the answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/api_side.h"

#define ARRIVALS_MAX 8

/* An observer that records the arrivals it is told of. */
typedef struct arrival_log {
    int count;
    int api_index[ARRIVALS_MAX];
    int64_t now_us[ARRIVALS_MAX];
    int64_t in_burst_window[ARRIVALS_MAX];
} arrival_log;

static void log_arrival(void *books, int api_index, int64_t now_us, int64_t in_burst_window) {
    arrival_log *log = books;
    assert_true(log->count < ARRIVALS_MAX);
    log->api_index[log->count] = api_index;
    log->now_us[log->count] = now_us;
    log->in_burst_window[log->count] = in_burst_window;
    log->count++;
}

static const job_observer_ops LOG_OPS = {.api_arrival = log_arrival};

/* An API taking 2 per second with a constant 30 ms latency: two calls at 1000 and 1500 us are
 * accepted and answered 30 ms later; the third, at 2000 us, gets a 429 whose Retry-After is the
 * window's end (1 s - 2000 us). Each arrival is recorded with the arrivals in the burst window. */
static void decides_records_and_packs(void **state) {
    (void)state;
    api_config config = {.kind = API_MODEL_BURST_INTOLERANT, .limit = 2, .window_us = 1000000,
                         .burst_window_us = 1000000,
                         .latency_us = {.kind = DIST_CONSTANT, .a = 30000}};
    rl_error err;
    assert_int_equal(api_config_validate(&config, &err), RL_OK);
    api_model model;
    assert_int_equal(api_model_init(&model, &config, 1, 1), RL_OK);
    arrival_log log;
    memset(&log, 0, sizeof log);
    job_observer observer = {.ops = &LOG_OPS, .books = &log};
    const int64_t arrivals_us[] = {1000, 1500, 2000};
    api_side_answer answers[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(api_side_call(&model, 5, arrivals_us[i], observer, &answers[i]), RL_OK);
        assert_int_equal(answers[i].due_us, arrivals_us[i] + 30000);
    }
    assert_int_equal(api_side_unpack(answers[0].packed).status, API_STATUS_ACCEPTED);
    assert_int_equal(api_side_unpack(answers[1].packed).status, API_STATUS_ACCEPTED);
    api_response refused = api_side_unpack(answers[2].packed);
    assert_int_equal(refused.status, API_STATUS_REJECTED_429);
    assert_int_equal(refused.retry_after_us, 1000000 - 2000);
    assert_int_equal(log.count, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(log.api_index[i], 5);
        assert_int_equal(log.now_us[i], arrivals_us[i]);
        assert_int_equal(log.in_burst_window[i], i + 1);
    }
    api_burst_peak peak = api_model_burst_peak(&model);
    assert_int_equal(peak.max_burst, 3);
    assert_int_equal(peak.max_burst_at_us, 2000);
    assert_int_equal(peak.burst_allowance, 2);
    api_model_destroy(&model);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decides_records_and_packs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
