/* figure.c - the headline figures' names and units. */
#include "harness/scenario/figure.h"

#include <stdio.h>
#include <string.h>

static const figure_info FIGURES[FIGURE_COUNT] = {
    [FIGURE_RATE_429] = {"rate_429", false, FIGURE_UNIT_RATIO, false},
    [FIGURE_LATENCY_P50] = {"latency_p50", false, FIGURE_UNIT_TIME_US, false},
    [FIGURE_LATENCY_P99] = {"latency_p99", false, FIGURE_UNIT_TIME_US, false},
    [FIGURE_WASTED_QUOTA] = {"wasted_quota", false, FIGURE_UNIT_RATIO, false},
    [FIGURE_BURST_RATIO] = {"burst_ratio", false, FIGURE_UNIT_RATIO, false},
    [FIGURE_FAIRNESS] = {"fairness", false, FIGURE_UNIT_RATIO, true},
    [FIGURE_DONE_RATIO] = {"done_ratio", false, FIGURE_UNIT_RATIO, true},
    [FIGURE_ABANDONED_RATIO] = {"abandoned_ratio", false, FIGURE_UNIT_RATIO, false},
    [FIGURE_ATTEMPTS_PER_JOB] = {"attempts_per_job", false, FIGURE_UNIT_COUNT, false},
    [FIGURE_STORE_OPS] = {"ops", true, FIGURE_UNIT_COUNT, false},
    [FIGURE_STORE_RTT_P99] = {"rtt_p99", true, FIGURE_UNIT_TIME_US, false},
    [FIGURE_STORE_LOCK_RETRIES] = {"lock_retries", true, FIGURE_UNIT_COUNT, false},
    [FIGURE_STORE_ERRORS] = {"errors", true, FIGURE_UNIT_COUNT, false},
};

const figure_info *figure_info_of(figure_id id) {
    return &FIGURES[id];
}

int figure_find(const char *name, bool of_store) {
    for (int i = 0; i < FIGURE_COUNT; i++) {
        if (FIGURES[i].of_store == of_store && strcmp(FIGURES[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

void figure_names_join(bool of_store, char *buf, unsigned long size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < FIGURE_COUNT; i++) {
        if (FIGURES[i].of_store != of_store || used + 1 >= size) {
            continue;
        }
        int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", FIGURES[i].name);
        used += n > 0 ? (size_t)n : 0;
    }
}
