/* cli.h - the ratelab commands. Each takes its own arguments (after the command name), prints
 * what the user asked for and returns the process exit code. */
#ifndef RATELAB_CLI_H
#define RATELAB_CLI_H

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

/* `ratelab bench [options] [FILE ...]` (cli_bench.c). */
int cli_bench(int argc, char **argv);

/* `ratelab list`. */
int cli_list(int argc, char **argv);

/* Prints the top-level usage to out. */
void cli_usage(FILE *out);

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

#endif
