/* scenario.c - small queries over a loaded scenario, and the names of its enums. */
#include "harness/scenario/scenario.h"

#include <stddef.h>
#include <string.h>

int64_t scenario_pod_count(const scenario *s) {
    int64_t total = 0;
    for (int i = 0; i < s->pod_group_count; i++) {
        total += s->pod_groups[i].count;
    }
    return total;
}

int scenario_find_api(const scenario *s, const char *name) {
    for (int i = 0; i < s->api_count; i++) {
        if (strcmp(s->apis[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

int scenario_find_limiter(const scenario *s, const char *name) {
    for (int i = 0; i < s->limiter_count; i++) {
        if (strcmp(s->limiters[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *limiter_scope_name(limiter_scope scope) {
    switch (scope) {
    case LIMITER_SCOPE_LOCAL: return "local";
    case LIMITER_SCOPE_STORE: return "redis";
    case LIMITER_SCOPE_STORE_LOCK: return "redis_lock";
    }
    return "unknown";
}

const char *workload_kind_name(workload_kind kind) {
    switch (kind) {
    case WORKLOAD_GATHER: return "gather";
    case WORKLOAD_POISSON: return "poisson";
    case WORKLOAD_CONSTANT: return "constant";
    }
    return "unknown";
}

const char *jitter_kind_name(jitter_kind kind) {
    switch (kind) {
    case JITTER_FULL: return "full";
    case JITTER_EQUAL: return "equal";
    case JITTER_DECORRELATED: return "decorrelated";
    case JITTER_NONE: return "none";
    }
    return "unknown";
}

const char *store_failure_mode_name(store_failure_mode mode) {
    switch (mode) {
    case STORE_FAILURE_FAIL_CLOSED: return "fail_closed";
    case STORE_FAILURE_FAIL_OPEN: return "fail_open";
    case STORE_FAILURE_LOCAL_FALLBACK: return "local_fallback";
    }
    return "unknown";
}

const char *fault_kind_name(fault_kind kind) {
    switch (kind) {
    case FAULT_STORE_OUTAGE: return "store_outage";
    case FAULT_STORE_LATENCY: return "store_latency";
    case FAULT_POD_RESTART: return "pod_restart";
    case FAULT_CLOCK_SKEW: return "clock_skew";
    }
    return "unknown";
}

const char *expect_op_text(expect_op op) {
    switch (op) {
    case EXPECT_LT: return "<";
    case EXPECT_LE: return "<=";
    case EXPECT_GT: return ">";
    case EXPECT_GE: return ">=";
    case EXPECT_EQ: return "==";
    }
    return "?";
}
