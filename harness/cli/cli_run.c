/* cli_run.c - `ratelab run` and `ratelab validate`: load a scenario, simulate it, report. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/cli/cli_interrupt.h"
#include "harness/core/units.h"
#include "harness/experiment/experiment.h"
#include "harness/experiment/experiment_shard.h"
#include "harness/live/live_run.h"
#include "harness/report/output_file.h"
#include "harness/report/provenance.h"
#include "harness/report/results_folder.h"
#include "harness/report/results_writer.h"
#include "harness/report/summary_table.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/memory_estimate.h"
#include "harness/sim/sim_run.h"

/* What `run` and `validate` were asked to do. */
typedef struct run_options {
    const char *file;
    const char *out_dir;
    bool seed_given;
    uint64_t seed;
    bool quiet;
    bool plots;
    int replications;      /* --replications N (0: not given) */
    int jobs;              /* --jobs N (0: not given) */
    int sweep_count;
    scenario_sweep_key sweep[SCENARIO_SWEEP_KEYS_MAX]; /* --sweep KEY=V1,V2 */
    bool live;             /* --live: against a real Redis (harness/live) */
    bool memory_limit_given;
    uint64_t memory_limit_bytes; /* --memory-limit, else MemAvailable */
    live_options live_opts;
    bool live_outage_given; /* --live-outage: only with --live */
    int shard_index;       /* --shard K/N (0, 0: not given) */
    int shard_count;
    int argc;              /* the command line from "run" on, for provenance.json */
    char **argv;
    size_t override_count;
    scenario_override overrides[CLI_OVERRIDES_MAX];
} run_options;

int cli_is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

void cli_usage(FILE *out) {
    fputs("ratelab - a testbed for outbound rate limiters across many pods\n\n"
          "usage: ratelab COMMAND [ARGS]\n\n"
          "commands:\n"
          "  run FILE        simulate a scenario, print its summary, write a results folder\n"
          "  validate FILE   check a scenario file without running it\n"
          "  compare FILE... every scenario under every algorithm: one table, a baseline check\n"
          "  findings FILE.. each scenario's claim, what was measured, and whether it held\n"
          "  tune FILE       the best rate (and burst) of a limiter under constraints\n"
          "  plot DIR        draw the figures and the report page of a results folder\n"
          "  list            list the algorithms, API models and API presets\n"
          "  bench           run the benchmark scenarios and print speed and memory\n"
          "  bench-live      limiter decisions per second against a real Redis\n"
          "  serve FILE      the scenario's APIs as a real HTTP server, for your own clients\n"
          "  merge DIR...    join the shard folders of a sweep (run --shard K/N) into one\n"
          "  help [COMMAND]  this text; `ratelab help run` is `ratelab run --help`\n"
          "  --version       print the version\n\n"
          "exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 the run failed,\n"
          "            4 interrupted (SIGINT/SIGTERM; partial results written)\n"
          "scenario format: scenarios/README.md\n",
          out);
}

