/* results_writer.c - summary.json, timeseries.csv, latency_histogram.csv and faults.csv of a run. */
#include "harness/report/results_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "harness/report/json_writer.h"
#include "harness/report/results_folder.h"
#include "harness/report/summary_table.h"

static void write_limiter_json(json_writer *w, const scenario_limiter *l) {
    json_object_begin(w, l->name);
    json_string(w, "algorithm", l->config.algorithm->name);
    json_string(w, "scope", limiter_scope_name(l->scope));
    if (l->config.algorithm->params & LIMITER_PARAM_RATE) {
        json_int(w, "limit", l->config.limit);
        json_int(w, "period_us", l->config.period_us);
    }
    if (l->config.algorithm->params & LIMITER_PARAM_BURST) {
        json_int(w, "burst", l->config.burst);
    }
    if (l->config.algorithm->params & LIMITER_PARAM_MAX_WAIT) {
        json_int(w, "max_wait_us", l->config.max_wait_us);
    }
    if (l->config.algorithm->params & LIMITER_PARAM_QUEUE) {
        json_int(w, "queue_max", l->config.queue_max);
    }
    if (l->config.algorithm->params & LIMITER_PARAM_K) {
        json_int(w, "k_milli", l->config.k_milli);
    }
    if (l->config.algorithm->params & LIMITER_PARAM_WINDOW) {
        json_int(w, "window_us", l->config.window_us);
    }
    json_object_end(w);
}

static void write_api_json(json_writer *w, const scenario_api *api, const char *limiters,
                           const api_summary *s) {
    json_object_begin(w, api->name);
    json_string(w, "limiter", limiters);
    json_string(w, "model", api_model_kind_name(api->config.kind));
    json_int(w, "limit", api->config.limit);
    json_int(w, "window_us", api->config.window_us);
    json_int(w, "burst_window_us", api->config.burst_window_us);
    json_int(w, "jobs_created", s->jobs_created);
    json_int(w, "jobs_completed", s->jobs_completed);
    json_object_begin(w, "jobs_abandoned");
    json_int(w, "total", s->jobs_abandoned);
    for (int r = 0; r < ABANDON_REASON_COUNT; r++) {
        json_int(w, abandon_reason_name((abandon_reason)r), s->abandoned[r]);
    }
    json_object_end(w);
    json_int(w, "jobs_pending", s->jobs_pending);
    json_int(w, "attempts", s->attempts);
    json_int(w, "accepted", s->accepted);
    json_int(w, "rejected_429", s->rejected_429);
    json_int(w, "dropped", s->dropped);
    json_double(w, "rate_429", s->rate_429);
    json_object_begin(w, "latency_us");
    json_int(w, "p50", s->latency_p50_us);
    json_int(w, "p90", s->latency_p90_us);
    json_int(w, "p99", s->latency_p99_us);
    json_int(w, "p99_9", s->latency_p999_us);
    json_int(w, "max", s->latency_max_us);
    json_double(w, "mean", s->latency_mean_us);
    json_object_end(w);
    json_object_begin(w, "latency_breakdown_us");
    json_double(w, "queue_wait_mean", s->queue_wait_mean_us);
    json_double(w, "limiter_wait_mean", s->limiter_wait_mean_us);
    json_int(w, "limiter_wait_p99", s->limiter_wait_p99_us);
    json_double(w, "store_mean", s->store_mean_us);
    json_int(w, "store_p99", s->store_p99_us);
    json_double(w, "api_mean", s->api_mean_us);
    json_int(w, "api_p99", s->api_p99_us);
    json_double(w, "backoff_mean", s->backoff_mean_us);
    json_int(w, "backoff_p99", s->backoff_p99_us);
    json_object_end(w);
    json_double(w, "wasted_quota", s->wasted_quota);
    json_object_begin(w, "quota");
    json_int(w, "limit_total", s->quota_limit_total);
    json_int(w, "unused_total", s->quota_unused_total);
    json_int(w, "wasted_total", s->quota_wasted_total);
    json_object_end(w);
    json_int(w, "max_burst", s->max_burst);
    json_int(w, "max_burst_at_us", s->max_burst_at_us);
    json_int(w, "burst_allowance", s->burst_allowance);
    json_double(w, "burst_ratio", s->burst_ratio);
    json_double(w, "fairness_jain", s->fairness_jain);
    json_int(w, "fairness_pods", s->fairness_pods);
    json_object_end(w);
}

