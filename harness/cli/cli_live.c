/* cli_live.c - the live branch of `ratelab run`: run against a real Redis, report, clean up. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/core/units.h"
#include "harness/live/live_run.h"
#include "harness/report/provenance.h"
#include "harness/report/json_writer.h"
#include "harness/report/output_file.h"
#include "harness/report/results_writer.h"
#include "harness/report/summary_table.h"

int cli_live_outage_parse(const char *text, int *out) {
    const char *names[] = {"proxy", "pause", "kill"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

static void show_live_progress(void *context, int64_t elapsed_us, int64_t duration_us) {
    (void)context;
    fprintf(stderr, "\r  %.0f / %.0f s live   ", (double)elapsed_us / 1e6,
            (double)duration_us / 1e6);
}

static void print_store_line(const live_run_stats *st) {
    printf("store: %s%s, %" PRId64 " commands: %" PRId64 " answered, %" PRId64
           " error replies, %" PRId64 " refused, %" PRId64 " timed out, %" PRId64
           " still in flight at the end; %" PRId64 " reconnects, %" PRId64
           " NOSCRIPT reloads, most in flight %" PRId64 "\n",
           st->server, st->server_embedded ? " (started by ratelab, now stopped)" : "",
           st->store_commands, st->store_ok, st->store_errors, st->store_refused,
           st->store_timeouts, st->store_unanswered, st->store_reconnects, st->noscript_reloads,
           st->store_in_flight_max);
    if (st->store_error_first[0] != '\0') {
        printf("store: first error: %s\n", st->store_error_first);
    }
    if (st->keys_cleanup_failed) {
        printf("keys: could not delete this run's keys: %s\n", st->keys_cleanup_error);
    } else {
        printf("keys: deleted %" PRId64 " of this run's keys\n", st->keys_deleted);
    }
}

/* live_store.json: what the store client saw, every command in one of five counts. */
static int live_store_write(const char *dir, const live_run_stats *st, rl_error *err) {
    FILE *out = NULL;
    int rc = output_file_open(dir, "live_store.json", &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    json_writer w;
    json_writer_init(&w, out);
    json_string(&w, "server", st->server);
    json_int(&w, "commands", st->store_commands);
    json_int(&w, "answered", st->store_ok);
    json_int(&w, "error_replies", st->store_errors);
    json_int(&w, "refused", st->store_refused);
    json_int(&w, "timed_out", st->store_timeouts);
    json_int(&w, "in_flight_at_end", st->store_unanswered);
    json_int(&w, "oversized_replies", st->store_oversized);
    json_int(&w, "in_flight_max", st->store_in_flight_max);
    json_int(&w, "reconnects", st->store_reconnects);
    json_int(&w, "noscript_reloads", st->noscript_reloads);
    json_int(&w, "loop_late_max_us", st->loop_late_max_us);
    json_string(&w, "first_error", st->store_error_first);
    json_int(&w, "keys_deleted", st->keys_deleted);
    json_string(&w, "keys_cleanup_error", st->keys_cleanup_error);
    json_writer_finish(&w);
    return output_file_close(out, dir, "live_store.json", err);
}

/* What the results folder gets before it takes its final name: the store's counts,
 * expectations, then figures. */
typedef struct live_fill {
    const run_provenance *provenance;
    const metrics *metrics;
    const live_run_stats *stats;
    bool plots;
    cli_plots_outcome plots_outcome;
} live_fill;

static int live_fill_folder(const char *tmp_dir, void *context, rl_error *err) {
    live_fill *fill = context;
    int rc = provenance_write(tmp_dir, fill->provenance, err);
    if (rc == RL_OK) {
        rc = live_store_write(tmp_dir, fill->stats, err);
    }
    if (rc == RL_OK) {
        rc = cli_expectations_write(tmp_dir, fill->metrics->scenario, fill->metrics, err);
    }
    if (rc == RL_OK && fill->plots) {
        rc = cli_plots_fill(tmp_dir, &fill->plots_outcome, err);
    }
    return rc;
}

int cli_run_live(const scenario *s, const char *out_dir, const live_options *options,
                 run_provenance *provenance, bool quiet, bool plots) {
    const char *file = provenance->scenario_file;
    metrics *m = calloc(1, sizeof *m); /* large: not on the stack */
    if (m == NULL) {
        fputs("ratelab run --live: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    live_run_stats stats;
    rl_error err;
    rl_error_clear(&err);
    bool show = !quiet && isatty(STDERR_FILENO);
    int rc = live_run(s, options, m, &stats, show ? show_live_progress : NULL, NULL, &err);
    if (show) {
        fputc('\n', stderr);
    }
    provenance->redis_server = stats.server;
    provenance->redis_version = stats.server_version[0] != '\0' ? stats.server_version : NULL;
    live_fill fill = {.provenance = provenance, .metrics = m, .stats = &stats, .plots = plots,
                      .plots_outcome = {.rc = RL_OK}};
    if (rc == RL_OK) {
        run_info info = {.world = "live", .events_run = stats.events_run,
                         .jobs_alive_max = stats.jobs_alive_max, .partial = stats.partial};
        rc = results_write_folder_then(out_dir, s, m, &info, live_fill_folder, &fill, &err);
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab run --live: %s: %s\n", file, err.message);
        metrics_destroy(m);
        free(m);
        /* A server that cannot be used before any pod ran (refused, wrong password, not Redis,
         * no redis-server to start): nothing was run and nothing written, as for bad input. */
        bool never_started = rc == RL_ERR_IO && stats.events_run == 0;
        return rc == RL_ERR_INVALID || rc == RL_ERR_LIMIT || never_started ? CLI_EXIT_BAD_INPUT
                                                                           : CLI_EXIT_RUN_FAILED;
    }
    if (!quiet) {
        char duration_text[32];
        units_format_duration(stats.end_us, duration_text, sizeof duration_text);
        printf("%s (seed %" PRIu64 "): %" PRId64 " pods, %s live%s\n\n", s->name, s->seed,
               scenario_pod_count(s), duration_text,
               stats.partial ? " (interrupted: partial results)" : "");
        summary_table_print(stdout, s, m);
        print_store_line(&stats);
        printf("\nresults: %s\n", out_dir);
    }
    int expect_exit = stats.partial ? CLI_EXIT_OK : cli_expectations_report_run(s, m, quiet);
    char store_failure[512];
    bool store_failed = live_run_store_failed(s, &stats, store_failure, sizeof store_failure);
    int plots_exit = plots ? cli_plots_report("run", out_dir, &fill.plots_outcome, quiet)
                           : CLI_EXIT_OK;
    metrics_destroy(m);
    free(m);
    if (stats.partial) {
        fprintf(stderr, "ratelab run --live: interrupted; partial results in %s\n", out_dir);
        return CLI_EXIT_INTERRUPTED;
    }
    if (store_failed) {
        fprintf(stderr, "ratelab run --live: %s: %s; results in %s\n", file, store_failure,
                out_dir);
        return CLI_EXIT_RUN_FAILED;
    }
    return plots_exit != CLI_EXIT_OK ? plots_exit : expect_exit;
}
