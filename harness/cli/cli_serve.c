/* cli_serve.c - `ratelab serve FILE`: the scenario's mock APIs as a real HTTP server; at the end
 * (or on SIGINT / SIGTERM) the results folder seen from the API, with clients.csv and serve.json. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness/cli/cli.h"
#include "harness/core/units.h"
#include "harness/report/json_writer.h"
#include "harness/report/output_file.h"
#include "harness/report/results_folder.h"
#include "harness/report/results_writer.h"
#include "harness/report/summary_table.h"
#include "harness/scenario/scenario_load.h"
#include "harness/serve/serve_run.h"

typedef struct serve_cli {
    const char *file;
    const char *out_dir;
    bool plots, quiet;
    serve_options options;
    size_t override_count;
    scenario_override overrides[CLI_OVERRIDES_MAX];
} serve_cli;

static void serve_usage(FILE *out) {
    fputs("usage: ratelab serve FILE [--listen HOST:PORT] [--duration D] [--out DIR] [--plots]\n"
          "                          [--set KEY=VALUE ...] [--quiet] [--max-connections N]\n"
          "                          [--header-timeout D] [--idle-timeout D] [--clients N]\n\n"
          "Serves the APIs of the scenario in FILE over HTTP/1.1 in wall-clock time, judged by\n"
          "the same API models as `run`: one port, each API under /<api name>/. A request is\n"
          "answered after the model's latency with 200 (a JSON body), 429 (Retry-After and\n"
          "X-RateLimit-Limit/Remaining/Reset), or its connection closed (a dropped request).\n"
          "Clients are told apart by an X-Client-Id header (else the peer address); a request's\n"
          "token cost is its X-Ratelab-Cost header (else drawn from the API's cost).\n"
          "At the end of the duration, or on Ctrl-C / SIGTERM (partial, exit 4), it writes the\n"
          "results folder as `run` does (\"world\": \"serve\"), with clients.csv (figures per\n"
          "client) and serve.json (connections, and what the server refused).\n\n"
          "options:\n"
          "  --listen HOST:PORT  where to listen (default 127.0.0.1:8080; port 0: any free\n"
          "                      port, printed); loopback unless told otherwise\n"
          "  --duration D        how long to serve (default: the scenario's duration)\n"
          "  --out DIR           results folder (default: results/runs/NAME-serve)\n"
          "  --plots             also draw the figures and write the report page\n"
          "  --set KEY=VALUE     override one scenario value (repeatable)\n"
          "  --quiet             print nothing but errors and the listening line\n"
          "  --max-connections N open connections (default 10000); more are closed at once\n"
          "  --header-timeout D  time to send one request, headers and body (default 10s)\n"
          "  --idle-timeout D    a keep-alive connection idle this long is closed (default 2min)\n"
          "  --clients N         clients with figures of their own (default 1000); later\n"
          "                      ones are counted together as \"(other)\"\n",
          out);
}

/* Splits HOST:PORT ([v6]:PORT too) into options. Returns 0 or -1. */
static int parse_listen(const char *text, serve_options *options) {
    const char *colon = strrchr(text, ':');
    if (colon == NULL) {
        return -1;
    }
    const char *host = text;
    size_t host_length = (size_t)(colon - text);
    if (host_length >= 2 && text[0] == '[' && text[host_length - 1] == ']') {
        host++;
        host_length -= 2;
    }
    long long port;
    if (host_length == 0 || host_length >= sizeof options->host ||
        cli_parse_count(colon + 1, 0, 65535, &port) != 0) {
        return -1;
    }
    memcpy(options->host, host, host_length);
    options->host[host_length] = '\0';
    options->port = (int)port;
    return 0;
}

/* Parses a duration option into *out_us; prints the problem and returns -1 when bad. */
static int parse_duration_option(const char *flag, const char *text, int64_t *out_us) {
    rl_error err;
    if (units_parse_duration_us(text, out_us, &err) != RL_OK || *out_us < 1000) {
        fprintf(stderr, "ratelab serve: %s %s: a duration of at least 1ms, such as 30s\n", flag,
                text);
        return -1;
    }
    return 0;
}

/* Adds --set text to the overrides. Returns 0 or -1 (printed). */
static int add_override(serve_cli *cli, const char *text) {
    rl_error err;
    if (cli->override_count == CLI_OVERRIDES_MAX) {
        fprintf(stderr, "ratelab serve: at most %d --set options\n", CLI_OVERRIDES_MAX);
        return -1;
    }
    if (scenario_override_parse(text, &cli->overrides[cli->override_count], &err) != RL_OK) {
        fprintf(stderr, "ratelab serve: --set %s: %s\n", text, err.message);
        return -1;
    }
    cli->override_count++;
    return 0;
}

