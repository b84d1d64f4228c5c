/* cli_merge.c - `ratelab merge DIR... [--out DIR]`: the shard folders of one sweep (ratelab run
 * --shard K/N) joined into the results folder one machine would have written: the grid is
 * planned again from the shards' scenario.yaml, every run's exact figures are read back, and the
 * same writers write the same bytes. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli/cli.h"
#include "harness/experiment/experiment.h"
#include "harness/experiment/experiment_shard.h"
#include "harness/experiment/experiment_write.h"
#include "harness/report/provenance.h"
#include "harness/report/results_folder.h"

/* A shard folder given on the command line and what its shard file says. */
typedef struct merge_input {
    const char *dir;
    experiment_shard_info info;
} merge_input;

/* What the merge writes into its folder besides the experiment's files. */
typedef struct merge_fill {
    const char *const *dirs; /* in shard order */
    int count;
    int argc;
    char **argv;
} merge_fill;

static void merge_usage(FILE *out) {
    fputs("usage: ratelab merge DIR... [--out DIR] [--quiet]\n\n"
          "Joins the results folders of a sweep's shards (ratelab run ... --shard K/N, one\n"
          "folder per K) into the folder one `ratelab run` of the whole sweep would have\n"
          "written: summary.json, points.csv, runs.csv, expectations.csv and scenario.yaml\n"
          "byte for byte; provenance.json is the same but for \"command\" (the merge's) and\n"
          "\"merged_from\" (each shard's folder and command). Prints the sweep's table.\n\n"
          "options:\n"
          "  --out DIR   the merged folder (default: results/runs/NAME-experiment-seedN); an\n"
          "              earlier one is replaced only if ratelab wrote it\n"
          "  --quiet     print nothing but errors (and failed claims)\n\n"
          "Refuses (exit 2) a folder that is not a shard, shards of different scenarios,\n"
          "settings, seeds, ratelab revisions or shard counts, the same shard twice, and a\n"
          "missing shard. docs/SCALE.md runs a sweep on many machines this way.\n",
          out);
}

static int compare_by_shard(const void *a, const void *b) {
    const merge_input *x = a, *y = b;
    return (x->info.index > y->info.index) - (x->info.index < y->info.index);
}

/* Reads each input's shard file and checks that they are the N distinct shards of one grid.
 * Sorts inputs by shard. Returns 0, or prints the reason and returns the exit code. */
