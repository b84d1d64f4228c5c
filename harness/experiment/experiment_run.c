/* experiment_run.c - the runs of an experiment on worker threads, and their summary.
 *
 * Workers take run indices from one atomic counter; run i writes only its own slots, so the
 * result does not depend on which thread ran what. The simulation has no global state, which is
 * what makes this safe. */
#include "harness/experiment/experiment.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/expectations.h"
#include "harness/report/figures.h"
#include "harness/metrics/metrics.h"
#include "harness/sim/sim_run.h"
#include "harness/core/validation_stats.h"

#define CONFIDENCE 0.95

/* What the workers share. */
typedef struct run_queue {
    const experiment_spec *spec;
    experiment *e;
    atomic_int_fast64_t next_run;
    atomic_bool failed;
    atomic_bool interrupted;
    atomic_int_fast64_t runs_done;
    pthread_mutex_t error_lock; /* guards first_rc and first_error */
    pthread_mutex_t progress_lock; /* guards point_runs_done, points_done and the callback */
    int *point_runs_done;       /* [point]: runs of the point finished */
    int *point_runs_needed;     /* [point]: runs of the point in the shard (all when no shard) */
    int points_done;
    int points_total;           /* points with a run in the shard */
    int64_t progress_runs_done;
    int first_rc;
    rl_error first_error;
} run_queue;

static size_t value_index(const experiment *e, int point, int replication, int api, int figure) {
    return (((size_t)point * (size_t)e->replications + (size_t)replication) * (size_t)e->api_count +
            (size_t)api) * FIGURE_COUNT + (size_t)figure;
}

double experiment_value(const experiment *e, int point, int replication, int api,
                        figure_id figure) {
    return e->values[value_index(e, point, replication, api, figure)];
}

double *experiment_value_slot(experiment *e, int point, int replication, int api, int figure) {
    assert(point >= 0 && point < e->point_count && replication >= 0 &&
           replication < e->replications && api >= 0 && api < e->api_count && figure >= 0 &&
           figure < FIGURE_COUNT);
    return &e->values[value_index(e, point, replication, api, figure)];
}

double *experiment_expect_slot(experiment *e, int64_t index, int i) {
    assert(index >= 0 && index < experiment_runs_total(e) && i >= 0 && i < SCENARIO_EXPECT_MAX);
    return &e->expect_values[(size_t)index * SCENARIO_EXPECT_MAX + (size_t)i];
}

double experiment_expectation_mean(const experiment *e, int point, int i) {
    double sum = 0.0;
    for (int r = 0; r < e->replications; r++) {
        size_t run = (size_t)point * (size_t)e->replications + (size_t)r;
        sum += e->expect_values[run * SCENARIO_EXPECT_MAX + (size_t)i];
    }
    return sum / e->replications;
}

/* Where the estimate of figure of api at point is kept. */
static size_t estimate_index(const experiment *e, int point, int api, int figure) {
    return ((size_t)point * (size_t)e->api_count + (size_t)api) * FIGURE_COUNT + (size_t)figure;
}

const experiment_estimate *experiment_estimate_of(const experiment *e, int point, int api,
                                                  figure_id figure) {
    return &e->estimates[estimate_index(e, point, api, figure)];
}

static void record_error(run_queue *q, int rc, const rl_error *err, int point, uint64_t seed) {
    pthread_mutex_lock(&q->error_lock);
    if (q->first_rc == RL_OK) {
        q->first_rc = rc;
        const char *label = q->e->points[point].label;
        rl_error_set(&q->first_error, rc, "%s%sseed %llu: %s", label,
                     label[0] != '\0' ? ", " : "", (unsigned long long)seed, err->message);
    }
    pthread_mutex_unlock(&q->error_lock);
    atomic_store(&q->failed, true);
}