/* Parses one option with its value at argv[*i + 1]; returns 0 or -1 (printed). */
static int parse_valued(serve_cli *cli, const char *flag, const char *value) {
    long long count;
    serve_options *o = &cli->options;
    if (strcmp(flag, "--listen") == 0) {
        if (parse_listen(value, o) != 0) {
            fprintf(stderr, "ratelab serve: --listen %s: HOST:PORT, such as 127.0.0.1:8080 or "
                            "[::1]:0 (port 0 to 65535)\n", value);
            return -1;
        }
        return 0;
    }
    if (strcmp(flag, "--duration") == 0) {
        if (cli->override_count == CLI_OVERRIDES_MAX) {
            fprintf(stderr, "ratelab serve: at most %d --set options\n", CLI_OVERRIDES_MAX);
            return -1;
        }
        /* As --set duration=D: the loader checks it (value borrowed from argv). */
        cli->overrides[cli->override_count++] = (scenario_override){"duration", value};
        return 0;
    }
    if (strcmp(flag, "--out") == 0) {
        cli->out_dir = value;
        return 0;
    }
    if (strcmp(flag, "--set") == 0) {
        return add_override(cli, value);
    }
    if (strcmp(flag, "--header-timeout") == 0) {
        return parse_duration_option(flag, value, &o->header_timeout_us);
    }
    if (strcmp(flag, "--idle-timeout") == 0) {
        return parse_duration_option(flag, value, &o->idle_timeout_us);
    }
    if (strcmp(flag, "--max-connections") == 0 || strcmp(flag, "--clients") == 0) {
        bool clients = strcmp(flag, "--clients") == 0;
        long long max = clients ? SERVE_CLIENTS_MAX_LIMIT : 1000000;
        if (cli_parse_count(value, 1, max, &count) != 0) {
            fprintf(stderr, "ratelab serve: %s %s: a whole number from 1 to %lld\n", flag, value,
                    max);
            return -1;
        }
        if (clients) {
            o->clients_max = (int32_t)count;
        } else {
            o->connections_max = count;
        }
        return 0;
    }
    fprintf(stderr, "ratelab serve: unknown option %s (see ratelab serve --help)\n", flag);
    return -1;
}