static int check_shards(merge_input *inputs, int count) {
    rl_error err;
    rl_error_clear(&err);
    for (int i = 0; i < count; i++) {
        char path[RESULTS_PATH_BYTES];
        int rc = results_path_join(path, sizeof path, inputs[i].dir, EXPERIMENT_SHARD_FILE, &err);
        if (rc == RL_OK) {
            rc = experiment_shard_info_read(path, &inputs[i].info, &err);
        }
        if (rc != RL_OK) {
            fprintf(stderr, "ratelab merge: %s\n", err.message);
            return rc == RL_ERR_IO ? CLI_EXIT_RUN_FAILED : CLI_EXIT_BAD_INPUT;
        }
    }
    const experiment_shard_info *first = &inputs[0].info;
    for (int i = 1; i < count; i++) {
        const experiment_shard_info *info = &inputs[i].info;
        if (info->count != first->count || info->runs_total != first->runs_total) {
            fprintf(stderr,
                    "ratelab merge: %s is shard %d/%d of %" PRId64 " runs, %s shard %d/%d of "
                    "%" PRId64 ": not the shards of one sweep split one way\n",
                    inputs[0].dir, first->index, first->count, first->runs_total, inputs[i].dir,
                    info->index, info->count, info->runs_total);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    qsort(inputs, (size_t)count, sizeof *inputs, compare_by_shard);
    for (int i = 1; i < count; i++) {
        if (inputs[i].info.index == inputs[i - 1].info.index) {
            fprintf(stderr, "ratelab merge: %s and %s are both shard %d/%d (overlapping); give "
                            "each shard once\n",
                    inputs[i - 1].dir, inputs[i].dir, inputs[i].info.index, first->count);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    if (count != first->count) {
        int missing = 1;
        for (int i = 0; i < count && inputs[i].info.index == missing; i++) {
            missing++;
        }
        fprintf(stderr,
                "ratelab merge: %d of %d shards given; shard %d/%d is missing (merge needs "
                "all %d)\n",
                count, first->count, missing, first->count, first->count);
        return CLI_EXIT_BAD_INPUT;
    }
    return CLI_EXIT_OK;
}

/* A results_folder_fill_fn: the merged scenario.yaml and provenance.json. */
static int fill_merged(const char *tmp_dir, void *context, rl_error *err) {
    const merge_fill *fill = context;
    return provenance_write_merged(tmp_dir, fill->dirs, fill->count, fill->argc, fill->argv,
                                   err);
}

/* Plans the grid from the first shard's scenario.yaml, reads every shard's runs into e and
 * computes the estimates. Returns 0 or an exit code (printed). */
static int rebuild(const merge_input *inputs, int count, experiment *e) {
    rl_error err;
    rl_error_clear(&err);
    char yaml[RESULTS_PATH_BYTES];
    int rc = results_path_join(yaml, sizeof yaml, inputs[0].dir, "scenario.yaml", &err);
    experiment_spec spec = {.file = yaml, .replications = inputs[0].info.replications, .jobs = 1};
    if (rc == RL_OK) {
        rc = experiment_plan(&spec, e, &err);
    }
    if (rc == RL_OK && experiment_runs_total(e) != inputs[0].info.runs_total) {
        rc = rl_error_set(&err, RL_ERR_INVALID,
                          "%s plans %" PRId64 " runs, its shards %" PRId64 " (edited?)", yaml,
                          experiment_runs_total(e), inputs[0].info.runs_total);
    }
    if (rc == RL_OK) {
        rc = experiment_figures_alloc(e, &err);
    }
    bool *seen = rc == RL_OK ? calloc((size_t)experiment_runs_total(e), sizeof *seen) : NULL;
    if (rc == RL_OK && seen == NULL) {
        rc = rl_error_set(&err, RL_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; rc == RL_OK && i < count; i++) {
        char path[RESULTS_PATH_BYTES];
        rc = results_path_join(path, sizeof path, inputs[i].dir, EXPERIMENT_SHARD_FILE, &err);
        if (rc == RL_OK) {
            rc = experiment_shard_runs_read(path, &inputs[i].info, e, seen, &err);
        }
    }
    for (int64_t run = 0; rc == RL_OK && run < experiment_runs_total(e); run++) {
        assert(seen[run]); /* N distinct shards, each whole, cover the grid */
    }
    free(seen);
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab merge: %s\n", err.message);
        return rc == RL_ERR_INVALID || rc == RL_ERR_LIMIT ? CLI_EXIT_BAD_INPUT
                                                          : CLI_EXIT_RUN_FAILED;
    }
    experiment_summarise(e);
    return CLI_EXIT_OK;
}

/* Whether out_dir is one of the shard folders (the same file, however named): the merge would
 * replace a shard it reads. */
static bool out_is_a_shard(const char *out_dir, const merge_input *inputs, int count) {
    struct stat out_stat;
    if (stat(out_dir, &out_stat) != 0) {
        return false;
    }
    for (int i = 0; i < count; i++) {
        struct stat in_stat;
        if (stat(inputs[i].dir, &in_stat) == 0 && in_stat.st_dev == out_stat.st_dev &&
            in_stat.st_ino == out_stat.st_ino) {
            return true;
        }
    }
    return false;
}

/* Checks, rebuilds and writes the merge of inputs[0..count) into out_dir (NULL: the default).
 * Returns the exit code. */
static int merge(merge_input *inputs, int count, const char *out_dir, bool quiet, int argc,
                 char **argv) {
    int exit_code = check_shards(inputs, count);
    if (exit_code != CLI_EXIT_OK) {
        return exit_code;
    }
    const char *dirs[EXPERIMENT_SHARDS_MAX];
    for (int i = 0; i < count; i++) {
        dirs[i] = inputs[i].dir;
    }
    rl_error err;
    rl_error_clear(&err);
    if (provenance_shards_check(dirs, count, &err) != RL_OK) {
        fprintf(stderr, "ratelab merge: %s\n", err.message);
        return CLI_EXIT_BAD_INPUT;
    }
    experiment *e = calloc(1, sizeof *e);
    if (e == NULL) {
        fputs("ratelab merge: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    exit_code = rebuild(inputs, count, e);
    char out_path[RESULTS_PATH_BYTES];
    bool replaces = false;
    if (exit_code == CLI_EXIT_OK) {
        if (out_dir != NULL) {
            snprintf(out_path, sizeof out_path, "%s", out_dir);
        } else {
            snprintf(out_path, sizeof out_path, "results/runs/%s-experiment-seed%" PRIu64,
                     e->base.name, e->seed);
        }
        if (out_is_a_shard(out_path, inputs, count)) {
            fprintf(stderr, "ratelab merge: --out %s is one of the shard folders; the merge "
                            "would replace it: choose another --out\n", out_path);
            exit_code = CLI_EXIT_BAD_INPUT;
        } else if (results_folder_place_check(out_path, &replaces, &err) != RL_OK) {
            fprintf(stderr, "ratelab merge: --out: %s\n", err.message);
            exit_code = CLI_EXIT_BAD_INPUT;
        }
    }
    if (exit_code == CLI_EXIT_OK) {
        merge_fill fill = {.dirs = dirs, .count = count, .argc = argc, .argv = argv};
        int rc = experiment_write_folder(out_path, e, fill_merged, &fill, &err);
        if (rc != RL_OK) {
            fprintf(stderr, "ratelab merge: %s\n", err.message);
            exit_code = rc == RL_ERR_INVALID ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUN_FAILED;
        }
    }
    if (exit_code == CLI_EXIT_OK) {
        if (replaces && !quiet) {
            fprintf(stderr, "ratelab merge: replaced the earlier ratelab results in %s\n",
                    out_path);
        }
        if (!quiet) {
            printf("%s: %d shards merged, %d point%s x %d replication%s\n\n", e->base.name,
                   count, e->point_count, e->point_count == 1 ? "" : "s", e->replications,
                   e->replications == 1 ? "" : "s");
        }
        exit_code = cli_experiment_report(e, quiet, out_path);
    }
    experiment_free(e);
    free(e);
    return exit_code;
}

int cli_merge(int argc, char **argv) {
    merge_input *inputs = calloc(EXPERIMENT_SHARDS_MAX, sizeof *inputs);
    if (inputs == NULL) {
        fputs("ratelab merge: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    int count = 0;
    const char *out_dir = NULL;
    char out_place[RESULTS_PATH_BYTES];
    bool quiet = false;
    int exit_code = CLI_EXIT_OK;
    for (int i = 1; i < argc && exit_code == CLI_EXIT_OK; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            merge_usage(stdout);
            free(inputs);
            return CLI_EXIT_OK;
        } else if (strcmp(arg, "--out") == 0 && i + 1 < argc) {
            rl_error err;
            rl_error_clear(&err);
            if (results_folder_place_parse(argv[++i], out_place, sizeof out_place, &err) !=
                RL_OK) {
                fprintf(stderr, "ratelab merge: --out: %s\n", err.message);
                exit_code = CLI_EXIT_BAD_INPUT;
            }
            out_dir = out_place;
        } else if (strcmp(arg, "--quiet") == 0) {
            quiet = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "ratelab merge: %s '%s'\n",
                    strcmp(arg, "--out") == 0 ? "missing value after" : "unknown option", arg);
            merge_usage(stderr);
            exit_code = CLI_EXIT_BAD_INPUT;
        } else if (count == EXPERIMENT_SHARDS_MAX) {
            fprintf(stderr, "ratelab merge: at most %d shard folders\n", EXPERIMENT_SHARDS_MAX);
            exit_code = CLI_EXIT_BAD_INPUT;
        } else {
            inputs[count++].dir = arg;
        }
    }
    if (exit_code == CLI_EXIT_OK && count == 0) {
        fputs("ratelab merge: no shard folder given (ratelab merge DIR... [--out DIR]; "
              "ratelab help merge)\n", stderr);
        exit_code = CLI_EXIT_BAD_INPUT;
    }
    if (exit_code == CLI_EXIT_OK) {
        exit_code = merge(inputs, count, out_dir, quiet, argc, argv);
    }
    free(inputs);
    return exit_code;
}
