/* report_page.h - the page a reviewer opens: report.md and report.html at the top of a results
 * folder, with the headline per API, the summary table, the expectations and their outcome,
 * the fault windows and the figures. Everything comes from the folder's files. */
#ifndef RATELAB_REPORT_PAGE_H
#define RATELAB_REPORT_PAGE_H

#include "harness/core/rl_error.h"
#include "harness/report/plot_format.h"

/* Where the page's parts are (all borrowed). */
typedef struct report_page_options {
    const char *results_dir; /* summary.json, and expectations.csv / faults.csv when present */
    const char *page_dir;    /* receives report.md and report.html */
    const char *plots_dir;   /* where the figures are looked for */
    const char *plots_link;  /* the figures' folder as the page links it: "plots/" or "" */
    plot_format format;
    const char *plots_note;  /* NULL, or why the figures are missing (shown on the page) */
} report_page_options;

/* Writes report.md and report.html. A figure that is not in plots_dir is left out. Returns 0,
 * RL_ERR_INVALID (a malformed summary.json or expectations.csv), RL_ERR_IO or RL_ERR_NOMEM. */
int report_page_write(const report_page_options *options, rl_error *err);

#endif