/* Parses argv into cli. Returns 0, -1 after printing usage for --help, or CLI_EXIT_BAD_INPUT. */
static int parse_args(int argc, char **argv, serve_cli *cli) {
    memset(cli, 0, sizeof *cli);
    serve_options_default(&cli->options);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            serve_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--plots") == 0 || strcmp(arg, "--quiet") == 0) {
            *(arg[2] == 'p' ? &cli->plots : &cli->quiet) = true;
        } else if (strncmp(arg, "--", 2) == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ratelab serve: %s needs a value (see ratelab serve --help)\n",
                        arg);
                return CLI_EXIT_BAD_INPUT;
            }
            if (parse_valued(cli, arg, argv[i + 1]) != 0) {
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (cli->file == NULL) {
            cli->file = arg;
        } else {
            fprintf(stderr, "ratelab serve: one scenario file only (got %s too)\n", arg);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    if (cli->file == NULL) {
        serve_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

/* The context of the callbacks while serving. */
typedef struct serve_show {
    bool status_line; /* stderr is a terminal and not --quiet */
    const scenario *scenario;
} serve_show;

static void on_ready(void *context, const char *url) {
    serve_show *show = context;
    const scenario *s = show->scenario;
    printf("ratelab serve: %s listening on %s for %.0f s; APIs:", s->name, url,
           (double)s->duration_us / 1e6);
    for (int i = 0; i < s->api_count; i++) {
        printf(" %s/%s/", url, s->apis[i].name);
    }
    bool loopback = strstr(url, "//127.") != NULL || strstr(url, "//[::1]") != NULL;
    printf("\n%s\n", loopback ? "(loopback only: other machines cannot reach it)"
                              : "(not loopback: reachable from other machines)");
    fflush(stdout);
}

static void on_progress(void *context, int64_t elapsed_us, int64_t duration_us,
                        const serve_stats *st) {
    serve_show *show = context;
    if (!show->status_line) {
        return;
    }
    fprintf(stderr,
            "\r  %.0f / %.0f s  requests %" PRId64 "  answered %" PRId64 "  dropped %" PRId64
            "  clients %" PRId64 "  connections %" PRId64 "   ",
            (double)elapsed_us / 1e6, (double)duration_us / 1e6, st->requests, st->answered,
            st->dropped, st->clients, st->connections_accepted);
}

/* Writes serve.json: the server's own counts, beside summary.json. */
static void write_serve_json(FILE *out, const serve_stats *st) {
    json_writer w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "listen", st->listen);
    json_bool(&w, "partial", st->partial);
    json_int(&w, "end_us", st->end_us);
    json_int(&w, "requests", st->requests);
    json_int(&w, "answered", st->answered);
    json_int(&w, "dropped", st->dropped);
    json_int(&w, "in_flight_at_end", st->in_flight_at_end);
    json_int(&w, "clients", st->clients);
    json_int(&w, "requests_from_other", st->requests_from_other);
    json_int(&w, "jobs_given_up", st->jobs_given_up);
    json_object_begin(&w, "connections");
    json_int(&w, "accepted", st->connections_accepted);
    json_int(&w, "max_open", st->connections_max_open);
    json_object_end(&w);
    json_object_begin(&w, "refused");
    json_int(&w, "over_connections", st->refused_over_connections);
    json_int(&w, "malformed", st->refused_malformed);
    json_int(&w, "bad_header_value", st->refused_bad_client_id);
    json_int(&w, "headers_too_large", st->refused_headers_too_large);
    json_int(&w, "body_too_large", st->refused_body_too_large);
    json_int(&w, "not_found", st->refused_not_found);
    json_int(&w, "pipeline_full", st->closed_pipeline_full);
    json_int(&w, "slow_reader", st->closed_slow_reader);
    json_int(&w, "header_timeout", st->closed_header_timeout);
    json_object_end(&w);
    json_int(&w, "closed_idle", st->closed_idle);
    json_object_end(&w);
    json_writer_finish(&w);
}

/* What the results folder gets besides the run's files. */
typedef struct serve_fill {
    const metrics *metrics;
    const serve_books *books;
    const serve_stats *stats;
    bool plots;
    cli_plots_outcome plots_outcome;
} serve_fill;

/* Writes one file of dir through writer, every write error caught (output_file). */
static int write_file(const char *dir, const char *name, const serve_fill *fill,
                      void (*writer)(FILE *, const serve_fill *), rl_error *err) {
    FILE *out = NULL;
    int rc = output_file_open(dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    writer(out, fill);
    return output_file_close(out, dir, name, err);
}

static void clients_writer(FILE *out, const serve_fill *fill) {
    serve_books_write_clients_csv(fill->books, out);
}

static void stats_writer(FILE *out, const serve_fill *fill) {
    write_serve_json(out, fill->stats);
}

static int serve_fill_folder(const char *tmp_dir, void *context, rl_error *err) {
    serve_fill *fill = context;
    int rc = write_file(tmp_dir, "clients.csv", fill, clients_writer, err);
    if (rc == RL_OK) {
        rc = write_file(tmp_dir, "serve.json", fill, stats_writer, err);
    }
    if (rc == RL_OK) {
        rc = cli_expectations_write(tmp_dir, fill->metrics->scenario, fill->metrics, err);
    }
    if (rc == RL_OK && fill->plots) {
        rc = cli_plots_fill(tmp_dir, &fill->plots_outcome, err);
    }
    return rc;
}

/* Prints the per-client rows and the server's refusals. */
static void print_clients(const serve_books *books, const serve_stats *st) {
    printf("\nclients (%" PRId64 "): attempts / accepted / 429 / dropped per API\n", st->clients);
    for (int32_t c = 0; c < books->client_count && c < 20; c++) {
        const serve_client *client = books->clients[c];
        printf("  %-24s", client->id);
        for (int a = 0; a < books->scenario->api_count; a++) {
            const serve_client_api *ca = &client->apis[a];
            if (ca->attempts > 0) {
                printf("  %s %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64,
                       books->scenario->apis[a].name, ca->attempts, ca->accepted,
                       ca->rejected_429, ca->dropped);
            }
        }
        putchar('\n');
    }
    if (books->client_count > 20) {
        printf("  ... %" PRId32 " more in clients.csv\n", books->client_count - 20);
    }
    printf("server: %s, %" PRId64 " connections (most open at once %" PRId64 "), refused: %" PRId64
           " malformed, %" PRId64 " bad header values, %" PRId64 " headers too large, %" PRId64
           " bodies too large, %" PRId64 " not found, %" PRId64 " over the connection bound; "
           "closed: %" PRId64 " header timeouts, %" PRId64 " slow readers, %" PRId64
           " pipelines full\n",
           st->listen, st->connections_accepted, st->connections_max_open, st->refused_malformed,
           st->refused_bad_client_id, st->refused_headers_too_large, st->refused_body_too_large,
           st->refused_not_found, st->refused_over_connections, st->closed_header_timeout,
           st->closed_slow_reader, st->closed_pipeline_full);
}

/* Lets the process hold as many sockets as the hard limit allows (10,000 connections). */
static void raise_file_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &limit);
    }
}