/* Loads, simulates and measures run index (point-major). */
static int run_one(run_queue *q, int64_t index, scenario *s, metrics *m, rl_error *err) {
    const experiment_spec *spec = q->spec;
    experiment *e = q->e;
    int point = (int)(index / e->replications);
    int replication = (int)(index % e->replications);
    scenario_override overrides[EXPERIMENT_OVERRIDES_MAX];
    size_t count = 0;
    for (size_t i = 0; i < spec->override_count && count < EXPERIMENT_OVERRIDES_MAX; i++) {
        overrides[count++] = spec->overrides[i];
    }
    const experiment_point *p = &e->points[point];
    for (int i = 0; i < p->override_count && count < EXPERIMENT_OVERRIDES_MAX; i++) {
        overrides[count++] = p->overrides[i];
    }
    int rc = scenario_load_file(spec->file, overrides, count, s, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (s->api_count != e->api_count) {
        return rl_error_set(err, RL_ERR_INVALID, "the sweep changed the number of APIs");
    }
    s->seed = e->seed + (uint64_t)replication;
    sim_run_stats stats;
    sim_run_control control = {.stop = spec->stop};
    rc = sim_run_controlled(s, m, &stats, &control, err);
    if (rc == RL_OK && stats.partial) {
        atomic_store(&q->interrupted, true);
    } else if (rc == RL_OK) {
        atomic_fetch_add(&q->runs_done, 1);
        for (int api = 0; api < e->api_count; api++) {
            for (int f = 0; f < FIGURE_COUNT; f++) {
                e->values[value_index(e, point, replication, api, f)] =
                    figures_value(m, api, (figure_id)f);
            }
        }
        if (e->expectation_count > 0) {
            expectations_measure(s, m, &e->expect_values[(size_t)index * SCENARIO_EXPECT_MAX]);
        }
    }
    metrics_destroy(m);
    return rc;
}

/* Counts run index as done and tells spec->progress, one thread at a time. */
static void progress_note(run_queue *q, int64_t index) {
    if (q->spec->progress == NULL) {
        return;
    }
    const experiment *e = q->e;
    pthread_mutex_lock(&q->progress_lock);
    int point = (int)(index / e->replications);
    q->point_runs_done[point]++;
    assert(q->point_runs_done[point] <= q->point_runs_needed[point]);
    if (q->point_runs_done[point] == q->point_runs_needed[point]) {
        q->points_done++;
    }
    q->progress_runs_done++;
    q->spec->progress(q->spec->progress_context, q->progress_runs_done,
                      experiment_runs_in_shard(e), q->points_done, q->points_total);
    pthread_mutex_unlock(&q->progress_lock);
}

static void *worker(void *context) {
    run_queue *q = context;
    scenario *s = rl_calloc(1, sizeof *s);
    metrics *m = rl_calloc(1, sizeof *m);
    int64_t runs = experiment_runs_total(q->e);
    /* A shard takes every shard_count-th run, from shard_index - 1; no shard takes them all. */
    int64_t stride = q->e->shard_count > 0 ? q->e->shard_count : 1;
    int64_t first = q->e->shard_count > 0 ? q->e->shard_index - 1 : 0;
    for (;;) {
        int64_t index = first + stride * atomic_fetch_add(&q->next_run, 1);
        bool stopped = q->spec->stop != NULL && *q->spec->stop != 0;
        if (index >= runs || atomic_load(&q->failed) || stopped) {
            if (stopped) {
                atomic_store(&q->interrupted, true);
            }
            break;
        }
        rl_error err;
        rl_error_clear(&err);
        int rc = s == NULL || m == NULL ? rl_error_set(&err, RL_ERR_NOMEM, "out of memory")
                                        : run_one(q, index, s, m, &err);
        if (rc != RL_OK) {
            record_error(q, rc, &err, (int)(index / q->e->replications),
                         q->e->seed + (uint64_t)(index % q->e->replications));
        } else {
            progress_note(q, index);
        }
    }
    rl_free(s);
    rl_free(m);
    return NULL;
}

void experiment_summarise(experiment *e) {
    for (int p = 0; p < e->point_count; p++) {
        for (int api = 0; api < e->api_count; api++) {
            for (int f = 0; f < FIGURE_COUNT; f++) {
                validation_sample sample = {0};
                for (int r = 0; r < e->replications; r++) {
                    validation_sample_add(&sample, experiment_value(e, p, r, api, (figure_id)f));
                }
                experiment_estimate *out = &e->estimates[estimate_index(e, p, api, f)];
                out->mean = sample.mean;
                out->half_width = 0.0;
                if (sample.count >= 2) {
                    validation_interval ci = validation_sample_mean_interval(&sample, CONFIDENCE);
                    out->half_width = (ci.high - ci.low) / 2.0;
                }
            }
        }
    }
}

int experiment_figures_alloc(experiment *e, rl_error *err) {
    size_t runs = (size_t)e->point_count * (size_t)e->replications;
    e->values = rl_calloc(runs * (size_t)e->api_count * FIGURE_COUNT, sizeof *e->values);
    e->expect_values = rl_calloc(runs * SCENARIO_EXPECT_MAX, sizeof *e->expect_values);
    e->estimates = rl_calloc((size_t)e->point_count * (size_t)e->api_count * FIGURE_COUNT,
                             sizeof *e->estimates);
    if (e->values == NULL || e->expect_values == NULL || e->estimates == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the figures of %zu runs",
                            runs);
    }
    return RL_OK;
}

