/* live_verdict.c - whether a finished live run says anything about its limiters (live_run.h). */
#include <stdio.h>

#include "harness/live/live_run.h"
#include "harness/scenario/figure.h"

/* True when s plans for a store that fails: a store outage, or an expectation on the store's
 * errors. */
static bool store_failure_expected(const scenario *s) {
    for (int i = 0; i < s->fault_count; i++) {
        if (s->faults[i].kind == FAULT_STORE_OUTAGE) {
            return true;
        }
    }
    for (int i = 0; i < s->expectation_count; i++) {
        if (s->expectations[i].api_index < 0 && s->expectations[i].figure == FIGURE_STORE_ERRORS) {
            return true;
        }
    }
    return false;
}

bool live_run_store_failed(const scenario *s, const live_run_stats *stats, char *why,
                           size_t why_size) {
    bool failed = stats->store_commands > 0 && stats->store_ok == 0 && !stats->partial &&
                  !store_failure_expected(s);
    if (failed) {
        snprintf(why, why_size,
                 "the store answered none of %lld commands well (%lld error replies, %lld "
                 "refused, %lld timed out, %lld unanswered at the end)%s%s",
                 (long long)stats->store_commands, (long long)stats->store_errors,
                 (long long)stats->store_refused, (long long)stats->store_timeouts,
                 (long long)stats->store_unanswered,
                 stats->store_error_first[0] != '\0' ? "; first: " : "",
                 stats->store_error_first);
    }
    return failed;
}