void results_write_summary_json(FILE *out, const scenario *s, const metrics *m,
                                const run_info *info) {
    json_writer w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "ratelab_version", RATELAB_VERSION);
    json_string(&w, "world", info->world);
    json_bool(&w, "partial", info->partial);
    json_object_begin(&w, "scenario");
    json_string(&w, "name", s->name);
    json_string(&w, "description", s->description);
    json_uint(&w, "seed", s->seed);
    json_int(&w, "duration_us", s->duration_us);
    json_int(&w, "bin_us", s->bin_us);
    json_int(&w, "pods", scenario_pod_count(s));
    json_object_end(&w);
    json_object_begin(&w, "run");
    json_uint(&w, "events", info->events_run);
    json_int(&w, "jobs_alive_max", info->jobs_alive_max);
    json_int(&w, "end_us", m->end_us);
    json_object_end(&w);
    json_object_begin(&w, "apis");
    for (int i = 0; i < s->api_count; i++) {
        char limiters[96];
        summary_api_limiters(s, i, limiters, sizeof limiters);
        write_api_json(&w, &s->apis[i], limiters, &m->apis[i].summary);
    }
    json_object_end(&w);
    json_object_begin(&w, "limiters");
    for (int i = 0; i < s->limiter_count; i++) {
        write_limiter_json(&w, &s->limiters[i]);
    }
    json_object_end(&w);
    json_object_begin(&w, "store");
    json_int(&w, "ops", m->store.ops);
    json_double(&w, "ops_per_s", m->store.ops_per_s);
    json_object_begin(&w, "rtt_us");
    json_int(&w, "p50", m->store.rtt_p50_us);
    json_int(&w, "p99", m->store.rtt_p99_us);
    json_int(&w, "max", m->store.rtt_max_us);
    json_object_end(&w);
    json_int(&w, "in_flight_max", m->store.in_flight_max);
    if (m->store.queue_max >= 0) { /* the live world cannot see Redis's queue */
        json_int(&w, "queue_max", m->store.queue_max);
    }
    json_int(&w, "lock_retries", m->store.lock_retries);
    json_object_begin(&w, "errors");
    json_int(&w, "refused", m->store.errors_refused);
    json_int(&w, "timeout", m->store.errors_timeout);
    json_object_end(&w);
    json_object_end(&w);
    json_object_end(&w);
    json_writer_finish(&w);
}

void results_write_timeseries_csv(FILE *out, const scenario *s, const metrics *m) {
    fputs("time_s,api,attempts,accepted,rejected_429,dropped,completed,jobs_waiting,"
          "latency_p99_us,store_errors,limit_per_s,burst_max,burst_allowance\n",
          out);
    for (int i = 0; i < s->api_count; i++) {
        const api_config *config = &s->apis[i].config;
        double limit_per_s = (double)config->limit * 1e6 / (double)config->window_us;
        int64_t burst_allowance = api_config_burst_allowance(config);
        /* Bins up to where the run ended: all of them, unless it was interrupted. */
        int64_t bins = (m->end_us + m->bin_us - 1) / m->bin_us;
        bins = bins < m->bin_count ? bins : m->bin_count;
        for (int64_t b = 0; b < bins; b++) {
            const metrics_bin *bin = &m->apis[i].bins[b];
            fprintf(out,
                    "%.6f,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
                    ",%" PRId64 ",%" PRId64 ",%.6g,%" PRId64 ",%" PRId64 "\n",
                    (double)(b * m->bin_us) / 1e6, s->apis[i].name, bin->attempts, bin->accepted,
                    bin->rejected_429, bin->dropped, bin->completed, bin->jobs_waiting,
                    bin->latency_p99_us, bin->store_errors, limit_per_s, bin->burst_max,
                    burst_allowance);
        }
    }
}