int experiment_run(const experiment_spec *spec, experiment *e, rl_error *err) {
    int alloc_rc = experiment_figures_alloc(e, err);
    if (alloc_rc != RL_OK) {
        return alloc_rc;
    }
    int64_t runs = experiment_runs_in_shard(e);
    run_queue q = {.spec = spec, .e = e, .first_rc = RL_OK};
    atomic_init(&q.next_run, 0);
    atomic_init(&q.failed, false);
    atomic_init(&q.interrupted, false);
    atomic_init(&q.runs_done, 0);
    pthread_mutex_init(&q.error_lock, NULL);
    pthread_mutex_init(&q.progress_lock, NULL);
    q.point_runs_done = rl_calloc((size_t)e->point_count, sizeof *q.point_runs_done);
    q.point_runs_needed = rl_calloc((size_t)e->point_count, sizeof *q.point_runs_needed);
    for (int64_t i = 0; q.point_runs_needed != NULL && i < experiment_runs_total(e); i++) {
        if (experiment_run_in_shard(e, i)) {
            int point = (int)(i / e->replications);
            q.points_total += q.point_runs_needed[point] == 0 ? 1 : 0;
            q.point_runs_needed[point]++;
        }
    }
    if (q.point_runs_done == NULL || q.point_runs_needed == NULL) {
        rl_free(q.point_runs_done);
        rl_free(q.point_runs_needed);
        pthread_mutex_destroy(&q.error_lock);
        pthread_mutex_destroy(&q.progress_lock);
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory to count %d points",
                            e->point_count);
    }
    int jobs = spec->jobs < (int)runs ? spec->jobs : (int)runs;
    pthread_t threads[256];
    int started = 0;
    for (int i = 1; i < jobs && i < 256; i++) { /* this thread is the first worker */
        if (pthread_create(&threads[started], NULL, worker, &q) == 0) {
            started++;
        }
    }
    worker(&q);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_mutex_destroy(&q.error_lock);
    pthread_mutex_destroy(&q.progress_lock);
    rl_free(q.point_runs_done);
    rl_free(q.point_runs_needed);
    if (q.first_rc != RL_OK) {
        *err = q.first_error;
        return q.first_rc;
    }
    e->runs_done = (int64_t)atomic_load(&q.runs_done);
    e->interrupted = atomic_load(&q.interrupted);
    if (!e->interrupted && e->shard_count == 0) {
        experiment_summarise(e);
    }
    return RL_OK;
}
