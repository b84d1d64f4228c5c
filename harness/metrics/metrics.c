/* metrics.c - collecting a run's figures as events happen, and deriving the headline figures. */
#include "harness/metrics/metrics.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"

/* The wasted-quota accounting's two values per job, kept in the job's books: the start of its
 * current waiting interval (-1 when not waiting) and the last quota window already counted for
 * it (-1 = none). */
enum { QUOTA_WAITING_SINCE_US = 0, QUOTA_LAST_WINDOW = 1 };

static int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

static bool api_has_traffic(const scenario *s, int api) {
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            if (s->pod_groups[g].traffic[t].api_index == api) {
                return true;
            }
        }
    }
    return false;
}

static int api_metrics_init(api_metrics *a, const scenario *s, int api, int64_t pod_count,
                            int64_t bin_count) {
    const api_config *config = &s->apis[api].config;
    histogram *all[] = {&a->latency, &a->queue_wait, &a->limiter_wait, &a->store,
                        &a->api,     &a->backoff,    &a->bin_latency};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        histogram_reset(all[i]);
    }
    a->window_us = config->window_us;
    a->window_limit = config->limit;
    a->window_count = ceil_div(s->duration_us, a->window_us);
    a->window_accepted = rl_calloc((size_t)a->window_count, sizeof *a->window_accepted);
    a->window_deferred_delta = rl_calloc((size_t)a->window_count + 1, sizeof(int64_t));
    a->bins = rl_calloc((size_t)bin_count, sizeof *a->bins);
    if (a->window_accepted == NULL || a->window_deferred_delta == NULL || a->bins == NULL) {
        return RL_ERR_NOMEM;
    }
    if (api_has_traffic(s, api)) {
        a->pod_demand = rl_calloc((size_t)pod_count, sizeof *a->pod_demand);
        a->pod_accepted = rl_calloc((size_t)pod_count, sizeof *a->pod_accepted);
        if (a->pod_demand == NULL || a->pod_accepted == NULL) {
            return RL_ERR_NOMEM;
        }
    }
    return RL_OK;
}

/* Zeroes m except the slots of APIs beyond api_count, which nothing reads: each slot is about
 * 300 KiB of histograms, and writing all eight was half the set-up time of a 10,000-pod run
 * (page faults). */
static void metrics_zero(metrics *m, int api_count) {
    memset(m, 0, offsetof(metrics, apis));
    memset(m->apis, 0, (size_t)api_count * sizeof m->apis[0]);
    char *after = (char *)(m->apis + SCENARIO_APIS_MAX);
    memset(after, 0, sizeof *m - (size_t)(after - (char *)m));
}

int metrics_init(metrics *m, const scenario *s) {
    metrics_zero(m, s->api_count);
    m->scenario = s;
    m->pod_count = scenario_pod_count(s);
    m->bin_us = s->bin_us;
    m->bin_count = ceil_div(s->duration_us, s->bin_us);
    m->api_count = s->api_count;
    histogram_reset(&m->store_rtt);
    for (int i = 0; i < m->api_count; i++) {
        int rc = api_metrics_init(&m->apis[i], s, i, m->pod_count, m->bin_count);
        if (rc != RL_OK) {
            metrics_destroy(m);
            return rc;
        }
    }
    return RL_OK;
}

void metrics_destroy(metrics *m) {
    for (int i = 0; i < m->api_count; i++) {
        api_metrics *a = &m->apis[i];
        rl_free(a->window_accepted);
        rl_free(a->window_deferred_delta);
        rl_free(a->pod_demand);
        rl_free(a->pod_accepted);
        rl_free(a->bins);
        a->window_accepted = a->window_deferred_delta = a->pod_demand = a->pod_accepted = NULL;
        a->bins = NULL;
    }
}

/* Closes every bin that ends at or before now_us (the work of metrics_advance). */
static void metrics_close_bins(metrics *m, int64_t now_us) {
    while (m->current_bin < m->bin_count && now_us >= (m->current_bin + 1) * m->bin_us) {
        for (int i = 0; i < m->api_count; i++) {
            api_metrics *a = &m->apis[i];
            metrics_bin *bin = &a->bins[m->current_bin];
            assert(a->jobs_in_flight >= 0);
            assert(a->jobs_alive >= a->jobs_in_flight);
            bin->jobs_waiting = a->jobs_alive - a->jobs_in_flight;
            bin->latency_p99_us = histogram_quantile(&a->bin_latency, 0.99);
            histogram_reset(&a->bin_latency);
        }
        m->current_bin++;
    }
}

/* Closes every bin that ends at or before now_us. Called on every step of every job, so the
 * test is inline and the work, once per bin, is not. */
