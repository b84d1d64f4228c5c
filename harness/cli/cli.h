/* cli.h - the ratelab commands. Each takes its own arguments (after the command name), prints
 * what the user asked for and returns the process exit code. */
#ifndef RATELAB_CLI_H
#define RATELAB_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes, the same for every command. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_EXPECTATIONS_FAILED = 1, /* a run's expectations did not hold */
    CLI_EXIT_BAD_INPUT = 2,           /* a bad scenario, flag or name: nothing was run */
    CLI_EXIT_RUN_FAILED = 3           /* the run could not complete (I/O, memory, invariant) */
};

#define CLI_OVERRIDES_MAX 64

/* `ratelab run FILE [options]`. */
int cli_run(int argc, char **argv);

/* `ratelab validate FILE [--set K=V ...]`. */
int cli_validate(int argc, char **argv);

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