static void run_usage(FILE *out) {
    fputs("usage: ratelab run FILE [--seed N] [--out DIR] [--set KEY=VALUE ...] [--quiet]\n"
          "                        [--plots] [--memory-limit SIZE]\n"
          "                        [--sweep KEY=V1,V2,...] [--replications N] [--jobs N]\n"
          "                        [--shard K/N] [--live [--redis URL] [--live-outage M]]\n\n"
          "Simulates the scenario in FILE and prints one row per API: jobs done, attempts,\n"
          "429 rate, latency p50/p99, wasted quota, burst ratio and fairness. Writes\n"
          "summary.json, timeseries.csv and latency_histogram.csv into the results folder.\n\n"
          "options:\n"
          "  --seed N          seed of the run (default: the scenario's `seed`, else 1)\n"
          "  --out DIR         results folder (default: results/runs/NAME-seedN); an earlier\n"
          "                    one is replaced, and stderr says so, only if ratelab wrote it\n"
          "                    and it holds nothing else (its .ratelab-results lists all)\n"
          "  --set KEY=VALUE   override one scenario value, e.g. --set pods.workers.count=50\n"
          "                    or --set limiters.shared.algorithm=token_bucket (repeatable)\n"
          "  --quiet           print nothing but errors\n"
          "  --sweep KEY=V1,V2 run every value of KEY (a --set path); repeatable, with the\n"
          "                    scenario's own sweep: block, the grid is every combination\n"
          "  --replications N  run N seeds (seed, seed+1, ...) per point and report the mean\n"
          "                    and a 95% confidence interval of each figure\n"
          "  --jobs N          runs at once for a sweep or replications (default: the number\n"
          "                    of cores); the figures are the same whatever N is\n"
          "  --shard K/N       run only shard K of N of a sweep's runs (those whose index mod\n"
          "                    N is K-1) into a partial folder (default: results/runs/NAME-\n"
          "                    experiment-seedS-shardKofN); `ratelab merge` joins the N shard\n"
          "                    folders into the folder one machine would have written\n"
          "                    (docs/SCALE.md)\n"
          "  --plots           also draw the figures (PNG, in DIR/plots) and write the report\n"
          "                    page DIR/report.md and report.html (also with --live); without\n"
          "                    gnuplot, one line says how to install it and the run still\n"
          "                    succeeds\n"
          "  --live            run against a real Redis in wall-clock time (docs/LIVE.md);\n"
          "                    without --redis, starts its own redis-server and stops it\n"
          "  --redis URL       redis://[user:password@]host:port/db (implies --live; the\n"
          "                    password may come from REDISCLI_AUTH)\n"
          "  --live-outage M   how store outages are played live: proxy (default), pause\n"
          "                    or kill\n"
          "  --memory-limit S  refuse a run whose memory estimate is above S (such as 2GiB);\n"
          "                    default: MemAvailable of /proc/meminfo\n\n"
          "Progress goes to stderr when it is a terminal (for a sweep: runs and points done,\n"
          "elapsed, an estimate left); with --quiet, a sweep's failed claims name their point.\n"
          "The folder keeps scenario.yaml (the effective scenario: rerun it to get the same\n"
          "summary.json) and provenance.json (version, revision, seeds, command, world).\n"
          "Simulated, the same scenario and\n"
          "seed give byte-identical summary.json and timeseries.csv (live runs do not).\n"
          "Ctrl-C (SIGINT) or SIGTERM stops the run early: it writes what it has, marked\n"
          "\"partial\": true in summary.json, and exits 4; a second Ctrl-C stops at once.\n",
          out);
}

static void validate_usage(FILE *out) {
    fputs("usage: ratelab validate FILE [--set KEY=VALUE ...] [--memory-limit SIZE]\n\n"
          "Loads FILE as `run` would and reports the first problem as FILE:LINE: KEY: what is\n"
          "wrong; what is allowed, including a memory estimate above SIZE (default:\n"
          "MemAvailable). Exits 0 when the scenario is valid, 2 when not.\n",
          out);
}

static int parse_seed(const char *text, uint64_t *out) {
    if (text[0] < '0' || text[0] > '9') {
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') {
        return -1;
    }
    *out = (uint64_t)value;
    return 0;
}

/* Parses text as a whole number in [min, max] into *out. Returns 0 or -1. */
static int parse_small_count(const char *text, int min, int max, int *out) {
    long long value;
    if (cli_parse_count(text, min, max, &value) != 0) {
        return -1;
    }
    *out = (int)value;
    return 0;
}

/* Parses the options of run (allow_run_flags) or validate. Returns -1 after printing usage to
 * stdout for --help, 0 when parsed, or CLI_EXIT_BAD_INPUT after printing the problem. */
