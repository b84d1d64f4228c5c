/* cli_plot.c - `ratelab plot RESULTS_DIR`: the figures and the report page of a results folder. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/report/plot.h"
#include "harness/report/report_build.h"
#include "harness/report/results_folder.h"
#include "harness/report/results_marker.h"

static void plot_usage(FILE *out) {
    fputs("usage: ratelab plot RESULTS_DIR [--format png|svg] [--out DIR]\n\n"
          "Draws the figures of a results folder with gnuplot, from its files alone: per API,\n"
          "requests per second over time against the API's limit, and bursts against what the\n"
          "API allows; and the job latency of every API. Writes report.md and report.html,\n"
          "the page a reviewer opens, with the summary table, the expectations and the\n"
          "figures. How to read the figures: docs/PLOTS.md.\n\n"
          "options:\n"
          "  --format png|svg  image format (default png, 1600x900)\n"
          "  --out DIR         where the figures and the report page go (default: the figures\n"
          "                    in RESULTS_DIR/plots, the report page in RESULTS_DIR)\n\n"
          "Beside each figure are its data (NAME.dat) and script (NAME.gp): `gnuplot NAME.gp`\n"
          "from that folder draws it again. Without gnuplot, the data, the scripts and the\n"
          "report page are still written, one line says how to install gnuplot, and the exit\n"
          "code is 3. Exit codes: 0 ok, 2 bad input (a missing or incomplete folder), 3 the\n"
          "figures could not be drawn.\n",
          out);
}

int cli_plot_exit_code(int rc) {
    switch (rc) {
    case RL_OK: return CLI_EXIT_OK;
    case RL_ERR_INVALID:
    case RL_ERR_UNKNOWN:
    case RL_ERR_LIMIT: return CLI_EXIT_BAD_INPUT;
    default: return CLI_EXIT_RUN_FAILED;
    }
}

typedef struct plot_options {
    const char *results_dir;
    const char *out_dir;
    plot_format format;
} plot_options;

/* Returns -1 after --help, 0 when parsed, or CLI_EXIT_BAD_INPUT after printing the problem. */
static int parse_plot_options(int argc, char **argv, plot_options *opts) {
    memset(opts, 0, sizeof *opts);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        rl_error err;
        rl_error_clear(&err);
        if (cli_is_help(arg)) {
            plot_usage(stdout);
            return -1;
        } else if (strcmp(arg, "--format") == 0 && value != NULL) {
            if (plot_format_parse(value, &opts->format, &err) != RL_OK) {
                fprintf(stderr, "ratelab plot: --format: %s\n", err.message);
                return CLI_EXIT_BAD_INPUT;
            }
            i++;
        } else if (strcmp(arg, "--out") == 0 && value != NULL) {
            opts->out_dir = value;
            i++;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            bool needs_value = strcmp(arg, "--format") == 0 || strcmp(arg, "--out") == 0;
            fprintf(stderr, "ratelab plot: %s '%s'\n",
                    needs_value ? "missing value after" : "unknown option", arg);
            plot_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (opts->results_dir == NULL) {
            opts->results_dir = arg;
        } else {
            fprintf(stderr, "ratelab plot: unexpected argument '%s' (one RESULTS_DIR only)\n",
                    arg);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    if (opts->results_dir == NULL) {
        fputs("ratelab plot: missing RESULTS_DIR\n", stderr);
        plot_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

int cli_plot(int argc, char **argv) {
    plot_options opts;
    int rc = parse_plot_options(argc, argv, &opts);
    if (rc != 0) {
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    char plots_dir[RESULTS_PATH_BYTES];
    rl_error err;
    rl_error_clear(&err);
    const char *page_dir = opts.out_dir != NULL ? opts.out_dir : opts.results_dir;
    const char *plots_link = opts.out_dir != NULL ? "" : "plots/";
    if (opts.out_dir != NULL) {
        snprintf(plots_dir, sizeof plots_dir, "%s", opts.out_dir);
    } else if (results_path_join(plots_dir, sizeof plots_dir, opts.results_dir, "plots", &err) !=
               RL_OK) {
        fprintf(stderr, "ratelab plot: %s\n", err.message);
        return CLI_EXIT_BAD_INPUT;
    }
    /* Drawn into a results folder ratelab wrote, the figures and the page join its marker, so
     * that a later run may still replace the folder whole. */
    rl_error marker_err;
    bool marked =
        opts.out_dir == NULL && results_marker_check(opts.results_dir, &marker_err) == RL_OK;
    rc = report_build(opts.results_dir, page_dir, plots_dir, plots_link, opts.format, &err);
    if (marked && results_marker_write(opts.results_dir, &marker_err) != RL_OK && rc == RL_OK) {
        rc = marker_err.code;
        err = marker_err;
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab plot: %s\n", err.message);
        return cli_plot_exit_code(rc);
    }
    printf("figures: %s\nreport: %s/report.md\n", plots_dir, page_dir);
    return CLI_EXIT_OK;
}

int cli_plots_fill(const char *tmp_dir, void *context, rl_error *err) {
    cli_plots_outcome *outcome = context;
    char plots_dir[RESULTS_PATH_BYTES];
    int rc = results_path_join(plots_dir, sizeof plots_dir, tmp_dir, "plots", err);
    if (rc != RL_OK) {
        return rc;
    }
    rl_error_clear(&outcome->err);
    rc = report_build(tmp_dir, tmp_dir, plots_dir, "plots/", PLOT_FORMAT_PNG, &outcome->err);
    outcome->rc = rc;
    if (rc == RL_ERR_TOOL_MISSING || rc == RL_ERR_TOOL_FAILED) {
        return RL_OK; /* the data is complete: keep the folder, warn afterwards */
    }
    if (rc != RL_OK) {
        *err = outcome->err;
    }
    return rc;
}

int cli_plots_report(const char *command, const char *out_dir, const cli_plots_outcome *outcome,
                     int quiet) {
    if (outcome->rc == RL_ERR_TOOL_MISSING) {
        fprintf(stderr, "ratelab %s: %s\n", command, outcome->err.message);
        return CLI_EXIT_OK;
    }
    if (outcome->rc != RL_OK) {
        fprintf(stderr, "ratelab %s: figures: %s\n", command, outcome->err.message);
        return CLI_EXIT_RUN_FAILED;
    }
    if (!quiet) {
        printf("report: %s/report.md (figures in %s/plots)\n", out_dir, out_dir);
    }
    return CLI_EXIT_OK;
}