static inline void metrics_advance(metrics *m, int64_t now_us) {
    if (now_us >= (m->current_bin + 1) * m->bin_us) {
        metrics_close_bins(m, now_us);
    }
}

static int64_t bin_index(const metrics *m, int64_t t_us) {
    int64_t index = t_us / m->bin_us;
    return index < m->bin_count ? index : m->bin_count - 1;
}

static int64_t quota_window(const api_metrics *a, int64_t t_us) {
    int64_t index = t_us / a->window_us;
    return index < a->window_count ? index : a->window_count - 1;
}

/* Counts the job as deferred in windows first..last (inclusive), skipping those already counted. */
static void quota_defer(api_metrics *a, job_books *quota, int64_t first, int64_t last) {
    if (first <= quota->slot[QUOTA_LAST_WINDOW]) {
        first = quota->slot[QUOTA_LAST_WINDOW] + 1;
    }
    if (first > last) {
        return;
    }
    a->window_deferred_delta[first]++;
    a->window_deferred_delta[last + 1]--;
    quota->slot[QUOTA_LAST_WINDOW] = last;
}

void metrics_job_created(metrics *m, int api, int64_t pod, int64_t now_us, job_books *quota) {
    metrics_advance(m, now_us);
    api_metrics *a = &m->apis[api];
    a->jobs_created++;
    a->jobs_alive++;
    a->pod_demand[pod]++;
    quota->slot[QUOTA_WAITING_SINCE_US] = now_us;
    quota->slot[QUOTA_LAST_WINDOW] = -1;
}

void metrics_job_sent(metrics *m, int api, int64_t now_us, job_books *quota) {
    metrics_advance(m, now_us);
    api_metrics *a = &m->apis[api];
    a->attempts++;
    a->jobs_in_flight++;
    a->bins[bin_index(m, now_us)].attempts++;
    assert(quota->slot[QUOTA_WAITING_SINCE_US] >= 0);
    int64_t sent_window = quota_window(a, now_us);
    quota_defer(a, quota, quota_window(a, quota->slot[QUOTA_WAITING_SINCE_US]), sent_window - 1);
    if (sent_window > quota->slot[QUOTA_LAST_WINDOW]) {
        quota->slot[QUOTA_LAST_WINDOW] = sent_window;
    }
    quota->slot[QUOTA_WAITING_SINCE_US] = -1;
}

void metrics_job_answered(metrics *m, int api, int64_t pod, int64_t sent_us, int64_t now_us,
                          api_status status, job_books *quota) {
    metrics_advance(m, now_us);
    api_metrics *a = &m->apis[api];
    metrics_bin *bin = &a->bins[bin_index(m, sent_us)];
    assert(sent_us <= now_us);
    a->jobs_in_flight--;
    assert(a->jobs_in_flight >= 0);
    switch (status) {
    case API_STATUS_ACCEPTED:
        a->accepted++;
        bin->accepted++;
        a->pod_accepted[pod]++;
        a->window_accepted[quota_window(a, sent_us)]++;
        return;
    case API_STATUS_REJECTED_429:
        a->rejected_429++;
        bin->rejected_429++;
        break;
    case API_STATUS_DROPPED:
        a->dropped++;
        bin->dropped++;
        break;
    }
    quota->slot[QUOTA_WAITING_SINCE_US] = now_us;
}

void metrics_api_arrival(metrics *m, int api, int64_t now_us, int64_t in_burst_window) {
    metrics_bin *bin = &m->apis[api].bins[bin_index(m, now_us)];
    if (in_burst_window > bin->burst_max) {
        bin->burst_max = in_burst_window;
    }
}

void metrics_job_completed(metrics *m, int api, int64_t now_us, const job_timing *timing) {
    metrics_advance(m, now_us);
    api_metrics *a = &m->apis[api];
    int64_t latency_us = now_us - timing->created_us;
    a->jobs_completed++;
    a->jobs_alive--;
    assert(a->jobs_alive >= a->jobs_in_flight);
    a->bins[bin_index(m, now_us)].completed++;
    histogram_record(&a->latency, latency_us);
    histogram_record(&a->bin_latency, latency_us);
    histogram_record(&a->queue_wait, timing->queue_wait_us);
    histogram_record(&a->limiter_wait, timing->limiter_wait_us);
    histogram_record(&a->store, timing->store_us);
    histogram_record(&a->api, timing->api_us);
    histogram_record(&a->backoff, timing->backoff_us);
}