void results_write_latency_csv(FILE *out, const scenario *s, const metrics *m) {
    fputs("api,low_us,high_us,count\n", out);
    for (int i = 0; i < s->api_count; i++) {
        const histogram *h = &m->apis[i].latency;
        for (int b = h->touched_low; h->total > 0 && b <= h->touched_high; b++) {
            if (h->counts[b] == 0) {
                continue;
            }
            int64_t low, high;
            histogram_bucket_bounds(b, &low, &high);
            fprintf(out, "%s,%" PRId64 ",%" PRId64 ",%" PRIu64 "\n", s->apis[i].name, low, high,
                    h->counts[b]);
        }
    }
}

void results_write_faults_csv(FILE *out, const scenario *s) {
    fputs("kind,target,start_s,end_s\n", out);
    for (int i = 0; i < s->fault_count; i++) {
        const scenario_fault *f = &s->faults[i];
        const char *target = "store";
        if (f->kind == FAULT_POD_RESTART || f->kind == FAULT_CLOCK_SKEW) {
            target = f->group_index >= 0 ? s->pod_groups[f->group_index].name : "all pods";
        }
        /* Clock skew lasts the whole run; the others from at for their length. */
        int64_t start_us = f->kind == FAULT_CLOCK_SKEW ? 0 : f->at_us;
        int64_t end_us = f->kind == FAULT_CLOCK_SKEW ? s->duration_us : f->at_us + f->for_us;
        if (end_us > s->duration_us) {
            end_us = s->duration_us;
        }
        fprintf(out, "%s,%s,%.6f,%.6f\n", fault_kind_name(f->kind), target,
                (double)start_us / 1e6, (double)end_us / 1e6);
    }
}

typedef void (*file_writer_fn)(FILE *out, const scenario *s, const metrics *m,
                               const run_info *info);

static void timeseries_writer(FILE *out, const scenario *s, const metrics *m,
                              const run_info *info) {
    (void)info;
    results_write_timeseries_csv(out, s, m);
}

static void latency_writer(FILE *out, const scenario *s, const metrics *m, const run_info *info) {
    (void)info;
    results_write_latency_csv(out, s, m);
}

static void faults_writer(FILE *out, const scenario *s, const metrics *m, const run_info *info) {
    (void)m;
    (void)info;
    results_write_faults_csv(out, s);
}

static int write_one_file(const char *dir, const char *name, file_writer_fn writer,
                          const scenario *s, const metrics *m, const run_info *info,
                          rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, name, err);
    if (rc != RL_OK) {
        return rc;
    }
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    writer(out, s, m, info);
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s (disk full?)", path);
    }
    return RL_OK;
}

int results_write_folder(const char *dir, const scenario *s, const metrics *m,
                         const run_info *info, rl_error *err) {
    return results_write_folder_then(dir, s, m, info, NULL, NULL, err);
}

int results_write_folder_then(const char *dir, const scenario *s, const metrics *m,
                              const run_info *info, results_folder_fill_fn fill,
                              void *fill_context, rl_error *err) {
    char tmp_dir[RESULTS_PATH_BYTES];
    int rc = results_folder_begin(dir, tmp_dir, sizeof tmp_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = write_one_file(tmp_dir, "summary.json", results_write_summary_json, s, m, info, err);
    if (rc == RL_OK) {
        rc = write_one_file(tmp_dir, "timeseries.csv", timeseries_writer, s, m, info, err);
    }
    if (rc == RL_OK) {
        rc = write_one_file(tmp_dir, "latency_histogram.csv", latency_writer, s, m, info, err);
    }
    if (rc == RL_OK && s->fault_count > 0) {
        rc = write_one_file(tmp_dir, "faults.csv", faults_writer, s, m, info, err);
    }
    if (rc == RL_OK && fill != NULL) {
        rc = fill(tmp_dir, fill_context, err);
    }
    if (rc != RL_OK) {
        results_folder_abort(tmp_dir);
        return rc;
    }
    return results_folder_commit(tmp_dir, dir, err);
}
