/* api_side.c - the API side of every world: decide, record, pack the answer. */
#include "harness/model/api_side.h"

#include <assert.h>

#include "harness/core/rl_error.h"

/* Retry-After fits in the low 56 bits (durations are below 2^40 us); the status above them. */
#define API_SIDE_STATUS_SHIFT 56
#define API_SIDE_RETRY_AFTER_MASK ((INT64_C(1) << API_SIDE_STATUS_SHIFT) - 1)

int api_side_call(api_model *model, int api_index, int64_t arrival_us, job_observer observer,
                  api_side_answer *out) {
    api_response response;
    int rc = api_model_call(model, arrival_us, &response);
    if (rc != RL_OK) {
        return rc;
    }
    observer.ops->api_arrival(observer.books, api_index, arrival_us,
                              api_model_arrivals_in_burst_window(model));
    assert(response.retry_after_us >= 0 && response.retry_after_us <= API_SIDE_RETRY_AFTER_MASK);
    out->due_us = arrival_us + response.latency_us;
    out->packed = response.retry_after_us |
                  (int64_t)((uint64_t)response.status << API_SIDE_STATUS_SHIFT);
    return RL_OK;
}

api_response api_side_unpack(int64_t packed) {
    return (api_response){
        .status = (api_status)((uint64_t)packed >> API_SIDE_STATUS_SHIFT),
        .retry_after_us = packed & API_SIDE_RETRY_AFTER_MASK,
    };
}