/* Ends the job's waiting interval at end_us (exclusive), if it was waiting. */
static void quota_close_waiting(api_metrics *a, job_books *quota, int64_t end_us) {
    if (quota->slot[QUOTA_WAITING_SINCE_US] < 0 || end_us <= quota->slot[QUOTA_WAITING_SINCE_US]) {
        quota->slot[QUOTA_WAITING_SINCE_US] = -1;
        return;
    }
    quota_defer(a, quota, quota_window(a, quota->slot[QUOTA_WAITING_SINCE_US]), quota_window(a, end_us - 1));
    quota->slot[QUOTA_WAITING_SINCE_US] = -1;
}

void metrics_job_call_lost(metrics *m, int api, int64_t now_us) {
    metrics_advance(m, now_us);
    m->apis[api].jobs_in_flight--;
    assert(m->apis[api].jobs_in_flight >= 0);
}

void metrics_job_abandoned(metrics *m, int api, int64_t now_us, abandon_reason reason,
                           job_books *quota) {
    metrics_advance(m, now_us);
    api_metrics *a = &m->apis[api];
    a->abandoned[reason]++;
    a->jobs_alive--;
    assert(a->jobs_alive >= a->jobs_in_flight);
    quota_close_waiting(a, quota, now_us);
}

void metrics_job_pending_at_end(metrics *m, int api, int64_t end_us, bool in_flight,
                                job_books *quota) {
    m->apis[api].jobs_pending_counted++;
    m->apis[api].jobs_pending_in_flight += in_flight;
    quota_close_waiting(&m->apis[api], quota, end_us);
}

void metrics_store_round_trip(metrics *m, int64_t now_us, int64_t rtt_us,
                              store_reply_status status) {
    metrics_advance(m, now_us);
    histogram_record(&m->store_rtt, rtt_us);
    if (status == STORE_REPLY_REFUSED) {
        m->store.errors_refused++;
    } else if (status == STORE_REPLY_TIMEOUT) {
        m->store.errors_timeout++;
    }
    if (status != STORE_REPLY_OK) {
        for (int i = 0; i < m->api_count; i++) {
            m->apis[i].bins[bin_index(m, now_us)].store_errors++;
        }
    }
}

/* Wasted quota per METRICS.md: sum over quota windows of min(unused, deferred) / sum of limits.
 * The last window, if the run ends inside it, has its limit pro-rated to the part that ran. */
static void summarise_wasted_quota(api_metrics *a, int64_t end_us) {
    api_summary *s = &a->summary;
    int64_t deferred = 0;
    for (int64_t w = 0; w < a->window_count; w++) {
        deferred += a->window_deferred_delta[w];
        int64_t window_start_us = w * a->window_us;
        int64_t span_us = end_us - window_start_us;
        if (span_us > a->window_us) {
            span_us = a->window_us;
        }
        int64_t limit = (int64_t)((__int128)a->window_limit * span_us / a->window_us);
        int64_t unused = limit - a->window_accepted[w];
        if (unused < 0) {
            unused = 0;
        }
        s->quota_limit_total += limit;
        s->quota_unused_total += unused;
        s->quota_wasted_total += unused < deferred ? unused : deferred;
    }
    s->wasted_quota = s->quota_limit_total > 0
                          ? (double)s->quota_wasted_total / (double)s->quota_limit_total
                          : 0.0;
}

/* Jain's index over per-pod accepted / demand, for pods with demand. */
static void summarise_fairness(api_metrics *a, int64_t pod_count) {
    double sum = 0.0, sum_squares = 0.0;
    int64_t pods = 0;
    for (int64_t p = 0; a->pod_demand != NULL && p < pod_count; p++) {
        if (a->pod_demand[p] == 0) {
            continue;
        }
        double x = (double)a->pod_accepted[p] / (double)a->pod_demand[p];
        sum += x;
        sum_squares += x * x;
        pods++;
    }
    a->summary.fairness_pods = pods;
    /* No pod served at all is equally unfair to every pod: 1 by the index's convention. */
    a->summary.fairness_jain = sum_squares > 0.0 ? (sum * sum) / ((double)pods * sum_squares) : 1.0;
}

