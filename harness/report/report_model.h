/* report_model.h - what the report page shows, gathered once and written as Markdown
 * (report_markdown.c) and HTML (report_html.c). Internal to the report page. */
#ifndef RATELAB_REPORT_MODEL_H
#define RATELAB_REPORT_MODEL_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/report/plot_data.h"
#include "harness/report/provenance.h"
#include "harness/report/report_page.h"
#include "harness/report/summary_read.h"

#define REPORT_EXPECTATIONS_MAX 128
#define REPORT_TEXT_BYTES 512
#define REPORT_FIGURES_MAX (2 * SCENARIO_APIS_MAX + 1)

/* One line of expectations.csv: expression,measured,passed. */
typedef struct report_expectation {
    char expression[REPORT_TEXT_BYTES];
    char measured[64];
    int passed; /* 1 true, 0 false, -1 neither (shown as written) */
    char passed_text[16];
} report_expectation;

/* One figure of the page: a heading, the image as linked, and how to read it. */
typedef struct report_figure {
    char heading[REPORT_TEXT_BYTES];
    char link[REPORT_TEXT_BYTES];
    char hint[REPORT_TEXT_BYTES];
} report_figure;

/* The APIs that are copies of one API (same model, limit, window and burst window), each behind
 * its own limiter: the candidates of one "which limiter?" verdict. */
typedef struct report_api_group {
    int member_count;
    int members[SCENARIO_APIS_MAX];  /* API indexes, best first (the verdict's order) */
    char description[REPORT_TEXT_BYTES]; /* "burst-intolerant, 600 per 1min, 10 in 1s" */
    char verdict[2 * REPORT_TEXT_BYTES];
} report_api_group;

typedef struct report_model {
    run_summary summary;
    provenance_summary provenance; /* present false for a folder written before provenance */
    plot_faults faults;
    bool has_expectations;
    int expectation_count;
    int expectations_failed;
    report_expectation expectations[REPORT_EXPECTATIONS_MAX];
    int figure_count;
    report_figure figures[REPORT_FIGURES_MAX];
    const char *plots_note;
    int group_count;
    report_api_group groups[SCENARIO_APIS_MAX];
    int row_order[SCENARIO_APIS_MAX]; /* the summary table's rows: group by group, best first */
} report_model;

/* Groups the APIs of model->summary into candidates of one API and ranks each group
 * (verdict.h): fills groups, group_count and row_order. */
void report_model_rank(report_model *model);

/* Writes model as Markdown to out. */
void report_markdown_write(FILE *out, const report_model *model);

/* Writes model as a standalone HTML page to out. */
void report_html_write(FILE *out, const report_model *model);

/* The sentence that goes above the description when the run overrode the file: how many
 * settings, and that the description may no longer match; "" when nothing was overridden. */
void report_model_override_note(const report_model *model, char *buf, size_t size);

/* The scenario file the run read: from provenance.json, else summary.json (older folders). */
const char *report_model_scenario_file(const report_model *model);

/* The headline of API i in one sentence, after its name (which the caller writes first, in
 * bold): plain text, no markup, for both formats. */
void report_model_headline(const report_model *model, int i, char *buf, size_t size);

#endif
