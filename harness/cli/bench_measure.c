/* bench_measure.c - simulating a scenario once and measuring what it cost. */
#include "harness/cli/bench_measure.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "harness/core/rl_alloc.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

/* What the progress callback saw: the allocation counts, events run and wall clock at the start
 * of the steady state and at the end of the events. */
typedef struct steady_window {
    bool started;
    rl_alloc_counts at_start, at_end;
    uint64_t events_at_start, events_at_end;
    struct timespec wall_at_start, wall_at_end;
} steady_window;

static void on_progress(void *context, int64_t virtual_us, int64_t duration_us,
                        uint64_t events_run) {
    steady_window *w = context;
    rl_alloc_counts now = rl_alloc_counts_get();
    struct timespec wall;
    clock_gettime(CLOCK_MONOTONIC, &wall);
    if (!w->started && virtual_us * 100 >= duration_us * BENCH_STEADY_FROM_PERCENT) {
        w->started = true;
        w->at_start = now;
        w->events_at_start = events_run;
        w->wall_at_start = wall;
    }
    w->at_end = now;
    w->events_at_end = events_run;
    w->wall_at_end = wall;
}

static int64_t rss_peak_bytes(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) {
        return -1;
    }
    return (int64_t)usage.ru_maxrss * 1024; /* Linux reports KiB */
}

static double seconds_between(const struct timespec *a, const struct timespec *b) {
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Simulates s and fills the measured parts of out. */
static int measure_scenario(const scenario *s, bench_sample *out, rl_error *err) {
    metrics *m = rl_calloc(1, sizeof *m);
    if (m == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the metrics");
    }
    out->rss_before_bytes = rss_peak_bytes();
    steady_window window;
    memset(&window, 0, sizeof window);
    sim_run_stats stats;
    struct timespec started, finished;
    clock_gettime(CLOCK_MONOTONIC, &started);
    int rc = sim_run(s, m, &stats, on_progress, &window, err);
    clock_gettime(CLOCK_MONOTONIC, &finished);
    out->rss_peak_bytes = rss_peak_bytes();
    if (rc == RL_OK) {
        out->wall_s = seconds_between(&started, &finished);
        out->events = stats.events_run;
        out->jobs_alive_max = stats.jobs_alive_max;
        out->events_pending_max = stats.events_pending_max;
        for (int i = 0; i < m->api_count; i++) {
            out->jobs += m->apis[i].summary.jobs_created;
        }
        out->steady_events = window.events_at_end - window.events_at_start;
        out->steady_allocations = window.at_end.allocations - window.at_start.allocations;
        out->steady_bytes = window.at_end.bytes - window.at_start.bytes;
        out->steady_wall_s = seconds_between(&window.wall_at_start, &window.wall_at_end);
    }
    metrics_destroy(m);
    rl_free(m);
    return rc;
}

int bench_measure_run(const char *file, bench_sample *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    scenario *s = rl_calloc(1, sizeof *s);
    if (s == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for a scenario");
    }
    int rc = scenario_load_file(file, NULL, 0, s, err);
    if (rc == RL_OK) {
        snprintf(out->name, sizeof out->name, "%s", s->name);
        out->pods = scenario_pod_count(s);
        rc = measure_scenario(s, out, err);
    }
    rl_free(s);
    return rc;
}
