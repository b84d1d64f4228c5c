/* experiment_write.c - an experiment's files. Figures are written in their units: ratios as
 * fractions, times in microseconds, counts as numbers. */
#include "harness/experiment/experiment_write.h"

#include <inttypes.h>

#include "harness/experiment/experiment_shard.h"
#include "harness/report/expectations.h"
#include "harness/report/json_writer.h"
#include "harness/report/output_file.h"
#include "harness/report/results_folder.h"

static const char *point_label(const experiment *e, int point) {
    return e->points[point].label[0] != '\0' ? e->points[point].label : "as_written";
}

void experiment_write_points_csv(FILE *out, const experiment *e) {
    fputs("point,label,api", out);
    for (int f = 0; f < FIGURE_COUNT; f++) {
        const char *name = figure_info_of((figure_id)f)->name;
        const char *prefix = figure_info_of((figure_id)f)->of_store ? "store_" : "";
        fprintf(out, ",%s%s_mean,%s%s_ci95", prefix, name, prefix, name);
    }
    fputc('\n', out);
    for (int p = 0; p < e->point_count; p++) {
        for (int api = 0; api < e->api_count; api++) {
            fprintf(out, "%d,\"%s\",%s", p, point_label(e, p), e->base.apis[api].name);
            for (int f = 0; f < FIGURE_COUNT; f++) {
                const experiment_estimate *est = experiment_estimate_of(e, p, api, (figure_id)f);
                fprintf(out, ",%.9g,%.9g", est->mean, est->half_width);
            }
            fputc('\n', out);
        }
    }
}

void experiment_write_runs_csv(FILE *out, const experiment *e) {
    fputs("point,replication,seed,api", out);
    for (int f = 0; f < FIGURE_COUNT; f++) {
        fprintf(out, ",%s%s", figure_info_of((figure_id)f)->of_store ? "store_" : "",
                figure_info_of((figure_id)f)->name);
    }
    fputc('\n', out);
    for (int p = 0; p < e->point_count; p++) {
        for (int r = 0; r < e->replications; r++) {
            for (int api = 0; api < e->api_count; api++) {
                fprintf(out, "%d,%d,%" PRIu64 ",%s", p, r, e->seed + (uint64_t)r,
                        e->base.apis[api].name);
                for (int f = 0; f < FIGURE_COUNT; f++) {
                    fprintf(out, ",%.9g", experiment_value(e, p, r, api, (figure_id)f));
                }
                fputc('\n', out);
            }
        }
    }
}

void experiment_write_summary_json(FILE *out, const experiment *e) {
    json_writer w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "kind", "experiment");
    json_string(&w, "scenario", e->base.name);
    json_uint(&w, "seed_first", e->seed);
    json_int(&w, "replications", e->replications);
    json_int(&w, "points_count", e->point_count);
    json_double(&w, "confidence", 0.95);
    json_object_begin(&w, "points");
    for (int p = 0; p < e->point_count; p++) {
        json_object_begin(&w, point_label(e, p));
        for (int api = 0; api < e->api_count; api++) {
            json_object_begin(&w, e->base.apis[api].name);
            for (int f = 0; f < FIGURE_COUNT; f++) {
                const experiment_estimate *est = experiment_estimate_of(e, p, api, (figure_id)f);
                json_object_begin(&w, figure_info_of((figure_id)f)->name);
                json_double(&w, "mean", est->mean);
                json_double(&w, "ci95_half_width", est->half_width);
                json_object_end(&w);
            }
            json_object_end(&w);
        }
        json_object_end(&w);
    }
    json_object_end(&w);
    json_object_end(&w);
    json_writer_finish(&w);
}

/* expectations.csv: each point's claims on its means. */
static void write_expectations_csv(FILE *out, const experiment *e) {
    fputs("point,label,expression,threshold,measured_mean,passed\n", out);
    for (int p = 0; p < e->point_count; p++) {
        for (int i = 0; i < e->expectation_count; i++) {
            double mean = experiment_expectation_mean(e, p, i);
            const scenario_expectation *x = &e->base.expectations[i];
            fprintf(out, "%d,\"%s\",\"%s\",%.17g,%.17g,%s\n", p, point_label(e, p), x->text,
                    x->threshold, mean, expectation_holds(x->op, mean, x->threshold) ? "true"
                                                                                    : "false");
        }
    }
}

typedef void (*file_writer)(FILE *out, const experiment *e);

static int write_file(const char *dir, const char *name, file_writer write, const experiment *e,
                      rl_error *err) {
    FILE *out = NULL;
    int rc = output_file_open(dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    write(out, e);
    return output_file_close(out, dir, name, err);
}

int experiment_write_folder(const char *dir, const experiment *e, results_folder_fill_fn fill,
                            void *fill_context, rl_error *err) {
    char tmp_dir[RESULTS_PATH_BYTES];
    int rc = results_folder_begin(dir, tmp_dir, sizeof tmp_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (e->shard_count > 0) {
        /* A shard's figures are only part of the grid's: no estimates until merged. */
        rc = write_file(tmp_dir, EXPERIMENT_SHARD_FILE, experiment_shard_write_runs, e, err);
    } else {
        rc = write_file(tmp_dir, "summary.json", experiment_write_summary_json, e, err);
    }
    if (rc == RL_OK && e->shard_count == 0) {
        rc = write_file(tmp_dir, "points.csv", experiment_write_points_csv, e, err);
    }
    if (rc == RL_OK && e->shard_count == 0) {
        rc = write_file(tmp_dir, "runs.csv", experiment_write_runs_csv, e, err);
    }
    if (rc == RL_OK && e->shard_count == 0 && e->expectation_count > 0) {
        rc = write_file(tmp_dir, "expectations.csv", write_expectations_csv, e, err);
    }
    if (rc == RL_OK && fill != NULL) {
        rc = fill(tmp_dir, fill_context, err);
    }
    if (rc != RL_OK) {
        results_folder_abort(tmp_dir);
        return rc;
    }
    /* A failed commit cleans up itself: what is left at tmp_dir then may not be ours. */
    return results_folder_commit(tmp_dir, dir, err);
}
