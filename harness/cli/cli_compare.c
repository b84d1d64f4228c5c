/* cli_compare.c - `ratelab compare`: every scenario under every algorithm, one table, and a
 * check against a committed baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/limiter.h"
#include "harness/cli/cli.h"
#include "harness/cli/cli_progress.h"
#include "harness/compare/baseline.h"
#include "harness/compare/compare_table.h"
#include "harness/experiment/experiment.h"
#include "harness/report/figures.h"
#include "harness/report/output_file.h"
#include "harness/report/plot_compare.h"
#include "harness/report/results_folder.h"

#define COMPARE_FILES_MAX 256
#define COMPARE_ALGORITHMS_MAX 16
#define COMPARE_PATH_BYTES 160

typedef enum compare_format { FORMAT_MARKDOWN = 0, FORMAT_JSON, FORMAT_CSV } compare_format;

typedef struct compare_options {
    const char *files[COMPARE_FILES_MAX];
    int file_count;
    const char *algorithms[COMPARE_ALGORITHMS_MAX];
    int algorithm_count;
    int replications;
    int jobs;
    compare_format format;
    const char *baseline_path;
    const char *write_baseline_path;
    const char *plots_dir;
    size_t override_count;
    scenario_override overrides[CLI_OVERRIDES_MAX];
    cli_progress *progress; /* the progress line on a terminal */
} compare_options;

static void compare_usage(FILE *out) {
    fputs("usage: ratelab compare FILE... [--algorithms a,b,c] [--replications N] [--jobs N]\n"
          "                       [--format md|json|csv] [--set KEY=VALUE ...]\n"
          "                       [--baseline FILE] [--write-baseline FILE] [--plots DIR]\n\n"
          "Runs every scenario (simulated) under every algorithm named, or as the files say\n"
          "(each point of a sweep: block is a variant), and prints one table: scenario x\n"
          "variant x API with done_ratio and abandoned_ratio first, then rate_429, latency\n"
          "p50/p99, wasted_quota, burst_ratio and fairness, and the store's figures once per\n"
          "variant (mean, and the 95% confidence interval with --replications >= 2).\n\n"
          "options:\n"
          "  --algorithms LIST  run each scenario with every limiter set to each algorithm\n"
          "                     (`ratelab list`); a scenario an algorithm cannot take (a key\n"
          "                     that does not apply) is skipped with a note; repeated, the\n"
          "                     lists add up\n"
          "  --replications N   seeds per variant (default 1: the simulation is exact)\n"
          "  --jobs N           runs at once (default: the number of cores)\n"
          "  --format F         md (default; what CI shows), json or csv\n"
          "  --set KEY=VALUE    override a value in every scenario (repeatable)\n"
          "  --baseline FILE    compare with a committed baseline: every figure worse than its\n"
          "                     tolerance, and every baseline row missing, is listed; exit 1\n"
          "  --write-baseline F write this table as a baseline (tolerances from --baseline if\n"
          "                     given, else the defaults)\n"
          "  --plots DIR        write DIR/comparison.csv and draw DIR/comparison.png\n\n"
          "exit codes: 0 ok, 1 worse than the baseline, 2 bad input, 3 a run failed\n",
          out);
}

/* Adds the comma-separated algorithm names of text to opts (a repeated --algorithms adds to the
 * earlier ones). Refuses an empty name, an unknown one and one named twice, saying why. */
