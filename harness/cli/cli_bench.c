/* cli_bench.c - `ratelab bench`: the benchmark scenarios, each in its own process, a table. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/bench_measure.h"
#include "harness/cli/cli.h"
#include "harness/cli/cli_data_dir.h"

#define BENCH_FILES_MAX 32
#define BENCH_REPEAT_MAX 100
#define BENCH_PATH_BYTES 1024
#define BENCH_DEFAULT_DIR "scenarios/bench"
#define BENCH_DEFAULT_SIZES "1k,10k,100k,1m,10k_local"

typedef struct bench_options {
    const char *dir;
    char installed_dir[BENCH_PATH_BYTES]; /* the installed examples' bench/, when dir is it */
    const char *sizes;
    long repeat;
    bool csv;
    int file_count;
    char files[BENCH_FILES_MAX][BENCH_PATH_BYTES];
} bench_options;

/* One scenario's result: its repeats' median wall time, and the largest peak memory. */
typedef struct bench_row {
    bench_sample sample; /* of the median run */
    double wall_min_s, wall_max_s;
    int runs;
} bench_row;

static void bench_usage(FILE *out) {
    fputs("usage: ratelab bench [--sizes LIST] [--dir DIR] [--repeat N] [--csv] [FILE ...]\n\n"
          "Simulates each benchmark scenario in a process of its own and prints one row per\n"
          "scenario: events run, events and jobs per second of wall time, wall time, peak\n"
          "resident memory, bytes per pod, the allocations made in the steady state (the\n"
          "second half of virtual time; 0 means nothing is allocated per event), the most\n"
          "events pending at once, and the wall time per event over the whole run and over\n"
          "the steady state alone (without set-up, the first half and the closing).\n\n"
          "options:\n"
          "  --sizes LIST   which of DIR/bench_NAME.yaml to run, in order (default:\n"
          "                 " BENCH_DEFAULT_SIZES ")\n"
          "  --dir DIR      where the benchmark scenarios are (default: " BENCH_DEFAULT_DIR ", or\n"
          "                 where there is none, the installed examples' bench/)\n"
          "  --repeat N     run each scenario N times (1 to 100, default 1); the row shows the\n"
          "                 median wall time, and min and max in --csv\n"
          "  --csv          comma-separated values with a header line, for scripts\n"
          "  FILE ...       run these scenario files instead of --sizes\n\n"
          "Wall time covers sim_run (set-up, events, closing the books), not loading the file\n"
          "or writing results; the machine's load shows in it. Nothing is written to disk.\n",
          out);
}

static int parse_repeat(const char *text, long *out) {
    long long value;
    if (cli_parse_count(text, 1, BENCH_REPEAT_MAX, &value) != 0) {
        return -1;
    }
    *out = (long)value;
    return 0;
}

/* Adds path to the files to run; -1 when there are too many or it is too long. */
static int add_file(bench_options *opts, const char *dir, const char *name, size_t name_length) {
    if (opts->file_count == BENCH_FILES_MAX) {
        return -1;
    }
    char *path = opts->files[opts->file_count];
    int n = dir != NULL ? snprintf(path, BENCH_PATH_BYTES, "%s/bench_%.*s.yaml", dir,
                                   (int)name_length, name)
                        : snprintf(path, BENCH_PATH_BYTES, "%.*s", (int)name_length, name);
    if (n < 0 || n >= BENCH_PATH_BYTES) {
        return -1;
    }
    opts->file_count++;
    return 0;
}