static void summarise_api(api_metrics *a, const api_model *model, int64_t pod_count,
                          int64_t end_us) {
    api_summary *s = &a->summary;
    memset(s, 0, sizeof *s);
    s->jobs_created = a->jobs_created;
    s->jobs_completed = a->jobs_completed;
    s->jobs_pending = a->jobs_pending_counted;
    for (int r = 0; r < ABANDON_REASON_COUNT; r++) {
        s->abandoned[r] = a->abandoned[r];
        s->jobs_abandoned += a->abandoned[r];
    }
    s->attempts = a->attempts;
    s->accepted = a->accepted;
    s->rejected_429 = a->rejected_429;
    s->dropped = a->dropped;
    s->rate_429 = a->attempts > 0 ? (double)a->rejected_429 / (double)a->attempts : 0.0;
    s->latency_p50_us = histogram_quantile(&a->latency, 0.50);
    s->latency_p90_us = histogram_quantile(&a->latency, 0.90);
    s->latency_p99_us = histogram_quantile(&a->latency, 0.99);
    s->latency_p999_us = histogram_quantile(&a->latency, 0.999);
    s->latency_max_us = a->latency.max;
    s->latency_mean_us = histogram_mean(&a->latency);
    s->queue_wait_mean_us = histogram_mean(&a->queue_wait);
    s->limiter_wait_mean_us = histogram_mean(&a->limiter_wait);
    s->store_mean_us = histogram_mean(&a->store);
    s->api_mean_us = histogram_mean(&a->api);
    s->backoff_mean_us = histogram_mean(&a->backoff);
    s->limiter_wait_p99_us = histogram_quantile(&a->limiter_wait, 0.99);
    s->store_p99_us = histogram_quantile(&a->store, 0.99);
    s->api_p99_us = histogram_quantile(&a->api, 0.99);
    s->backoff_p99_us = histogram_quantile(&a->backoff, 0.99);
    summarise_wasted_quota(a, end_us);
    api_burst_peak peak = api_model_burst_peak(model);
    s->max_burst = peak.max_burst;
    s->max_burst_at_us = peak.max_burst_at_us;
    s->burst_allowance = peak.burst_allowance;
    s->burst_ratio = (double)s->max_burst / (double)s->burst_allowance;
    summarise_fairness(a, pod_count);
}

void metrics_lock_retry(metrics *m) {
    m->store.lock_retries++;
}

int metrics_finish(metrics *m, int64_t end_us, const api_model *apis, store_world_figures store,
                   rl_error *err) {
    metrics_advance(m, end_us);
    if (m->current_bin < m->bin_count) { /* the last bin, cut short by the run's end */
        metrics_advance(m, m->bin_count * m->bin_us);
    }
    m->end_us = end_us;
    for (int i = 0; i < m->api_count; i++) {
        summarise_api(&m->apis[i], &apis[i], m->pod_count, end_us);
    }
    m->store.ops = (int64_t)m->store_rtt.total - m->store.errors_refused - m->store.errors_timeout;
    assert(m->store.ops >= 0);
    m->store.ops_per_s = end_us > 0 ? (double)m->store.ops * 1e6 / (double)end_us : 0.0;
    m->store.rtt_p50_us = histogram_quantile(&m->store_rtt, 0.50);
    m->store.rtt_p99_us = histogram_quantile(&m->store_rtt, 0.99);
    m->store.rtt_max_us = m->store_rtt.max;
    assert(store.in_flight_max >= 0);
    assert(store.queue_max >= -1);
    m->store.in_flight_max = store.in_flight_max;
    m->store.queue_max = store.queue_max;
    m->finished = true;
    for (int i = 0; i < m->api_count; i++) {
        const api_metrics *a = &m->apis[i];
        /* The counters balance by construction; the walk of the live jobs (pending) is checked
         * against them below, as an error that names the API. */
        assert(a->jobs_created == a->jobs_completed + a->summary.jobs_abandoned + a->jobs_alive);
        /* No call is left in flight but those of the jobs still pending. */
        assert(a->jobs_in_flight == a->jobs_pending_in_flight);
        for (int64_t b = 0; b < m->bin_count; b++) {
            assert(a->bins[b].jobs_waiting >= 0);
        }
    }
    for (int i = 0; i < m->api_count; i++) {
        const api_summary *s = &m->apis[i].summary;
        if (s->jobs_created != s->jobs_completed + s->jobs_abandoned + s->jobs_pending ||
            m->apis[i].jobs_alive != s->jobs_pending) {
            return rl_error_set(err, RL_ERR_INVARIANT,
                                "API %s: jobs created (%lld) != completed (%lld) + abandoned "
                                "(%lld) + pending (%lld)",
                                m->scenario->apis[i].name, (long long)s->jobs_created,
                                (long long)s->jobs_completed, (long long)s->jobs_abandoned,
                                (long long)s->jobs_pending);
        }
    }
    return RL_OK;
}

void metrics_prefetch_pod(const metrics *m, int64_t pod) {
    if (pod < 0 || pod >= m->pod_count) {
        return;
    }
    for (int i = 0; i < m->api_count; i++) {
        if (m->apis[i].pod_demand != NULL) {
            __builtin_prefetch(&m->apis[i].pod_demand[pod]);
            __builtin_prefetch(&m->apis[i].pod_accepted[pod]);
        }
    }
}