static int parse_algorithms(const char *text, compare_options *opts) {
    const char *part = text;
    for (;;) {
        size_t length = strcspn(part, ",");
        char name[64];
        if (length == 0 || length >= sizeof name) {
            fprintf(stderr,
                    "ratelab compare: --algorithms \"%s\": %s; write names separated by "
                    "commas, such as gcra,token_bucket (ratelab list)\n",
                    text, length == 0 ? "an empty name" : "a name too long");
            return CLI_EXIT_BAD_INPUT;
        }
        memcpy(name, part, length);
        name[length] = '\0';
        const limiter_algorithm *algorithm = limiter_algorithm_find(name);
        if (algorithm == NULL) {
            fprintf(stderr, "ratelab compare: --algorithms: no algorithm \"%s\" (ratelab list)\n",
                    name);
            return CLI_EXIT_BAD_INPUT;
        }
        for (int i = 0; i < opts->algorithm_count; i++) {
            if (strcmp(opts->algorithms[i], algorithm->name) == 0) {
                fprintf(stderr, "ratelab compare: --algorithms: %s is named twice\n", name);
                return CLI_EXIT_BAD_INPUT;
            }
        }
        if (opts->algorithm_count == COMPARE_ALGORITHMS_MAX) {
            fprintf(stderr, "ratelab compare: at most %d algorithms\n", COMPARE_ALGORITHMS_MAX);
            return CLI_EXIT_BAD_INPUT;
        }
        opts->algorithms[opts->algorithm_count++] = algorithm->name; /* static: the registry */
        if (part[length] == '\0') {
            return 0;
        }
        part += length + 1;
    }
}