/* Turns --sizes into files under --dir. */
static int expand_sizes(bench_options *opts) {
    const char *p = opts->sizes;
    while (*p != '\0') {
        size_t length = strcspn(p, ",");
        if (length == 0 || add_file(opts, opts->dir, p, length) != 0) {
            fprintf(stderr, "ratelab bench: --sizes %s: names separated by commas, at most %d\n",
                    opts->sizes, BENCH_FILES_MAX);
            return CLI_EXIT_BAD_INPUT;
        }
        p += length;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

/* An installed ratelab run outside the source tree: without --dir, and with no scenarios/bench
 * here, the benchmark scenarios are the installed examples' (PREFIX/share/ratelab/examples). */
static void use_installed_dir_if_none(bench_options *opts) {
    if (strcmp(opts->dir, BENCH_DEFAULT_DIR) != 0 || access(BENCH_DEFAULT_DIR, F_OK) == 0) {
        return;
    }
    if (cli_data_path("examples/bench", opts->installed_dir, sizeof opts->installed_dir) == 0) {
        opts->dir = opts->installed_dir;
    }
}

/* Returns -1 after printing usage for --help, 0 when parsed, or CLI_EXIT_BAD_INPUT. */
static int parse_options(int argc, char **argv, bench_options *opts) {
    memset(opts, 0, sizeof *opts);
    opts->dir = BENCH_DEFAULT_DIR;
    opts->sizes = BENCH_DEFAULT_SIZES;
    opts->repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(arg)) {
            bench_usage(stdout);
            return -1;
        } else if (strcmp(arg, "--sizes") == 0 && value != NULL) {
            opts->sizes = value;
            i++;
        } else if (strcmp(arg, "--dir") == 0 && value != NULL) {
            opts->dir = value;
            i++;
        } else if (strcmp(arg, "--repeat") == 0 && value != NULL) {
            if (parse_repeat(value, &opts->repeat) != 0) {
                fprintf(stderr, "ratelab bench: --repeat %s: a whole number from 1 to %d\n", value,
                        BENCH_REPEAT_MAX);
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (strcmp(arg, "--csv") == 0) {
            opts->csv = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            bool needs_value = strcmp(arg, "--sizes") == 0 || strcmp(arg, "--dir") == 0 ||
                               strcmp(arg, "--repeat") == 0;
            fprintf(stderr, "ratelab bench: %s '%s'\n",
                    needs_value ? "missing value after" : "unknown option", arg);
            bench_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (add_file(opts, NULL, arg, strlen(arg)) != 0) {
            fprintf(stderr, "ratelab bench: at most %d files of %d bytes\n", BENCH_FILES_MAX,
                    BENCH_PATH_BYTES - 1);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    if (opts->file_count > 0) {
        return 0;
    }
    use_installed_dir_if_none(opts);
    return expand_sizes(opts);
}

/* Reads exactly size bytes from fd; false on a short read. */
static bool read_all(int fd, void *buffer, size_t size) {
    char *p = buffer;
    while (size > 0) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        size -= (size_t)n;
    }
    return true;
}

/* A measurement's outcome as the child sends it to the parent. */
typedef struct child_report {
    int rc;
    bench_sample sample;
    char message[RL_ERROR_MESSAGE_BYTES];
} child_report;

/* Runs one measurement of file in a child process, so that its peak memory is its own.
 * Returns 0 or CLI_EXIT_BAD_INPUT / CLI_EXIT_RUN_FAILED after printing the problem. */
static int measure_in_child(const char *file, bench_sample *out) {
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "ratelab bench: pipe: %s\n", strerror(errno));
        return CLI_EXIT_RUN_FAILED;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "ratelab bench: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return CLI_EXIT_RUN_FAILED;
    }
    if (pid == 0) {
        close(fds[0]);
        child_report report;
        memset(&report, 0, sizeof report);
        rl_error err;
        rl_error_clear(&err);
        report.rc = bench_measure_run(file, &report.sample, &err);
        snprintf(report.message, sizeof report.message, "%s", err.message);
        bool sent = write(fds[1], &report, sizeof report) == (ssize_t)sizeof report;
        _exit(sent ? 0 : 1);
    }
    close(fds[1]);
    child_report report;
    bool received = read_all(fds[0], &report, sizeof report);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!received || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "ratelab bench: %s: the measuring process failed (status %d)\n", file,
                status);
        return CLI_EXIT_RUN_FAILED;
    }
    if (report.rc != RL_OK) {
        fprintf(stderr, "ratelab bench: %s\n", report.message);
        return report.rc == RL_ERR_INVALID || report.rc == RL_ERR_IO ||
                       report.rc == RL_ERR_UNKNOWN || report.rc == RL_ERR_LIMIT
                   ? CLI_EXIT_BAD_INPUT
                   : CLI_EXIT_RUN_FAILED;
    }
    *out = report.sample;
    return 0;
}

static int compare_wall(const void *a, const void *b) {
    double x = ((const bench_sample *)a)->wall_s, y = ((const bench_sample *)b)->wall_s;
    return (x > y) - (x < y);
}

