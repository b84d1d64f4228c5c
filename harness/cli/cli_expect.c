/* cli_expect.c - a run's expectations: written into its results folder, printed, exit code. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/experiment/experiment.h"
#include "harness/report/expectations.h"
#include "harness/report/results_folder.h"

int cli_expectations_write(const char *dir, const scenario *s, const metrics *m, rl_error *err) {
    if (s->expectation_count == 0) {
        return RL_OK;
    }
    double measured[SCENARIO_EXPECT_MAX];
    expectation_result results[SCENARIO_EXPECT_MAX];
    expectations_measure(s, m, measured);
    expectations_check(s, measured, results);
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, "expectations.csv", err);
    if (rc != RL_OK) {
        return rc;
    }
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s", path);
    }
    expectations_write_csv(out, s, results);
    bool failed = ferror(out) != 0; /* a write that failed before the close flushed */
    if (fclose(out) != 0 || failed) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s (disk full?)", path);
    }
    return RL_OK;
}

/* Writes text to out with prefix before each line. */
static void print_prefixed(FILE *out, const char *prefix, const char *text) {
    while (*text != '\0') {
        size_t length = strcspn(text, "\n");
        if (length > 0) {
            fprintf(out, "%s%.*s\n", prefix, (int)length, text);
        }
        text += length;
        if (*text == '\n') {
            text++;
        }
    }
}

int cli_expectations_report_point(const scenario *s, const double *measured, bool quiet,
                                  const char *point) {
    if (s->expectation_count == 0) {
        return CLI_EXIT_OK;
    }
    expectation_result results[SCENARIO_EXPECT_MAX];
    int failed = expectations_check(s, measured, results);
    if (!quiet || failed > 0) {
        FILE *out = quiet ? stderr : stdout;
        if (point == NULL || !quiet) {
            fprintf(out, "\nexpectations: %d of %d hold\n", s->expectation_count - failed,
                    s->expectation_count);
            expectations_print(out, s, results);
        } else {
            /* Quiet, in a sweep: the lines stand alone, so each names its point. */
            char *text = NULL;
            size_t size = 0;
            FILE *buffer = open_memstream(&text, &size);
            if (buffer == NULL) {
                return CLI_EXIT_RUN_FAILED;
            }
            fprintf(buffer, "expectations: %d of %d hold\n", s->expectation_count - failed,
                    s->expectation_count);
            expectations_print(buffer, s, results);
            fclose(buffer);
            char prefix[EXPERIMENT_LABEL_BYTES + 8];
            snprintf(prefix, sizeof prefix, "[%s] ", point);
            print_prefixed(out, prefix, text != NULL ? text : "");
            free(text);
        }
    }
    return failed > 0 ? CLI_EXIT_EXPECTATIONS_FAILED : CLI_EXIT_OK;
}

int cli_expectations_report(const scenario *s, const double *measured, bool quiet) {
    return cli_expectations_report_point(s, measured, quiet, NULL);
}

int cli_expectations_report_run(const scenario *s, const metrics *m, bool quiet) {
    double measured[SCENARIO_EXPECT_MAX];
    expectations_measure(s, m, measured);
    return cli_expectations_report(s, measured, quiet);
}