static int parse_count(const char *text, int max, int *out) {
    long long value;
    if (cli_parse_count(text, 1, max, &value) != 0) {
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* Returns -1 after --help, 0 when parsed, or CLI_EXIT_BAD_INPUT after saying what is wrong. */
static int parse_options(int argc, char **argv, compare_options *opts) {
    memset(opts, 0, sizeof *opts);
    opts->replications = 1;
    opts->jobs = cli_default_jobs();
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        rl_error err;
        bool takes_value = strcmp(arg, "--algorithms") == 0 ||
                           strcmp(arg, "--replications") == 0 || strcmp(arg, "--jobs") == 0 ||
                           strcmp(arg, "--format") == 0 || strcmp(arg, "--baseline") == 0 ||
                           strcmp(arg, "--write-baseline") == 0 || strcmp(arg, "--plots") == 0 ||
                           strcmp(arg, "--set") == 0;
        if (cli_is_help(arg)) {
            compare_usage(stdout);
            return -1;
        }
        if (takes_value && value == NULL) {
            fprintf(stderr, "ratelab compare: missing value after '%s'\n", arg);
            return CLI_EXIT_BAD_INPUT;
        }
        if (strcmp(arg, "--algorithms") == 0) {
            if (parse_algorithms(value, opts) != 0) {
                return CLI_EXIT_BAD_INPUT;
            }
        } else if (strcmp(arg, "--replications") == 0 || strcmp(arg, "--jobs") == 0) {
            bool replications = arg[2] == 'r';
            if (parse_count(value, replications ? 10000 : 256,
                            replications ? &opts->replications : &opts->jobs) != 0) {
                fprintf(stderr, "ratelab compare: %s %s: a whole number from 1 to %d\n", arg,
                        value, replications ? 10000 : 256);
                return CLI_EXIT_BAD_INPUT;
            }
        } else if (strcmp(arg, "--format") == 0) {
            if (strcmp(value, "md") == 0) {
                opts->format = FORMAT_MARKDOWN;
            } else if (strcmp(value, "json") == 0) {
                opts->format = FORMAT_JSON;
            } else if (strcmp(value, "csv") == 0) {
                opts->format = FORMAT_CSV;
            } else {
                fprintf(stderr, "ratelab compare: --format %s: one of md, json, csv\n", value);
                return CLI_EXIT_BAD_INPUT;
            }
        } else if (strcmp(arg, "--baseline") == 0) {
            opts->baseline_path = value;
        } else if (strcmp(arg, "--write-baseline") == 0) {
            opts->write_baseline_path = value;
        } else if (strcmp(arg, "--plots") == 0) {
            opts->plots_dir = value;
        } else if (strcmp(arg, "--set") == 0) {
            if (opts->override_count == CLI_OVERRIDES_MAX ||
                scenario_override_parse(value, &opts->overrides[opts->override_count], &err) !=
                    RL_OK) {
                fprintf(stderr, "ratelab compare: --set %s: %s\n", value,
                        opts->override_count == CLI_OVERRIDES_MAX ? "too many --set options"
                                                                  : err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->override_count++;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "ratelab compare: unknown option '%s'\n", arg);
            compare_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (opts->file_count == COMPARE_FILES_MAX) {
            fprintf(stderr, "ratelab compare: at most %d files\n", COMPARE_FILES_MAX);
            return CLI_EXIT_BAD_INPUT;
        } else {
            opts->files[opts->file_count++] = arg;
            continue;
        }
        i++;
    }
    if (opts->file_count == 0) {
        fputs("ratelab compare: no scenario file given\n", stderr);
        compare_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

/* Runs file (under algorithm, or as written when NULL) and adds its rows. Returns 0, or
 * RL_ERR_INVALID when the scenario cannot take the algorithm (err says why), or another error. */
static int run_variant(const compare_options *opts, const char *file, const char *algorithm,
                       compare_table *table, rl_error *err) {
    experiment *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory");
    }
    scenario_override overrides[EXPERIMENT_OVERRIDES_MAX];
    char paths[SCENARIO_LIMITERS_MAX][COMPARE_PATH_BYTES];
    size_t count = 0;
    for (size_t i = 0; i < opts->override_count && count < EXPERIMENT_OVERRIDES_MAX; i++) {
        overrides[count++] = opts->overrides[i];
    }
    experiment_spec spec = {.file = file, .overrides = overrides, .override_count = count,
                            .replications = opts->replications, .jobs = opts->jobs,
                            .progress = cli_progress_runs, .progress_context = opts->progress};
    int rc = experiment_plan(&spec, e, err);
    if (rc == RL_OK && algorithm != NULL) {
        /* Every limiter of the scenario takes the algorithm. */
        for (int l = 0; l < e->base.limiter_count && count < EXPERIMENT_OVERRIDES_MAX; l++) {
            snprintf(paths[l], sizeof paths[l], "limiters.%s.algorithm", e->base.limiters[l].name);
            overrides[count++] = (scenario_override){.path = paths[l], .value = algorithm};
        }
        spec.override_count = count;
        experiment_free(e);
        rc = experiment_plan(&spec, e, err);
    }
    if (rc == RL_OK) {
        rc = experiment_run(&spec, e, err);
    }
    if (rc == RL_OK) {
        rc = compare_table_add_experiment(table, e, algorithm, err);
    }
    experiment_free(e);
    free(e);
    return rc;
}

/* A baseline_check callback: keeps each finding in a growing compare_verdict list. */
typedef struct verdict_list {
    compare_verdict *items;
    int count, capacity;
    bool failed; /* out of memory: the list is short */
} verdict_list;

static void keep_verdict(void *context, const baseline_finding *finding) {
    verdict_list *list = context;
    if (list->count == list->capacity) {
        int grown = list->capacity == 0 ? 16 : list->capacity * 2;
        compare_verdict *items = realloc(list->items, (size_t)grown * sizeof *items);
        if (items == NULL) {
            list->failed = true;
            return;
        }
        list->items = items;
        list->capacity = grown;
    }
    list->items[list->count++] = (compare_verdict){.base = finding->base,
                                                   .current = finding->current,
                                                   .figure = finding->figure,
                                                   .allowed = finding->allowed};
}

/* The JSON table, with the baseline's verdicts when there is a baseline (b not NULL). */
static void print_json(const compare_options *opts, const compare_table *table,
                       const baseline *b) {
    rl_error err;
    verdict_list list = {0};
    compare_verdicts verdicts = {.baseline_path = opts->baseline_path};
    if (b != NULL) {
        baseline_check(b, table, keep_verdict, &list);
        verdicts.count = list.count;
        verdicts.items = list.items;
    }
    if (list.failed) {
        fputs("ratelab compare: out of memory listing the baseline's findings\n", stderr);
    } else if (compare_table_write_json(stdout, table, b != NULL ? &verdicts : NULL, &err) !=
               RL_OK) {
        fprintf(stderr, "ratelab compare: %s\n", err.message);
    }
    free(list.items);
}

static void print_table(const compare_options *opts, const compare_table *table,
                        const baseline *b) {
    switch (opts->format) {
    case FORMAT_MARKDOWN: compare_table_write_markdown(stdout, table); break;
    case FORMAT_CSV: compare_table_write_csv(stdout, table); break;
    case FORMAT_JSON: print_json(opts, table, b); break;
    }
}

static void print_finding(void *context, const baseline_finding *finding) {
    FILE *out = context;
    const compare_row *base = finding->base;
    if (finding->current == NULL) {
        fprintf(out, "  MISSING  %s / %s / %s: in the baseline, not in this comparison\n",
                base->scenario, base->variant, base->api);
        return;
    }
    figure_id f = (figure_id)finding->figure;
    char was[32], now[32], allowed[32];
    figures_format(f, base->mean[f], was, sizeof was);
    figures_format(f, finding->current->mean[f], now, sizeof now);
    figures_format(f, finding->allowed, allowed, sizeof allowed);
    fprintf(out, "  WORSE    %s / %s / %s: %s%s %s -> %s (tolerance %s)\n", base->scenario,
            base->variant, base->api, figure_info_of(f)->of_store ? "store_" : "",
            figure_info_of(f)->name, was, now, allowed);
}

/* Checks table against opts->baseline_path. Returns the exit code. */
static int check_baseline(const compare_options *opts, const compare_table *table,
                          baseline *b) {
    int findings = baseline_check(b, table, print_finding, stderr);
    if (findings > 0) {
        fprintf(stderr, "ratelab compare: %d finding%s against the baseline %s (above)\n",
                findings, findings == 1 ? "" : "s", opts->baseline_path);
        return CLI_EXIT_EXPECTATIONS_FAILED;
    }
    fprintf(stderr, "ratelab compare: no figure worse than the baseline %s\n",
            opts->baseline_path);
    return CLI_EXIT_OK;
}

/* Writes the baseline to path through a temporary file, so a failed write leaves the old one. */
static int write_baseline(const char *path, const compare_table *table,
                          const figure_tolerance *tolerances, rl_error *err) {
    char tmp[RESULTS_PATH_BYTES];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: path too long", path);
    }
    FILE *out = fopen(tmp, "w");
    if (out == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s", tmp);
    }
    int rc = baseline_write(out, table, tolerances, err);
    bool failed = ferror(out) != 0; /* a write that failed before the close flushed */
    if ((fclose(out) != 0 || failed) && rc == RL_OK) {
        rc = rl_error_set(err, RL_ERR_IO, "cannot write %s (disk full?)", tmp);
    }
    if (rc == RL_OK && rename(tmp, path) != 0) {
        rc = rl_error_set(err, RL_ERR_IO, "cannot rename %s to %s", tmp, path);
    }
    if (rc != RL_OK) {
        remove(tmp);
    }
    return rc;
}

/* Writes DIR/comparison.csv and draws the figure. Returns the exit code. */
static int draw_plots(const char *dir, const compare_table *table) {
    rl_error err;
    FILE *out = NULL;
    int rc = output_dir_make(dir, &err);
    if (rc == RL_OK) {
        rc = output_file_open(dir, "comparison.csv", &out, &err);
    }
    if (rc == RL_OK) {
        compare_table_write_csv(out, table);
        rc = output_file_close(out, dir, "comparison.csv", &err);
    }
    char csv_path[RESULTS_PATH_BYTES];
    if (rc == RL_OK) {
        rc = results_path_join(csv_path, sizeof csv_path, dir, "comparison.csv", &err);
    }
    if (rc == RL_OK) {
        rc = plot_comparison(csv_path, dir, PLOT_FORMAT_PNG, &err);
    }
    if (rc == RL_ERR_TOOL_MISSING) {
        fprintf(stderr, "ratelab compare: %s\n", err.message);
        return CLI_EXIT_OK;
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab compare: --plots: %s\n", err.message);
        return CLI_EXIT_RUN_FAILED;
    }
    fprintf(stderr, "ratelab compare: figure in %s/%s.png\n", dir, PLOT_COMPARE_NAME);
    return CLI_EXIT_OK;
}

int cli_compare(int argc, char **argv) {
    compare_options *opts = calloc(1, sizeof *opts);
    compare_table table = {0};
    baseline b = {0};
    if (opts == NULL) {
        fputs("ratelab compare: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    int exit_code = parse_options(argc, argv, opts);
    rl_error err;
    if (exit_code == 0 && opts->baseline_path != NULL &&
        baseline_read(opts->baseline_path, &b, &err) != RL_OK) {
        fprintf(stderr, "ratelab compare: --baseline %s\n", err.message);
        exit_code = CLI_EXIT_BAD_INPUT;
    }
    int skipped = 0;
    int variants = opts->algorithm_count > 0 ? opts->algorithm_count : 1;
    cli_progress progress;
    cli_progress_begin(&progress, false);
    opts->progress = &progress;
    for (int f = 0; exit_code == 0 && f < opts->file_count; f++) {
        for (int a = 0; exit_code == 0 && a < variants; a++) {
            const char *algorithm = opts->algorithm_count > 0 ? opts->algorithms[a] : NULL;
            rl_error_clear(&err);
            char label[sizeof progress.label];
            snprintf(label, sizeof label, "%s%s%s (variant %d of %d)", opts->files[f],
                     algorithm != NULL ? " under " : "", algorithm != NULL ? algorithm : "",
                     f * variants + a + 1, opts->file_count * variants);
            cli_progress_label(&progress, label);
            int rc = run_variant(opts, opts->files[f], algorithm, &table, &err);
            cli_progress_finish(&progress);
            if (rc == RL_ERR_INVALID && algorithm != NULL) {
                fprintf(stderr, "ratelab compare: %s under %s: skipped: %s\n", opts->files[f],
                        algorithm, err.message);
                skipped++;
            } else if (rc != RL_OK) {
                fprintf(stderr, "ratelab compare: %s\n", err.message);
                exit_code = rc == RL_ERR_INVALID || rc == RL_ERR_IO || rc == RL_ERR_LIMIT
                                ? CLI_EXIT_BAD_INPUT
                                : CLI_EXIT_RUN_FAILED;
            }
        }
    }
    if (exit_code == 0 && table.count == 0) {
        fprintf(stderr, "ratelab compare: nothing ran (%d variant%s skipped)\n", skipped,
                skipped == 1 ? "" : "s");
        exit_code = CLI_EXIT_BAD_INPUT;
    }
    if (exit_code == 0) {
        print_table(opts, &table, opts->baseline_path != NULL ? &b : NULL);
        if (opts->plots_dir != NULL) {
            exit_code = draw_plots(opts->plots_dir, &table);
        }
    }
    if (exit_code == 0 && opts->write_baseline_path != NULL) {
        figure_tolerance defaults[FIGURE_COUNT];
        baseline_default_tolerances(defaults);
        if (write_baseline(opts->write_baseline_path, &table,
                           opts->baseline_path != NULL ? b.tolerance : defaults, &err) != RL_OK) {
            fprintf(stderr, "ratelab compare: --write-baseline: %s\n", err.message);
            exit_code = CLI_EXIT_RUN_FAILED;
        } else {
            fprintf(stderr, "ratelab compare: baseline written to %s\n",
                    opts->write_baseline_path);
        }
    }
    if (exit_code == 0 && opts->baseline_path != NULL) {
        exit_code = check_baseline(opts, &table, &b);
    }
    baseline_free(&b);
    compare_table_free(&table);
    free(opts);
    return exit_code < 0 ? CLI_EXIT_OK : exit_code;
}