/* Runs file repeat times and keeps the median run (by wall time); peak memory is the largest. */
static int measure_row(const char *file, long repeat, bench_row *row) {
    bench_sample samples[BENCH_REPEAT_MAX];
    int64_t rss_peak_max = 0;
    for (long r = 0; r < repeat; r++) {
        int rc = measure_in_child(file, &samples[r]);
        if (rc != 0) {
            return rc;
        }
        if (samples[r].rss_peak_bytes > rss_peak_max) {
            rss_peak_max = samples[r].rss_peak_bytes;
        }
    }
    qsort(samples, (size_t)repeat, sizeof samples[0], compare_wall);
    row->sample = samples[repeat / 2];
    row->sample.rss_peak_bytes = rss_peak_max;
    row->wall_min_s = samples[0].wall_s;
    row->wall_max_s = samples[repeat - 1].wall_s;
    row->runs = (int)repeat;
    return 0;
}

static double per_second(double count, double seconds) {
    return seconds > 0.0 ? count / seconds : 0.0;
}

static int64_t bytes_per_pod(const bench_sample *s) {
    return s->pods > 0 ? (s->rss_peak_bytes - s->rss_before_bytes) / s->pods : 0;
}

static void print_header(bool csv) {
    if (csv) {
        puts("scenario,pods,events,jobs,events_per_s,jobs_per_s,wall_s,wall_min_s,wall_max_s,"
             "runs,peak_rss_bytes,bytes_per_pod,steady_events,steady_allocations,"
             "pending_max,ns_per_event,steady_ns_per_event");
        return;
    }
    printf("%-18s %9s %11s %9s %9s %8s %8s %9s %6s %13s %9s %8s %9s\n", "scenario", "pods",
           "events", "jobs", "Mevents/s", "kjobs/s", "wall_s", "peak_MiB", "B/pod",
           "steady_allocs", "pending", "ns/event", "steady_ns");
}

static void print_row(const bench_row *row, bool csv) {
    const bench_sample *s = &row->sample;
    double events_per_s = per_second((double)s->events, s->wall_s);
    double jobs_per_s = per_second((double)s->jobs, s->wall_s);
    double ns_per_event = s->events > 0 ? s->wall_s * 1e9 / (double)s->events : 0.0;
    double steady_ns_per_event =
        s->steady_events > 0 ? s->steady_wall_s * 1e9 / (double)s->steady_events : 0.0;
    if (csv) {
        printf("%s,%" PRId64 ",%" PRIu64 ",%" PRId64 ",%.0f,%.0f,%.4f,%.4f,%.4f,%d,%" PRId64
               ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.1f,%.1f\n",
               s->name, s->pods, s->events, s->jobs, events_per_s, jobs_per_s, s->wall_s,
               row->wall_min_s, row->wall_max_s, row->runs, s->rss_peak_bytes, bytes_per_pod(s),
               s->steady_events, s->steady_allocations, s->events_pending_max, ns_per_event,
               steady_ns_per_event);
        return;
    }
    printf("%-18s %9" PRId64 " %11" PRIu64 " %9" PRId64 " %9.2f %8.1f %8.3f %9.1f %6" PRId64
           " %13" PRIu64 " %9" PRIu64 " %8.1f %9.1f\n",
           s->name, s->pods, s->events, s->jobs, events_per_s / 1e6, jobs_per_s / 1e3, s->wall_s,
           (double)s->rss_peak_bytes / (1024.0 * 1024.0), bytes_per_pod(s), s->steady_allocations,
           s->events_pending_max, ns_per_event, steady_ns_per_event);
}

int cli_bench(int argc, char **argv) {
    bench_options *opts = calloc(1, sizeof *opts);
    if (opts == NULL) {
        fputs("ratelab bench: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    int rc = parse_options(argc, argv, opts);
    if (rc != 0) {
        free(opts);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    print_header(opts->csv);
    for (int i = 0; i < opts->file_count && rc == 0; i++) {
        bench_row row;
        rc = measure_row(opts->files[i], opts->repeat, &row);
        if (rc == 0) {
            print_row(&row, opts->csv);
            fflush(stdout);
        }
    }
    free(opts);
    return rc;
}
