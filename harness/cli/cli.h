/* cli.h - the ratelab commands. Each takes its own arguments (after the command name), prints
 * what the user asked for and returns the process exit code. */
#ifndef RATELAB_CLI_H
#define RATELAB_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

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

/* Writes expectations.csv (each claim, measured, pass or fail) into dir when s has claims.
 * Returns 0 or RL_ERR_IO. */
int cli_expectations_write(const char *dir, const scenario *s, const metrics *m, rl_error *err);

/* Prints each claim of s against measured[i] (to stdout; to stderr when quiet and one failed).
 * Returns CLI_EXIT_EXPECTATIONS_FAILED when one failed, else CLI_EXIT_OK. */
int cli_expectations_report(const scenario *s, const double *measured, bool quiet);

/* cli_expectations_report for one point of a sweep: when quiet, every line it prints (to
 * stderr, when a claim failed) starts with "[POINT] ", so it stands alone in a log. */
int cli_expectations_report_point(const scenario *s, const double *measured, bool quiet,
                                  const char *point);

/* cli_expectations_report on the figures of m (finished). */
int cli_expectations_report_run(const scenario *s, const metrics *m, bool quiet);

/* Parses "KEY=V1,V2,..." (as given to --sweep) into out. Returns 0 or RL_ERR_INVALID. */
int cli_sweep_parse(const char *text, scenario_sweep_key *out, rl_error *err);

/* The default of --jobs: the number of online cores (1 if unknown). */
int cli_default_jobs(void);

struct experiment_spec;

/* Runs a sweep or replications (cli_experiment.c), prints the table and the expectations,
 * writes the results folder out_dir (NULL: results/runs/NAME-experiment-seedN). Returns the exit
 * code. */
int cli_run_experiment(const struct experiment_spec *spec, const char *out_dir, bool quiet,
                       int argc, char **argv);

struct experiment;

/* Prints a finished experiment's table and expectations (quiet: only failed claims) and where
 * its results are. Returns CLI_EXIT_EXPECTATIONS_FAILED when a claim failed, else CLI_EXIT_OK. */
int cli_experiment_report(const struct experiment *e, bool quiet, const char *out_path);

/* `ratelab merge DIR... [--out DIR]` (cli_merge.c): the shard folders of a sweep, joined. */
int cli_merge(int argc, char **argv);

/* `ratelab compare FILE... [options]` (cli_compare.c). */
int cli_compare(int argc, char **argv);

/* `ratelab findings FILE... [--replications N]` (cli_findings.c): Markdown for FINDINGS.md. */
int cli_findings(int argc, char **argv);

/* Parses text as a whole number in [min, max] (decimal, nothing after it) into *out.
 * Returns 0, or -1 leaving *out alone. */
int cli_parse_count(const char *text, long long min, long long max, long long *out);

/* `ratelab tune FILE --limiter NAME --vary RANGES [options]` (cli_tune.c): the best setting of
 * one limiter under constraints. */
int cli_tune(int argc, char **argv);
/* `ratelab serve FILE [options]` (cli_serve.c): the scenario's APIs as an HTTP server. */
int cli_serve(int argc, char **argv);

/* `ratelab list`. */
int cli_list(int argc, char **argv);

struct scenario;
struct live_options;

struct run_provenance;

/* The live branch of `run`: runs s (loaded from provenance->scenario_file) with options, writes
 * out_dir (with its provenance, completed with the Redis server and version, and the figures
 * and the report page when plots, as a simulated run does), prints unless quiet. Returns the
 * exit code. */
int cli_run_live(const struct scenario *s, const char *out_dir,
                 const struct live_options *options, struct run_provenance *provenance,
                 bool quiet, bool plots);

/* Parses --live-outage proxy|pause|kill into *out (a live_outage_method). Returns 0 or -1. */
int cli_live_outage_parse(const char *text, int *out);

/* Prints the top-level usage to out. */
void cli_usage(FILE *out);

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

#endif
