/* test_api_model_cost.c - api_model_call_cost: a request's given token cost is what the API
 * counts, and giving it leaves the model's random stream where drawing it would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mock_api/api_model.h"

/* An LLM-like API: 100 requests and 1,000 tokens a minute, costs uniform in 1..500, latency
 * uniform in 1..1,000,000 us (so equal latencies mean the same draws). */
static api_config llm_config(void) {
    return (api_config){.kind = API_MODEL_QUOTA_BOUND,
                        .limit = 100,
                        .window_us = 60000000,
                        .burst_window_us = 1000000,
                        .tokens_limit = 1000,
                        .cost_tokens = {.kind = DIST_UNIFORM, .a = 1, .b = 500},
                        .latency_us = {.kind = DIST_UNIFORM, .a = 1, .b = 1000000}};
}

static void given_cost_is_counted(void **state) {
    (void)state;
    api_config config = llm_config();
    api_model model;
    assert_int_equal(api_model_init(&model, &config, 7, 1), 0);
    api_response r;
    assert_int_equal(api_model_call_cost(&model, 0, 600, &r), 0);
    assert_int_equal(r.status, API_STATUS_ACCEPTED);
    assert_int_equal(r.cost_tokens, 600);
    assert_int_equal(api_model_call_cost(&model, 1, 401, &r), 0);
    assert_int_equal(r.status, API_STATUS_REJECTED_429); /* 600 + 401 > 1,000 */
    assert_int_equal(r.retry_after_us, 60000000 - 1);  /* the window's end */
    assert_int_equal(api_model_call_cost(&model, 2, 400, &r), 0);
    assert_int_equal(r.status, API_STATUS_ACCEPTED); /* exactly 1,000 */
    assert_int_equal(model.window_tokens, 1000);
    api_model_destroy(&model);
}

static void given_cost_keeps_the_stream_in_step(void **state) {
    (void)state;
    api_config config = llm_config();
    config.tokens_limit = 0; /* the same decisions whatever the cost: only the draws differ */
    api_model drawn, given;
    assert_int_equal(api_model_init(&drawn, &config, 11, 3), 0);
    assert_int_equal(api_model_init(&given, &config, 11, 3), 0);
    for (int64_t i = 0; i < 50; i++) {
        api_response a, b;
        assert_int_equal(api_model_call(&drawn, i * 1000, &a), 0);
        assert_int_equal(api_model_call_cost(&given, i * 1000, 0, &b), 0);
        assert_int_equal(a.status, API_STATUS_ACCEPTED);
        assert_int_equal(b.status, API_STATUS_ACCEPTED);
        assert_int_equal(a.latency_us, b.latency_us);
    }
    api_model_destroy(&drawn);
    api_model_destroy(&given);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(given_cost_is_counted),
        cmocka_unit_test(given_cost_keeps_the_stream_in_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
