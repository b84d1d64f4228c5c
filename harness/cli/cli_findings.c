/* cli_findings.c - `ratelab findings FILE...`: for each scenario, what its source claims, what
 * the simulation measured (mean and 95% CI over seeds), and whether each claim held, as one
 * Markdown document (docs/FINDINGS.md is this command's output, never typed by hand). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/cli/cli_progress.h"
#include "harness/compare/ablation.h"
#include "harness/compare/compare_table.h"
#include "harness/compare/verdict_experiment.h"
#include "harness/experiment/experiment.h"
#include "harness/report/expectations.h"
#include "harness/report/figures.h"

#define FINDINGS_FILES_MAX 64
#define FINDINGS_REPLICATIONS_DEFAULT 5

static void findings_usage(FILE *out) {
    fputs("usage: ratelab findings FILE... [--replications N] [--jobs N]\n\n"
          "Runs each scenario (N seeds, default 5) and prints Markdown: the scenario's claim\n"
          "(its `claim:` text), its assumptions (its description), the measured table with 95%\n"
          "confidence intervals, and each `expect:` condition with its measured mean, PASS or\n"
          "FAIL. scripts/findings.sh writes docs/FINDINGS.md with it. Exits 1 when a\n"
          "condition fails (the document is still printed).\n",
          out);
}

/* Prints text as a Markdown block quote. */
static void print_quoted(const char *text) {
    const char *line = text;
    while (*line != '\0') {
        size_t length = strcspn(line, "\n");
        printf(">%s%.*s\n", length > 0 ? " " : "", (int)length, line);
        line += length;
        if (*line == '\n') {
            line++;
        }
    }
}

/* Prints one scenario's section. Returns how many expectations failed, or -1 on error. */
static int print_section(const experiment_spec *spec, int index, cli_progress *progress) {
    experiment *e = calloc(1, sizeof *e);
    compare_table table = {0};
    if (e == NULL) {
        fputs("ratelab findings: out of memory\n", stderr);
        return -1;
    }
    rl_error err;
    rl_error_clear(&err);
    int rc = experiment_plan(spec, e, &err);
    if (rc == RL_OK) {
        rc = experiment_run(spec, e, &err);
        cli_progress_finish(progress);
    }
    if (rc == RL_OK) {
        rc = compare_table_add_experiment(&table, e, NULL, &err);
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab findings: %s: %s\n", spec->file, err.message);
        experiment_free(e);
        free(e);
        return -1;
    }
    printf("## %d. %s\n\nFile: `%s`. Simulated, seeds %llu to %llu.\n\n", index, e->base.name,
           spec->file, (unsigned long long)e->seed,
           (unsigned long long)(e->seed + (uint64_t)e->replications - 1));
    if (e->base.claim[0] != '\0') {
        puts("**The claim:**\n");
        print_quoted(e->base.claim);
        puts("");
    }
    if (e->base.description[0] != '\0') {
        puts("**Set-up and assumptions** (the scenario's description):\n");
        print_quoted(e->base.description);
        puts("");
    }
    puts("**Measured** (mean ± half-width of the 95% confidence interval):\n");
    compare_table_write_markdown(stdout, &table);
    puts("\n**Which limiter?** (copies of one API ranked on the figures of its kind; a figure "
         "decides only where the intervals do not overlap)\n");
    verdict_experiment_write(stdout, e);
    int failed = 0;
    for (int p = 0; p < e->point_count && e->expectation_count > 0; p++) {
        printf("\n**Expectations%s%s:**\n\n", e->points[p].label[0] != '\0' ? " at " : "",
               e->points[p].label);
        for (int i = 0; i < e->expectation_count; i++) {
            double mean = experiment_expectation_mean(e, p, i);
            const scenario_expectation *x = &e->base.expectations[i];
            bool passed = expectation_holds(x->op, mean, x->threshold);
            char shown[48];
            figures_format((figure_id)x->figure, mean, shown, sizeof shown);
            printf("- %s `%s`: measured %s\n", passed ? "PASS" : "**FAIL**", x->text, shown);
            failed += passed ? 0 : 1;
        }
    }
    printf("\n**Verdict:** %s\n\n",
           e->expectation_count == 0 ? "no claim stated as an expectation"
           : failed == 0             ? "every expectation holds in the model"
                                     : "some expectations do not hold in the model (above)");
    ablation_result ablation;
    ablation_check(e, &ablation);
    if (ablation.contradicts) {
        printf("**Ablation check: FLAGGED.** The claim credits an algorithm, but its ablation "
               "says the burst tolerance decides: %s\n\n",
               ablation.text);
    } else if (ablation.has_ablation) {
        printf("**Ablation check:** the ablation does not contradict the claim. %s\n\n",
               ablation.text);
    } else {
        printf("**Ablation check:** %s\n\n", ablation.text);
    }
    compare_table_free(&table);
    experiment_free(e);
    free(e);
    return failed;
}

int cli_findings(int argc, char **argv) {
    const char *files[FINDINGS_FILES_MAX];
    int file_count = 0;
    experiment_spec spec = {.replications = FINDINGS_REPLICATIONS_DEFAULT,
                            .jobs = cli_default_jobs()};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            findings_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((strcmp(arg, "--replications") == 0 || strcmp(arg, "--jobs") == 0) && i + 1 < argc) {
            long long value;
            if (cli_parse_count(argv[i + 1], 1, 256, &value) != 0) {
                fprintf(stderr, "ratelab findings: %s %s: a whole number from 1 to 256\n", arg,
                        argv[i + 1]);
                return CLI_EXIT_BAD_INPUT;
            }
            *(arg[2] == 'r' ? &spec.replications : &spec.jobs) = (int)value;
            i++;
        } else if (arg[0] == '-') {
            fprintf(stderr, "ratelab findings: unknown option or missing value '%s'\n", arg);
            findings_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (file_count == FINDINGS_FILES_MAX) {
            fprintf(stderr, "ratelab findings: at most %d files\n", FINDINGS_FILES_MAX);
            return CLI_EXIT_BAD_INPUT;
        } else {
            files[file_count++] = arg;
        }
    }
    if (file_count == 0) {
        findings_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    puts("# Findings: the seed's claims, measured\n");
    puts("Generated by `scripts/findings.sh` (`ratelab findings` over `scenarios/seed/*.yaml`):");
    puts("do not edit by hand. Each section is one scenario file: the claim it tests, the");
    puts("assumptions it makes, what the simulation measured, and each expectation with its");
    puts("measured mean. Figures are defined in [METRICS.md](METRICS.md). The model is the");
    puts("model: a claim that holds here holds under the stated assumptions, no more.\n");
    int failed = 0;
    cli_progress progress;
    cli_progress_begin(&progress, false);
    spec.progress = cli_progress_runs;
    spec.progress_context = &progress;
    for (int f = 0; f < file_count; f++) {
        spec.file = files[f];
        char label[sizeof progress.label];
        snprintf(label, sizeof label, "%s (file %d of %d)", files[f], f + 1, file_count);
        cli_progress_label(&progress, label);
        int rc = print_section(&spec, f + 1, &progress);
        if (rc < 0) {
            return CLI_EXIT_BAD_INPUT;
        }
        failed += rc;
    }
    return failed > 0 ? CLI_EXIT_EXPECTATIONS_FAILED : CLI_EXIT_OK;
}