/* Serves s, writes the folder and prints; returns the exit code. */
static int serve_and_report(const serve_cli *cli, const scenario *s, const char *out_dir) {
    scenario *books_scenario = calloc(1, sizeof *books_scenario);
    metrics *m = calloc(1, sizeof *m);
    serve_books *books = calloc(1, sizeof *books);
    if (books_scenario == NULL || m == NULL || books == NULL) {
        fputs("ratelab serve: out of memory\n", stderr);
        free(books_scenario);
        free(m);
        free(books);
        return CLI_EXIT_RUN_FAILED;
    }
    serve_stats stats;
    serve_show show = {.status_line = !cli->quiet && isatty(STDERR_FILENO), .scenario = s};
    rl_error err;
    rl_error_clear(&err);
    raise_file_limit();
    int rc = serve_run(s, &cli->options, books_scenario, m, books, &stats, on_ready,
                       on_progress, &show, &err);
    if (show.status_line) {
        fputc('\n', stderr);
    }
    serve_fill fill = {.metrics = m, .books = books, .stats = &stats, .plots = cli->plots};
    if (rc == RL_OK) {
        run_info info = {.world = "serve", .events_run = (uint64_t)stats.requests,
                         .partial = stats.partial};
        rc = results_write_folder_then(out_dir, books_scenario, m, &info, serve_fill_folder,
                                       &fill, &err);
    }
    int exit_code = CLI_EXIT_OK;
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab serve: %s: %s\n", cli->file, err.message);
        bool never_served = stats.connections_accepted == 0;
        exit_code = rc == RL_ERR_INVALID || (rc == RL_ERR_IO && never_served)
                        ? CLI_EXIT_BAD_INPUT
                        : CLI_EXIT_RUN_FAILED;
    } else {
        if (!cli->quiet) {
            char duration_text[32];
            units_format_duration(stats.end_us, duration_text, sizeof duration_text);
            printf("\n%s: served %s%s\n\n", s->name, duration_text,
                   stats.partial ? " (interrupted: partial results)" : "");
            summary_table_print(stdout, books_scenario, m);
            print_clients(books, &stats);
            printf("\nresults: %s\n", out_dir);
        }
        int expect_exit = stats.partial ? CLI_EXIT_OK
                                        : cli_expectations_report_run(books_scenario, m,
                                                                      cli->quiet);
        int plots_exit = cli->plots ? cli_plots_report("serve", out_dir, &fill.plots_outcome,
                                                       cli->quiet)
                                    : CLI_EXIT_OK;
        exit_code = plots_exit != CLI_EXIT_OK ? plots_exit : expect_exit;
        if (stats.partial) {
            fprintf(stderr, "ratelab serve: interrupted; partial results in %s\n", out_dir);
            exit_code = CLI_EXIT_INTERRUPTED;
        }
    }
    serve_books_destroy(books);
    metrics_destroy(m);
    free(books);
    free(m);
    free(books_scenario);
    return exit_code;
}

int cli_serve(int argc, char **argv) {
    serve_cli *cli = calloc(1, sizeof *cli);
    scenario *s = calloc(1, sizeof *s);
    if (cli == NULL || s == NULL) {
        fputs("ratelab serve: out of memory\n", stderr);
        free(cli);
        free(s);
        return CLI_EXIT_RUN_FAILED;
    }
    int exit_code = parse_args(argc, argv, cli);
    if (exit_code == 0) {
        rl_error err;
        if (scenario_load_file(cli->file, cli->overrides, cli->override_count, s, &err) !=
            RL_OK) {
            fprintf(stderr, "%s\n", err.message);
            exit_code = CLI_EXIT_BAD_INPUT;
        } else {
            char out_dir[RESULTS_PATH_BYTES];
            snprintf(out_dir, sizeof out_dir, "%s",
                     cli->out_dir != NULL ? cli->out_dir : "");
            if (cli->out_dir == NULL) {
                snprintf(out_dir, sizeof out_dir, "results/runs/%s-serve", s->name);
            }
            exit_code = serve_and_report(cli, s, out_dir);
        }
    } else if (exit_code == -1) {
        exit_code = CLI_EXIT_OK;
    }
    free(cli);
    free(s);
    return exit_code;
}
