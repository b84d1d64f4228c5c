/* cli_experiment.c - `ratelab run` with a sweep or replications: many runs, one table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/cli/cli_progress.h"
#include "harness/cli/cli_interrupt.h"
#include "harness/experiment/experiment.h"
#include "harness/experiment/experiment_write.h"
#include "harness/report/expectations.h"
#include "harness/report/figures.h"
#include "harness/report/provenance.h"
#include "harness/report/results_folder.h"

int cli_sweep_parse(const char *text, scenario_sweep_key *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    const char *equals = strchr(text, '=');
    if (equals == NULL || equals == text || equals[1] == '\0') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "expected KEY=V1,V2,... such as limiters.shared.algorithm=gcra,"
                            "token_bucket");
    }
    size_t path_length = (size_t)(equals - text);
    if (path_length >= sizeof out->path) {
        return rl_error_set(err, RL_ERR_INVALID, "the key is longer than %zu characters",
                            sizeof out->path - 1);
    }
    memcpy(out->path, text, path_length);
    const char *value = equals + 1;
    while (*value != '\0') {
        size_t length = strcspn(value, ",");
        if (length == 0 || length >= sizeof out->values[0]) {
            return rl_error_set(err, RL_ERR_INVALID, "empty or overlong value in \"%s\"", text);
        }
        if (out->value_count == SCENARIO_SWEEP_VALUES_MAX) {
            return rl_error_set(err, RL_ERR_INVALID, "at most %d values per key",
                                SCENARIO_SWEEP_VALUES_MAX);
        }
        memcpy(out->values[out->value_count], value, length);
        out->values[out->value_count][length] = '\0';
        out->value_count++;
        value += length;
        if (*value == ',') {
            value++;
            if (*value == '\0') {
                return rl_error_set(err, RL_ERR_INVALID, "a value is missing after the last ','");
            }
        }
    }
    return RL_OK;
}

int cli_default_jobs(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores >= 1 && cores <= 256 ? (int)cores : 1;
}

static void print_estimate(const experiment *e, int point, int api, figure_id figure) {
    const experiment_estimate *est = experiment_estimate_of(e, point, api, figure);
    char mean[32], half[32];
    figures_format(figure, est->mean, mean, sizeof mean);
    if (e->replications < 2) {
        printf(" %9s", mean);
        return;
    }
    figures_format(figure, est->half_width, half, sizeof half);
    printf(" %9s ±%-8s", mean, half);
}

static void print_table(const experiment *e) {
    static const figure_id COLUMNS[] = {FIGURE_RATE_429,    FIGURE_LATENCY_P50, FIGURE_LATENCY_P99,
                                        FIGURE_WASTED_QUOTA, FIGURE_BURST_RATIO, FIGURE_FAIRNESS,
                                        FIGURE_DONE_RATIO};
    static const char *const NAMES[] = {"429", "p50", "p99", "wasted", "burst", "fair", "done"};
    int width = e->replications < 2 ? 10 : 20;
    for (int p = 0; p < e->point_count; p++) {
        printf("%s%s\n", p > 0 ? "\n" : "",
               e->points[p].label[0] != '\0' ? e->points[p].label : "(as written)");
        printf("  %-16s", "api");
        for (size_t c = 0; c < sizeof COLUMNS / sizeof COLUMNS[0]; c++) {
            printf("%*s", width, NAMES[c]);
        }
        printf("\n");
        for (int api = 0; api < e->api_count; api++) {
            printf("  %-16s", e->base.apis[api].name);
            for (size_t c = 0; c < sizeof COLUMNS / sizeof COLUMNS[0]; c++) {
                print_estimate(e, p, api, COLUMNS[c]);
            }
            printf("\n");
        }
        printf("  store ops:");
        print_estimate(e, p, 0, FIGURE_STORE_OPS);
        printf("\n");
    }
}

/* Checks the scenario's expectations on each point's means; prints them. Returns the exit code. */
static int report_expectations(const experiment *e, bool quiet) {
    int exit_code = CLI_EXIT_OK;
    for (int p = 0; p < e->point_count && e->expectation_count > 0; p++) {
        double means[SCENARIO_EXPECT_MAX] = {0};
        for (int i = 0; i < e->expectation_count; i++) {
            means[i] = experiment_expectation_mean(e, p, i);
        }
        if (!quiet) {
            printf("\n%s", e->points[p].label[0] != '\0' ? e->points[p].label : "(as written)");
        }
        const char *point = e->points[p].label[0] != '\0' ? e->points[p].label : "as written";
        if (cli_expectations_report_point(&e->base, means, quiet, point) != CLI_EXIT_OK) {
            exit_code = CLI_EXIT_EXPECTATIONS_FAILED;
        }
    }
    return exit_code;
}

