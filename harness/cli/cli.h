/* cli.h - the ratelab commands. Each takes its own arguments (after the command name), prints
 * what the user asked for and returns the process exit code. */
#ifndef RATELAB_CLI_H
#define RATELAB_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/core/rl_error.h"

/* Exit codes, the same for every command. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_EXPECTATIONS_FAILED = 1, /* a run's expectations did not hold */
    CLI_EXIT_BAD_INPUT = 2,           /* a bad scenario, flag or name: nothing was run */
    CLI_EXIT_RUN_FAILED = 3,          /* the run could not complete (I/O, memory, invariant) */
    CLI_EXIT_INTERRUPTED = 4          /* SIGINT or SIGTERM: what was done is written, partial */
};

#define CLI_OVERRIDES_MAX 64

/* `ratelab run FILE [options]`. */
int cli_run(int argc, char **argv);

/* `ratelab validate FILE [--set K=V ...]`. */
int cli_validate(int argc, char **argv);

/* `ratelab plot RESULTS_DIR [--format png|svg] [--out DIR]`. */
int cli_plot(int argc, char **argv);

/* The exit code for an error code of the figures or the report page (0 for RL_OK). */
int cli_plot_exit_code(int rc);

/* What drawing the figures of a results folder came to (for `run --plots`). */
typedef struct cli_plots_outcome {
    int rc; /* 0, RL_ERR_TOOL_MISSING or RL_ERR_TOOL_FAILED */
    rl_error err;
} cli_plots_outcome;

/* A results_folder_fill_fn: draws the figures into tmp_dir/plots and writes the report page
 * into tmp_dir, before the folder takes its final name. A missing or failing gnuplot is kept
 * in context (a cli_plots_outcome) and does not abandon the folder; other errors do. */
int cli_plots_fill(const char *tmp_dir, void *context, rl_error *err);

/* After the folder is in place: prints where the report is (unless quiet), or the one-line
 * warning of a missing gnuplot, or gnuplot's error, to stderr. Returns the exit code: 0, also
 * when gnuplot is missing; CLI_EXIT_RUN_FAILED when it failed. */
int cli_plots_report(const char *command, const char *out_dir, const cli_plots_outcome *outcome,
                     int quiet);

/* `ratelab bench [options] [FILE ...]` (cli_bench.c). */
int cli_bench(int argc, char **argv);

/* `ratelab bench-live [options]`: limiter decisions per second against a Redis. */
int cli_bench_live(int argc, char **argv);

/* `ratelab list`. */
int cli_list(int argc, char **argv);

struct scenario;
struct live_options;

/* The live branch of `run`: runs s (loaded from file) with options, writes out_dir, prints
 * unless quiet. Returns the exit code. */
int cli_run_live(const struct scenario *s, const char *file, const char *out_dir,
                 const struct live_options *options, bool quiet);

/* Parses --live-outage proxy|pause|kill into *out (a live_outage_method). Returns 0 or -1. */
int cli_live_outage_parse(const char *text, int *out);

/* Prints the top-level usage to out. */
void cli_usage(FILE *out);

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

#endif
