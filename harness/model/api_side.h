/* api_side.h - the API side of every world: a request reaches an API model, which decides it at
 * once; the observer records the arrival; the answer is packed into one integer for the world to
 * deliver to the fleet after the model's latency.
 *
 * The simulated world (harness/sim/sim_run.c) and the live one (harness/live/live_world.c) both
 * go through here: only how they wait for the answer (an engine event, a timer-heap entry)
 * differs. */
#ifndef RATELAB_API_SIDE_H
#define RATELAB_API_SIDE_H

#include <stdint.h>

#include "harness/model/job_observer.h"
#include "mock_api/api_model.h"

/* An API's answer on its way back to the fleet. */
typedef struct api_side_answer {
    int64_t due_us; /* when the client sees it: the arrival plus the model's latency */
    int64_t packed; /* the response's status and Retry-After (api_side_unpack reads them) */
} api_side_answer;

/* A request reaches model (API api_index) at arrival_us: the model decides it, observer records
 * the arrival, and out gets the answer to deliver. Returns 0 or RL_ERR_NOMEM (from the model). */
int api_side_call(api_model *model, int api_index, int64_t arrival_us, job_observer observer,
                  api_side_answer *out);

/* The response (status and Retry-After) packed in an answer. */
api_response api_side_unpack(int64_t packed);

#endif