/* A results_folder_fill_fn: the experiment's scenario.yaml and provenance.json. */
static int fill_provenance(const char *tmp_dir, void *context, rl_error *err) {
    return provenance_write(tmp_dir, context, err);
}

int cli_run_experiment(const experiment_spec *spec, const char *out_dir, bool quiet, int argc,
                       char **argv) {
    experiment *e = calloc(1, sizeof *e);
    if (e == NULL) {
        fputs("ratelab run: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    rl_error err;
    rl_error_clear(&err);
    int rc = experiment_plan(spec, e, &err);
    if (rc != RL_OK) {
        fprintf(stderr, "%s%s\n", rc == RL_ERR_LIMIT ? "ratelab run: " : "", err.message);
        experiment_free(e);
        free(e);
        return rc == RL_ERR_NOMEM ? CLI_EXIT_RUN_FAILED : CLI_EXIT_BAD_INPUT;
    }
    char out_path[RESULTS_PATH_BYTES];
    if (out_dir != NULL) {
        snprintf(out_path, sizeof out_path, "%s", out_dir);
    } else {
        snprintf(out_path, sizeof out_path, "results/runs/%s-experiment-seed%" PRIu64,
                 e->base.name, e->seed);
    }
    if (out_dir == NULL && e->shard_count > 0) {
        size_t used = strlen(out_path);
        snprintf(out_path + used, sizeof out_path - used, "-shard%dof%d", e->shard_index,
                 e->shard_count);
    }
    if (!quiet) {
        printf("%s: %d point%s x %d replication%s (seeds %" PRIu64 "..%" PRIu64
               ") on %d thread%s",
               e->base.name, e->point_count, e->point_count == 1 ? "" : "s", e->replications,
               e->replications == 1 ? "" : "s", e->seed, e->seed + (uint64_t)e->replications - 1,
               spec->jobs, spec->jobs == 1 ? "" : "s");
        if (e->shard_count > 0) {
            printf("; shard %d/%d: %lld of the %lld runs", e->shard_index, e->shard_count,
                   (long long)experiment_runs_in_shard(e), (long long)experiment_runs_total(e));
        }
        printf("\n\n");
        fflush(stdout);
    }
    /* A first SIGINT/SIGTERM stops the runs under way; nothing is written (a sweep's table is
     * only meaningful whole). Should the handler not install, a signal stops the process. */
    experiment_spec controlled = *spec;
    controlled.stop = cli_interrupt_install() == 0 ? cli_interrupt_flag() : NULL;
    cli_progress progress;
    cli_progress_begin(&progress, quiet);
    cli_progress_label(&progress, e->base.name);
    controlled.progress = cli_progress_runs;
    controlled.progress_context = &progress;
    rc = experiment_run(&controlled, e, &err);
    cli_progress_finish(&progress);
    cli_interrupt_restore();
    if (rc == RL_OK && e->interrupted) {
        fprintf(stderr,
                "ratelab run: interrupted after %lld of %lld runs; nothing written (a sweep's "
                "results are written whole)\n",
                (long long)e->runs_done, (long long)experiment_runs_in_shard(e));
        experiment_free(e);
        free(e);
        return CLI_EXIT_INTERRUPTED;
    }
    if (rc == RL_OK) {
        run_provenance provenance = {
            .scenario_file = spec->file, .overrides = spec->overrides,
            .override_count = spec->override_count, .sweep = e->sweep,
            .sweep_count = e->sweep_key_count, .seed_first = e->seed,
            .seed_count = e->replications, .argc = argc, .argv = argv, .world = "simulation",
            .shard_index = e->shard_index, .shard_count = e->shard_count};
        rc = experiment_write_folder(out_path, e, fill_provenance, &provenance, &err);
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab run: %s: %s\n", spec->file, err.message);
        experiment_free(e);
        free(e);
        return rc == RL_ERR_INVALID || rc == RL_ERR_LIMIT ? CLI_EXIT_BAD_INPUT
                                                          : CLI_EXIT_RUN_FAILED;
    }
    int exit_code = CLI_EXIT_OK;
    if (e->shard_count > 0) {
        if (!quiet) {
            printf("shard %d/%d written (no estimates until its %d shards are merged: ratelab "
                   "merge)\nresults: %s\n",
                   e->shard_index, e->shard_count, e->shard_count, out_path);
        }
    } else {
        exit_code = cli_experiment_report(e, quiet, out_path);
    }
    experiment_free(e);
    free(e);
    return exit_code;
}

int cli_experiment_report(const experiment *e, bool quiet, const char *out_path) {
    if (!quiet) {
        print_table(e);
        if (e->replications >= 2) {
            printf("\n(mean ±half-width of the 95%% confidence interval over %d seeds)\n",
                   e->replications);
        }
    }
    int exit_code = report_expectations(e, quiet);
    if (!quiet) {
        printf("\nresults: %s\n", out_path);
    }
    return exit_code;
}
