/* figures.c - headline figures read from a finished run's summaries. */
#include "harness/report/figures.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>


static double ratio(int64_t part, int64_t whole) {
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

double figures_value(const metrics *m, int api_index, figure_id id) {
    assert(m->finished);
    const store_summary *store = &m->store;
    switch (id) {
    case FIGURE_STORE_OPS: return (double)store->ops;
    case FIGURE_STORE_RTT_P99: return (double)store->rtt_p99_us;
    case FIGURE_STORE_LOCK_RETRIES: return (double)store->lock_retries;
    case FIGURE_STORE_ERRORS: return (double)(store->errors_refused + store->errors_timeout);
    default: break;
    }
    assert(api_index >= 0 && api_index < m->api_count);
    const api_summary *a = &m->apis[api_index].summary;
    switch (id) {
    case FIGURE_RATE_429: return a->rate_429;
    case FIGURE_LATENCY_P50: return (double)a->latency_p50_us;
    case FIGURE_LATENCY_P99: return (double)a->latency_p99_us;
    case FIGURE_WASTED_QUOTA: return a->wasted_quota;
    case FIGURE_BURST_RATIO: return a->burst_ratio;
    case FIGURE_FAIRNESS: return a->fairness_jain;
    case FIGURE_DONE_RATIO: return ratio(a->jobs_completed, a->jobs_created);
    case FIGURE_ABANDONED_RATIO: return ratio(a->jobs_abandoned, a->jobs_created);
    case FIGURE_ATTEMPTS_PER_JOB: return ratio(a->attempts, a->jobs_created);
    default: break;
    }
    assert(!"unknown figure");
    return 0.0;
}

void figures_format(figure_id id, double value, char *buf, unsigned long size) {
    switch (figure_info_of(id)->unit) {
    case FIGURE_UNIT_RATIO:
        if (id == FIGURE_RATE_429 || id == FIGURE_WASTED_QUOTA || id == FIGURE_DONE_RATIO ||
            id == FIGURE_ABANDONED_RATIO) {
            snprintf(buf, size, "%.3f%%", value * 100.0);
        } else {
            snprintf(buf, size, "%.3f", value);
        }
        return;
    case FIGURE_UNIT_TIME_US:
        if (value >= 1e6) {
            snprintf(buf, size, "%.2fs", value / 1e6);
        } else if (value >= 1e3) {
            snprintf(buf, size, "%.2fms", value / 1e3);
        } else {
            snprintf(buf, size, "%.0fus", value);
        }
        return;
    case FIGURE_UNIT_COUNT:
        /* Six significant digits would print a million store commands as 1.5996e+06: a count
         * that large is shown whole (its fraction, a mean's, says nothing at that size). */
        if (fabs(value) >= 1e5) {
            snprintf(buf, size, "%.0f", value);
        } else {
            snprintf(buf, size, "%.6g", value);
        }
        return;
    }
}
