/* metrics.h - what a run measures, as ../docs/METRICS.md defines it, collected as events happen.
 *
 * Pod logic reports each step of a job (created, sent, answered, completed, abandoned); the
 * store reports each round trip. metrics_finish closes the books and derives the headline
 * figures. Time-series bins are kept for the whole run (a bin's counts are attributed to the bin
 * of the instant the request reached the API); latency p99 per bin is taken by completion time. */
#ifndef RATELAB_METRICS_H
#define RATELAB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/model/job_observer.h"
#include "harness/metrics/histogram.h"
#include "harness/scenario/scenario.h"
#include "mock_api/api_model.h"

typedef struct metrics_bin {
    int64_t attempts;
    int64_t accepted;
    int64_t rejected_429;
    int64_t dropped;
    int64_t jobs_waiting;   /* jobs alive and not in an API call, at the bin's end */
    int64_t latency_p99_us; /* of the jobs completed in the bin; 0 when none */
    int64_t completed;
    int64_t store_errors;
    int64_t burst_max;      /* most arrivals in the API's sliding burst window seen in the bin */
} metrics_bin;

/* Headline figures of one API, derived by metrics_finish. */
typedef struct api_summary {
    int64_t jobs_created, jobs_completed, jobs_pending, jobs_abandoned;
    int64_t abandoned[ABANDON_REASON_COUNT];
    int64_t attempts, accepted, rejected_429, dropped;
    double rate_429;
    int64_t latency_p50_us, latency_p90_us, latency_p99_us, latency_p999_us, latency_max_us;
    double latency_mean_us;
    double queue_wait_mean_us, limiter_wait_mean_us, store_mean_us, api_mean_us, backoff_mean_us;
    int64_t limiter_wait_p99_us, store_p99_us, api_p99_us, backoff_p99_us;
    double wasted_quota;
    int64_t quota_limit_total, quota_unused_total, quota_wasted_total;
    int64_t max_burst, max_burst_at_us, burst_allowance;
    double burst_ratio;
    double fairness_jain;
    int64_t fairness_pods; /* pods with demand, over which fairness is taken */
} api_summary;

typedef struct api_metrics {
    api_summary summary; /* filled by metrics_finish; counters below accumulate during the run */
    int64_t jobs_created, jobs_completed, attempts, accepted, rejected_429, dropped;
    int64_t abandoned[ABANDON_REASON_COUNT];
    int64_t jobs_alive, jobs_in_flight; /* gauges kept by the events above */
    int64_t jobs_pending_counted;       /* jobs reported alive at the end, one by one */
    int64_t jobs_pending_in_flight;     /* of those, the ones in an API call */
    histogram latency, queue_wait, limiter_wait, store, api, backoff;
    histogram bin_latency; /* completions of the current bin */
    int64_t window_us, window_limit, window_count;
    int64_t *window_accepted;       /* per quota window */
    int64_t *window_deferred_delta; /* difference array of deferred jobs per quota window */
    int64_t *pod_demand;            /* jobs created per pod */
    int64_t *pod_accepted;          /* requests the API accepted per pod */
    metrics_bin *bins;
} api_metrics;

/* The store's figures; each means the same in every world (METRICS.md). */
typedef struct store_summary {
    int64_t ops;       /* round trips the pods got an answer for (not refused, not timed out) */
    double ops_per_s;
    int64_t rtt_p50_us, rtt_p99_us, rtt_max_us;
    int64_t in_flight_max; /* most commands the pods had sent and not yet had answered, at once */
    int64_t queue_max;     /* most commands in the server at once, queued or in service; -1
                              where the world cannot see the server's queue (live) */
    int64_t lock_retries;
    int64_t errors_refused, errors_timeout;
} store_summary;

typedef struct metrics {
    const scenario *scenario; /* borrowed */
    int64_t pod_count;
    int64_t bin_us, bin_count, current_bin;
    int api_count;
    api_metrics apis[SCENARIO_APIS_MAX];
    histogram store_rtt;
    store_summary store;
    int64_t end_us;
    bool finished;
} metrics;

/* Prepares m for scenario s (borrowed; must outlive m). Returns 0 or RL_ERR_NOMEM. */
int metrics_init(metrics *m, const scenario *s);

/* Frees what m allocated. */
void metrics_destroy(metrics *m);

/* A job of pod for api was created at now_us and starts waiting. */
void metrics_job_created(metrics *m, int api, int64_t pod, int64_t now_us, job_books *quota);

/* The job's request reached the API at now_us: an attempt; it stops waiting. */
void metrics_job_sent(metrics *m, int api, int64_t now_us, job_books *quota);

/* The API answered at now_us the request sent at sent_us with status. Unless accepted, the job
 * waits again from now_us. */
void metrics_job_answered(metrics *m, int api, int64_t pod, int64_t sent_us, int64_t now_us,
                          api_status status, job_books *quota);

/* A request reached the API at now_us, leaving in_burst_window arrivals in its sliding burst
 * window (this one included). */
void metrics_api_arrival(metrics *m, int api, int64_t now_us, int64_t in_burst_window);

/* The job completed at now_us with timing. */
void metrics_job_completed(metrics *m, int api, int64_t now_us, const job_timing *timing);

/* The job died at now_us during its API call (a pod restart): it is no longer in flight. */
void metrics_job_call_lost(metrics *m, int api, int64_t now_us);

/* The job was given up at now_us for reason. */
void metrics_job_abandoned(metrics *m, int api, int64_t now_us, abandon_reason reason,
                           job_books *quota);

/* The job is still alive at the run's end (end_us): counts it as pending and closes its waiting
 * interval. The pod logic calls it for every job it still holds, so that the accounting check
 * compares two independent counts. */
void metrics_job_pending_at_end(metrics *m, int api, int64_t end_us, bool in_flight,
                                job_books *quota);

/* One store round trip finished at now_us after rtt_us with status. */
void metrics_store_round_trip(metrics *m, int64_t now_us, int64_t rtt_us,
                              store_reply_status status);

/* A pod found a store lock held by another and will try again. */
void metrics_lock_retry(metrics *m);

/* What only the world can tell of its store: the most commands in flight at once (sent by the
 * pods, not yet answered) and the most in the server at once (-1 when it cannot see them). */
typedef struct store_world_figures {
    int64_t in_flight_max;
    int64_t queue_max;
} store_world_figures;

/* Closes the books at end_us: bins, wasted quota, fairness, percentiles. store comes from the
 * world; apis supplies max_burst (apis[i] for API i). Returns 0, or RL_ERR_INVARIANT with a
 * message when created != completed + abandoned + pending. */
int metrics_finish(metrics *m, int64_t end_us, const api_model *apis, store_world_figures store,
                   rl_error *err);

/* Prefetch hint (changes nothing): the per-pod counts of pod, for every API. */
void metrics_prefetch_pod(const metrics *m, int64_t pod);

/* The observer through which the fleet feeds m (borrowed: m must outlive the fleet). */
job_observer metrics_observer(metrics *m);

#endif
