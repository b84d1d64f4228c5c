/* main.c - ratelab's entry point: dispatches to a command. */
#include <stdio.h>
#include <string.h>

#include <jemalloc/jemalloc.h>

#include "harness/cli/cli.h"
#include "harness/core/build_info.h"

/* jemalloc's start-up options, read by jemalloc itself (never written): back large allocations
 * with transparent huge pages where the kernel allows it (madvise mode). At a million pods the
 * per-pod arrays span hundreds of MiB and are read at random; with 4 KiB pages nearly every
 * access also missed the TLB. Costs a few MiB of resident memory in small runs. */
const char *malloc_conf = "thp:always";

/* The version jemalloc reports of itself: asked at run time, so it shows the allocator that is
 * linked in and serving malloc, not one a header named. */
static const char *allocator_version(void) {
    const char *version = NULL;
    size_t size = sizeof version;
    if (mallctl("version", &version, &size, NULL, 0) != 0 || version == NULL) {
        return "(version unknown)";
    }
    return version;
}

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
        printf("ratelab %s\nrevision: %s\nrandom streams: v%d\nallocator: jemalloc %s\n",
               build_info_version(), build_info_revision(), build_info_rng_stream_version(),
               allocator_version());
        return CLI_EXIT_OK;
    }
    if (strcmp(command, "run") == 0) {
        return cli_run(argc - 1, argv + 1);
    }
    if (strcmp(command, "validate") == 0) {
        return cli_validate(argc - 1, argv + 1);
    }
    if (strcmp(command, "findings") == 0) {
        return cli_findings(argc - 1, argv + 1);
    }
    if (strcmp(command, "compare") == 0) {
        return cli_compare(argc - 1, argv + 1);
    }
    if (strcmp(command, "plot") == 0) {
        return cli_plot(argc - 1, argv + 1);
    }
    if (strcmp(command, "bench") == 0) {
        return cli_bench(argc - 1, argv + 1);
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
