/* main.c - ratelab's entry point: dispatches to a command. */
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    const char *command = argv[1];
    if (cli_is_help(command) || strcmp(command, "help") == 0) {
        cli_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("ratelab %s (C11; allocator: jemalloc)\n", RATELAB_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "run") == 0) {
        return cli_run(argc - 1, argv + 1);
    }
    if (strcmp(command, "validate") == 0) {
        return cli_validate(argc - 1, argv + 1);
    }
    if (strcmp(command, "bench-live") == 0) {
        return cli_bench_live(argc - 1, argv + 1);
    }
    if (strcmp(command, "list") == 0) {
        return cli_list(argc - 1, argv + 1);
    }
    fprintf(stderr, "ratelab: unknown command '%s'\n\n", command);
    cli_usage(stderr);
    return CLI_EXIT_BAD_INPUT;
}