static int parse_options(const char *command, int argc, char **argv, bool allow_run_flags,
                         run_options *opts) {
    memset(opts, 0, sizeof *opts);
    opts->argc = argc;
    opts->argv = argv;
    void (*usage)(FILE *) = allow_run_flags ? run_usage : validate_usage;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        rl_error err;
        rl_error_clear(&err);
        if (cli_is_help(arg)) {
            usage(stdout);
            return -1;
        } else if (strcmp(arg, "--set") == 0 && value != NULL) {
            if (opts->override_count == CLI_OVERRIDES_MAX) {
                fprintf(stderr, "ratelab %s: at most %d --set options\n", command,
                        CLI_OVERRIDES_MAX);
                return CLI_EXIT_BAD_INPUT;
            }
            if (scenario_override_parse(value, &opts->overrides[opts->override_count], &err) !=
                RL_OK) {
                fprintf(stderr, "ratelab %s: --set %s: %s\n", command, value, err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->override_count++;
            i++;
        } else if (strcmp(arg, "--memory-limit") == 0 && value != NULL) {
            if (memory_size_parse(value, &opts->memory_limit_bytes, &err) != RL_OK) {
                fprintf(stderr, "ratelab %s: --memory-limit: %s\n", command, err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->memory_limit_given = true;
            i++;
        } else if (allow_run_flags && strcmp(arg, "--seed") == 0 && value != NULL) {
            if (parse_seed(value, &opts->seed) != 0) {
                fprintf(stderr, "ratelab %s: --seed %s: not a whole number from 0 to 2^64-1\n",
                        command, value);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->seed_given = true;
            i++;
        } else if (allow_run_flags && strcmp(arg, "--out") == 0 && value != NULL) {
            opts->out_dir = value;
            i++;
        } else if (allow_run_flags && strcmp(arg, "--quiet") == 0) {
            opts->quiet = true;
        } else if (allow_run_flags && strcmp(arg, "--replications") == 0 && value != NULL) {
            if (parse_small_count(value, 1, 10000, &opts->replications) != 0) {
                fprintf(stderr, "ratelab %s: --replications %s: a whole number from 1 to 10000\n",
                        command, value);
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (allow_run_flags && strcmp(arg, "--jobs") == 0 && value != NULL) {
            if (parse_small_count(value, 1, 256, &opts->jobs) != 0) {
                fprintf(stderr, "ratelab %s: --jobs %s: a whole number from 1 to 256\n", command,
                        value);
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (allow_run_flags && strcmp(arg, "--sweep") == 0 && value != NULL) {
            if (opts->sweep_count == SCENARIO_SWEEP_KEYS_MAX) {
                fprintf(stderr, "ratelab %s: at most %d --sweep options\n", command,
                        SCENARIO_SWEEP_KEYS_MAX);
                return CLI_EXIT_BAD_INPUT;
            }
            if (cli_sweep_parse(value, &opts->sweep[opts->sweep_count], &err) != RL_OK) {
                fprintf(stderr, "ratelab %s: --sweep %s: %s\n", command, value, err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->sweep_count++;
            i++;
        } else if (allow_run_flags && strcmp(arg, "--shard") == 0 && value != NULL) {
            if (experiment_shard_parse(value, &opts->shard_index, &opts->shard_count, &err) !=
                RL_OK) {
                fprintf(stderr, "ratelab %s: --shard %s: %s\n", command, value, err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (allow_run_flags && strcmp(arg, "--plots") == 0) {
            opts->plots = true;
        } else if (allow_run_flags && strcmp(arg, "--live") == 0) {
            opts->live = true;
        } else if (allow_run_flags && strcmp(arg, "--redis") == 0 && value != NULL) {
            opts->live = true;
            opts->live_opts.redis_url = value;
            i++;
        } else if (allow_run_flags && strcmp(arg, "--live-outage") == 0 && value != NULL) {
            int method;
            if (cli_live_outage_parse(value, &method) != 0) {
                fprintf(stderr, "ratelab %s: --live-outage %s: one of proxy, pause, kill\n",
                        command, value);
                return CLI_EXIT_BAD_INPUT;
            }
            opts->live_opts.outage_method = (live_outage_method)method;
            opts->live_outage_given = true;
            i++;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            bool needs_value = strcmp(arg, "--set") == 0 || strcmp(arg, "--seed") == 0 ||
                               strcmp(arg, "--out") == 0 || strcmp(arg, "--redis") == 0 ||
                               strcmp(arg, "--live-outage") == 0 ||
                               strcmp(arg, "--replications") == 0 ||
                               strcmp(arg, "--jobs") == 0 || strcmp(arg, "--sweep") == 0 ||
                               strcmp(arg, "--memory-limit") == 0 || strcmp(arg, "--shard") == 0;
            bool run_only = strcmp(arg, "--seed") == 0 || strcmp(arg, "--out") == 0 ||
                            strcmp(arg, "--redis") == 0 || strcmp(arg, "--live-outage") == 0 ||
                            strcmp(arg, "--replications") == 0 || strcmp(arg, "--jobs") == 0 ||
                            strcmp(arg, "--sweep") == 0 || strcmp(arg, "--quiet") == 0 ||
                            strcmp(arg, "--shard") == 0 ||
                            strcmp(arg, "--plots") == 0 || strcmp(arg, "--live") == 0;
            if (!allow_run_flags && run_only) {
                fprintf(stderr, "ratelab %s: '%s' is an option of run, not of %s\n", command,
                        arg, command);
            } else {
                fprintf(stderr, "ratelab %s: %s '%s'\n", command,
                        needs_value && value == NULL ? "missing value after" : "unknown option",
                        arg);
            }
            usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (opts->file == NULL) {
            opts->file = arg;
        } else {
            fprintf(stderr, "ratelab %s: unexpected argument '%s' (one FILE only)\n", command,
                    arg);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    if (opts->file == NULL) {
        fprintf(stderr, "ratelab %s: missing FILE\n", command);
        usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

/* Refuses a scenario whose memory estimate is above --memory-limit, or else above what
 * /proc/meminfo says is available (no check where there is no such file). */
static int check_memory(const run_options *opts, const scenario *s, rl_error *err) {
    uint64_t available_bytes = opts->memory_limit_bytes;
    const char *source = "--memory-limit";
    if (!opts->memory_limit_given) {
        rl_error ignored;
        if (memory_available_read("/proc/meminfo", &available_bytes, &ignored) != RL_OK) {
            return RL_OK;
        }
        source = "MemAvailable in /proc/meminfo";
    }
    return memory_estimate_check(s, available_bytes, source, err);
}

static int load_scenario(const run_options *opts, scenario *s) {
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_file(opts->file, opts->overrides, opts->override_count, s, &err) != RL_OK ||
        check_memory(opts, s, &err) != RL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return CLI_EXIT_BAD_INPUT;
    }
    return CLI_EXIT_OK;
}

int cli_validate(int argc, char **argv) {
    run_options opts;
    int rc = parse_options("validate", argc, argv, false, &opts);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    scenario *s = calloc(1, sizeof *s);
    if (s == NULL) {
        fputs("ratelab validate: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    rc = load_scenario(&opts, s);
    if (rc == CLI_EXIT_OK) {
        printf("%s: ok (%s: %d APIs, %d limiters, %" PRId64 " pods, %.3g s)\n", opts.file, s->name,
               s->api_count, s->limiter_count, scenario_pod_count(s),
               (double)s->duration_us / 1e6);
    }
    free(s);
    return rc;
}

typedef struct progress_state {
    struct timespec started;
    bool shown;
} progress_state;

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void show_progress(void *context, int64_t virtual_us, int64_t duration_us,
                          uint64_t events_run) {
    progress_state *p = context;
    double wall_s = seconds_since(&p->started);
    if (wall_s < 0.5 && virtual_us < duration_us) {
        return; /* a run that takes only a moment shows no progress */
    }
    /* The estimate assumes the rest of the virtual time goes as fast as what is done. */
    double done = duration_us > 0 ? (double)virtual_us / (double)duration_us : 1.0;
    double left_s = done > 0 ? wall_s * (1.0 - done) / done : 0.0;
    fprintf(stderr,
            "\r\033[K  %.1f / %.1f s virtual (%.0f%%), %.1f s elapsed, about %.0f s left, "
            "%.2f M events/s",
            (double)virtual_us / 1e6, (double)duration_us / 1e6, 100.0 * done, wall_s, left_s,
            wall_s > 0 ? (double)events_run / wall_s / 1e6 : 0.0);
    p->shown = true;
}

/* What the results folder gets before it takes its final name: expectations, then figures. */
typedef struct run_fill {
    const run_provenance *provenance;
    const scenario *scenario;
    const metrics *metrics;
    const run_info *info;                /* as summary.json was written */
    const volatile sig_atomic_t *stop;   /* set by a first SIGINT/SIGTERM; NULL: none */
    bool plots;
    cli_plots_outcome plots_outcome;
    bool drawing_interrupted;            /* a signal came while the figures were drawn */
} run_fill;

/* Writes summary.json again into dir, marked partial (figures cut short by an interrupt). */
static int rewrite_summary_partial(const char *dir, const run_fill *fill, rl_error *err) {
    run_info partial = *fill->info;
    partial.partial = true;
    FILE *out = NULL;
    int rc = output_file_open(dir, "summary.json", &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    results_write_summary_json(out, fill->scenario, fill->metrics, &partial);
    return output_file_close(out, dir, "summary.json", err);
}

static int run_fill_folder(const char *tmp_dir, void *context, rl_error *err) {
    run_fill *fill = context;
    int rc = provenance_write(tmp_dir, fill->provenance, err);
    if (rc == RL_OK) {
        rc = cli_expectations_write(tmp_dir, fill->scenario, fill->metrics, err);
    }
    if (rc == RL_OK && fill->plots) {
        rc = cli_plots_fill(tmp_dir, &fill->plots_outcome, err);
    }
    /* Ctrl-C while gnuplot drew (which also stops gnuplot, in the same process group): the
     * figures may be missing, so the folder is partial, whatever gnuplot said. */
    if (rc == RL_OK && fill->plots && fill->stop != NULL && *fill->stop != 0) {
        fill->drawing_interrupted = true;
        rc = rewrite_summary_partial(tmp_dir, fill, err);
    }
    return rc;
}

/* The sweep key (of --sweep or the file's sweep: block) at path[0..length), or NULL. */
static const scenario_sweep_key *sweep_key_named(const run_options *opts, const scenario *s,
                                                 const char *path, size_t length) {
    for (int i = 0; i < opts->sweep_count + s->sweep_key_count; i++) {
        const scenario_sweep_key *key =
            i < opts->sweep_count ? &opts->sweep[i] : &s->sweep[i - opts->sweep_count];
        if (strlen(key->path) == length && strncmp(key->path, path, length) == 0) {
            return key;
        }
    }
    return NULL;
}

/* Refuses options that would be silently ignored: --live-outage without --live, and a --set of a
 * key a sweep also sets (the sweep's values would win at every point). Returns 0 or
 * CLI_EXIT_BAD_INPUT after saying why. */
static int check_option_conflicts(const run_options *opts, const scenario *s) {
    if (opts->live_outage_given && !opts->live) {
        fputs("ratelab run: --live-outage says how a live run plays store outages; it needs "
              "--live (or --redis)\n",
              stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < opts->override_count; i++) {
        const char *path = opts->overrides[i].path;
        size_t length = strcspn(path, "=");
        if (sweep_key_named(opts, s, path, length) != NULL) {
            fprintf(stderr,
                    "ratelab run: --set %.*s: the sweep also sets %.*s, at every point; drop the "
                    "--set, or change the sweep's values\n",
                    (int)length, path, (int)length, path);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    return CLI_EXIT_OK;
}

/* Refuses, before anything runs, a results folder place that is malformed or holds something
 * ratelab did not write (the commit checks again). Returns 0 or CLI_EXIT_BAD_INPUT. */
static int check_out_place(const char *out_dir, bool *replaces) {
    rl_error err;
    rl_error_clear(&err);
    if (results_folder_place_check(out_dir, replaces, &err) != RL_OK) {
        fprintf(stderr, "ratelab run: --out: %s\n", err.message);
        return CLI_EXIT_BAD_INPUT;
    }
    return CLI_EXIT_OK;
}

/* Says that an earlier results folder was replaced (never silently), once the new one is in. */
static int note_replaced(int exit_code, bool replaces, bool quiet, const char *out_dir) {
    bool written = exit_code == CLI_EXIT_OK || exit_code == CLI_EXIT_EXPECTATIONS_FAILED ||
                   exit_code == CLI_EXIT_INTERRUPTED;
    if (written && replaces && !quiet) {
        fprintf(stderr, "ratelab run: replaced the earlier ratelab results in %s\n", out_dir);
    }
    return exit_code;
}

int cli_run(int argc, char **argv) {
    run_options opts;
    int rc = parse_options("run", argc, argv, true, &opts);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    scenario *s = calloc(1, sizeof *s);
    metrics *m = calloc(1, sizeof *m);
    if (s == NULL || m == NULL) {
        free(s);
        free(m);
        fputs("ratelab run: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    rc = load_scenario(&opts, s);
    if (rc == CLI_EXIT_OK) {
        rc = check_option_conflicts(&opts, s);
    }
    if (rc != CLI_EXIT_OK) {
        free(s);
        free(m);
        return rc;
    }
    if (opts.seed_given) {
        s->seed = opts.seed;
    }
    char out_dir[RESULTS_PATH_BYTES];
    if (opts.out_dir != NULL) {
        snprintf(out_dir, sizeof out_dir, "%s", opts.out_dir);
    } else {
        snprintf(out_dir, sizeof out_dir, "results/runs/%s-seed%" PRIu64, s->name, s->seed);
    }
    bool many = opts.replications > 1 || opts.sweep_count > 0 || s->sweep_key_count > 0;
    bool replaces = false;
    if ((!many || opts.out_dir != NULL) && check_out_place(out_dir, &replaces) != CLI_EXIT_OK) {
        free(m);
        free(s);
        return CLI_EXIT_BAD_INPUT;
    }
    if (opts.shard_count > 0 && !many) {
        fprintf(stderr, "ratelab run: --shard %d/%d splits a sweep's runs; this is one run (add "
                        "--sweep or --replications, or drop --shard)\n",
                opts.shard_index, opts.shard_count);
        free(m);
        free(s);
        return CLI_EXIT_BAD_INPUT;
    }
    if (many && opts.live) {
        fprintf(stderr, "ratelab run: --live runs one scenario once; sweeps and --replications "
                        "are for simulations\n");
        free(m);
        free(s);
        return CLI_EXIT_BAD_INPUT;
    }
    if (many) {
        experiment_spec spec = {
            .file = opts.file, .overrides = opts.overrides, .override_count = opts.override_count,
            .extra_sweep = opts.sweep, .extra_sweep_count = opts.sweep_count,
            .replications = opts.replications > 0 ? opts.replications : 1,
            .seed_given = opts.seed_given, .seed = opts.seed,
            .jobs = opts.jobs > 0 ? opts.jobs : cli_default_jobs(),
            .shard_index = opts.shard_index, .shard_count = opts.shard_count};
        free(m);
        free(s);
        if (opts.plots) {
            fputs("ratelab run: --plots draws one run; for a sweep, use ratelab compare --plots\n",
                  stderr);
            return CLI_EXIT_BAD_INPUT;
        }
        return note_replaced(
            cli_run_experiment(&spec, opts.out_dir, opts.quiet, opts.argc, opts.argv), replaces,
            opts.quiet, out_dir);
    }
    run_provenance provenance = {.scenario_file = opts.file, .overrides = opts.overrides,
                                 .override_count = opts.override_count, .seed_first = s->seed,
                                 .seed_count = 1, .argc = opts.argc, .argv = opts.argv,
                                 .world = opts.live ? "live" : "simulation"};
    if (opts.live) {
        rc = cli_run_live(s, out_dir, &opts.live_opts, &provenance, opts.quiet, opts.plots);
        free(m);
        free(s);
        return note_replaced(rc, replaces, opts.quiet, out_dir);
    }
    progress_state progress = {.shown = false};
    clock_gettime(CLOCK_MONOTONIC, &progress.started);
    bool show = !opts.quiet && isatty(STDERR_FILENO);
    sim_run_stats stats;
    rl_error err;
    rl_error_clear(&err);
    /* From here a first SIGINT/SIGTERM stops the run and the results are still written. Should
     * the handler not install, a signal stops the process the default way. */
    const volatile sig_atomic_t *stop = cli_interrupt_install() == 0 ? cli_interrupt_flag() : NULL;
    run_fill fill = {.provenance = &provenance, .scenario = s, .metrics = m, .stop = stop,
                     .plots = opts.plots, .plots_outcome = {.rc = RL_OK}};
    sim_run_control control = {.progress = show ? show_progress : NULL,
                               .progress_context = &progress,
                               .stop = stop};
    rc = sim_run_controlled(s, m, &stats, &control, &err);
    if (progress.shown) {
        fputc('\n', stderr);
    }
    double wall_s = seconds_since(&progress.started);
    if (rc == RL_OK) {
        run_info info = {.world = "simulation", .events_run = stats.events_run,
                         .jobs_alive_max = stats.jobs_alive_max, .partial = stats.partial};
        fill.info = &info;
        rc = results_write_folder_then(out_dir, s, m, &info, run_fill_folder, &fill, &err);
    }
    cli_interrupt_restore();
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab run: %s: %s\n", opts.file, err.message);
        metrics_destroy(m);
        free(m);
        free(s);
        return rc == RL_ERR_LIMIT ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUN_FAILED;
    }
    if (!opts.quiet) {
        char virtual_text[32];
        units_format_duration(s->duration_us, virtual_text, sizeof virtual_text);
        char partial_text[64] = "";
        if (stats.partial) {
            snprintf(partial_text, sizeof partial_text, " (interrupted at %.1f s: partial results)",
                     (double)stats.end_us / 1e6);
        }
        printf("%s (seed %" PRIu64 "): %" PRId64 " pods, %s virtual%s, %" PRIu64
               " events in %.2f s\n\n",
               s->name, s->seed, scenario_pod_count(s), virtual_text, partial_text,
               stats.events_run, wall_s);
        summary_table_print(stdout, s, m);
        printf("\nresults: %s\n", out_dir);
    }
    if (fill.drawing_interrupted) {
        /* What gnuplot said as it was stopped is not a failure of its own. */
        fprintf(stderr, "ratelab run: interrupted while drawing the figures; partial results in "
                        "%s\n",
                out_dir);
        metrics_destroy(m);
        free(m);
        free(s);
        return note_replaced(CLI_EXIT_INTERRUPTED, replaces, opts.quiet, out_dir);
    }
    int plots_exit = opts.plots ? cli_plots_report("run", out_dir, &fill.plots_outcome, opts.quiet)
                                : CLI_EXIT_OK;
    /* A partial run's figures are not the scenario's: its claims are not checked. */
    int expect_exit = stats.partial ? CLI_EXIT_OK : cli_expectations_report_run(s, m, opts.quiet);
    if (stats.partial) {
        fprintf(stderr,
                "ratelab run: interrupted at %.1f s of %.1f s virtual; partial results in %s\n",
                (double)stats.end_us / 1e6, (double)s->duration_us / 1e6, out_dir);
    }
    metrics_destroy(m);
    free(m);
    free(s);
    if (stats.partial) {
        return note_replaced(CLI_EXIT_INTERRUPTED, replaces, opts.quiet, out_dir);
    }
    return note_replaced(plots_exit != CLI_EXIT_OK ? plots_exit : expect_exit, replaces,
                         opts.quiet, out_dir);
}
