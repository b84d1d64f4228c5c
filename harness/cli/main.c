/* main.c - ratelab's entry point: dispatches to a command. */
#include <errno.h>
#include <stdbool.h>
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

/* Makes sure what a command printed reached stdout (a full disk, /dev/full, a closed pipe's
 * reader gone): if not, says so and turns exit code rc into CLI_EXIT_RUN_FAILED (a bad input or
 * an interrupt keeps its own code). Returns the exit code. */
static int output_checked(int rc) {
    errno = 0;
    bool failed = fflush(stdout) != 0 || ferror(stdout) != 0;
    int saved = errno;
    if (fclose(stdout) != 0) {
        failed = true;
        saved = saved != 0 ? saved : errno;
    }
    if (!failed) {
        return rc;
    }
    fprintf(stderr, "ratelab: cannot write the output to stdout: %s\n",
            saved != 0 ? strerror(saved) : "write error (disk full?)");
    return rc == CLI_EXIT_BAD_INPUT || rc == CLI_EXIT_INTERRUPTED ? rc : CLI_EXIT_RUN_FAILED;
}

/* Runs command with its arguments (argv[0] is the command). Returns the exit code, or -1 for a
 * command that does not exist. */
static int dispatch(const char *command, int argc, char **argv) {
    if (strcmp(command, "run") == 0) {
        return cli_run(argc, argv);
    }
    if (strcmp(command, "validate") == 0) {
        return cli_validate(argc, argv);
    }
    if (strcmp(command, "findings") == 0) {
        return cli_findings(argc, argv);
    }
    if (strcmp(command, "compare") == 0) {
        return cli_compare(argc, argv);
    }
    if (strcmp(command, "tune") == 0) {
        return cli_tune(argc, argv);
    }
    if (strcmp(command, "plot") == 0) {
        return cli_plot(argc, argv);
    }
    if (strcmp(command, "bench") == 0) {
        return cli_bench(argc, argv);
    }
    if (strcmp(command, "bench-live") == 0) {
        return cli_bench_live(argc, argv);
    }
    if (strcmp(command, "serve") == 0) {
        return cli_serve(argc, argv);
    }
    if (strcmp(command, "merge") == 0) {
        return cli_merge(argc, argv);
    }
    if (strcmp(command, "list") == 0) {
        return cli_list(argc, argv);
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        cli_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    const char *command = argv[1];
    bool help = cli_is_help(command) || strcmp(command, "help") == 0;
    if (help && (argc == 2 || strcmp(argv[2], "help") == 0)) {
        cli_usage(stdout);
        return output_checked(CLI_EXIT_OK);
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("ratelab %s\nrevision: %s\nrandom streams: v%d\nallocator: jemalloc %s\n",
               build_info_version(), build_info_revision(), build_info_rng_stream_version(),
               allocator_version());
        return output_checked(CLI_EXIT_OK);
    }
    int rc;
    if (help) {
        /* `ratelab help COMMAND` is `ratelab COMMAND --help`, word for word. */
        char help_flag[] = "--help";
        char *help_argv[] = {argv[2], help_flag, NULL};
        command = argv[2];
        rc = dispatch(command, 2, help_argv);
    } else {
        rc = dispatch(command, argc - 1, argv + 1);
    }
    if (rc >= 0) {
        return output_checked(rc);
    }
    fprintf(stderr, "ratelab: unknown command '%s'\n\n", command);
    cli_usage(stderr);
    return CLI_EXIT_BAD_INPUT;
}
