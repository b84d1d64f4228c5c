/* metrics_observer.c - the metrics as the fleet's observer: each move of a job, read as the
 * events METRICS.md counts (created, sent, answered, completed, abandoned). */
#include <assert.h>

#include "harness/metrics/metrics.h"

/* A job moved: the events its move stands for, in the order they happened. */
static void metrics_on_job_moved(void *books, const job_move *move) {
    metrics *m = books;
    int api = move->api_index;
    if (move->from == JOB_FREE) {
        metrics_job_created(m, api, move->pod, move->now_us, move->books);
    }
    if (move->from == JOB_API) {
        if (move->cause == JOB_CAUSE_API_ANSWER) {
            metrics_job_answered(m, api, move->pod, move->from_since_us, move->now_us,
                                 move->status, move->books);
        } else {
            metrics_job_call_lost(m, api, move->now_us);
        }
    }
    if (move->to == JOB_API) {
        metrics_job_sent(m, api, move->now_us, move->books);
    }
    if (move->to == JOB_FREE) {
        if (move->cause == JOB_CAUSE_COMPLETED) {
            metrics_job_completed(m, api, move->now_us, move->timing);
        } else {
            assert(move->cause == JOB_CAUSE_ABANDONED);
            metrics_job_abandoned(m, api, move->now_us, move->reason, move->books);
        }
    }
}

static void metrics_on_store_round_trip(void *books, int64_t now_us, int64_t rtt_us,
                                        store_reply_status status) {
    metrics_store_round_trip(books, now_us, rtt_us, status);
}

static void metrics_on_lock_retry(void *books) {
    metrics_lock_retry(books);
}

static void metrics_on_job_pending_at_end(void *books, int api_index, job_state state,
                                          int64_t end_us, job_books *books_of_job) {
    metrics_job_pending_at_end(books, api_index, end_us, state == JOB_API, books_of_job);
}

static void metrics_on_api_arrival(void *books, int api_index, int64_t now_us,
                                   int64_t in_burst_window) {
    metrics_api_arrival(books, api_index, now_us, in_burst_window);
}

static void metrics_on_prefetch_pod(const void *books, int64_t pod) {
    metrics_prefetch_pod(books, pod);
}

static const job_observer_ops METRICS_OBSERVER_OPS = {
    .job_moved = metrics_on_job_moved,
    .store_round_trip = metrics_on_store_round_trip,
    .lock_retry = metrics_on_lock_retry,
    .job_pending_at_end = metrics_on_job_pending_at_end,
    .api_arrival = metrics_on_api_arrival,
    .prefetch_pod = metrics_on_prefetch_pod,
};

job_observer metrics_observer(metrics *m) {
    return (job_observer){.ops = &METRICS_OBSERVER_OPS, .books = m};
}
