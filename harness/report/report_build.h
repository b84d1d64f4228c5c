/* report_build.h - what `ratelab plot` and `ratelab run --plots` make of a results folder: its
 * figures, then its report page. */
#ifndef RATELAB_REPORT_BUILD_H
#define RATELAB_REPORT_BUILD_H

#include "harness/core/rl_error.h"
#include "harness/report/plot_format.h"

/* Draws the figures of results_dir into plots_dir (plot_results_folder), then writes report.md
 * and report.html into page_dir, linking each figure as plots_link + its name ("plots/" when
 * plots_dir is page_dir/plots, "" when they are the same folder). The page is written even when
 * the figures could not be drawn (gnuplot missing or failing), and says why. Returns the
 * page's error when it could not be written (a malformed expectations.csv, a full disk), else
 * the figures' outcome (0, RL_ERR_TOOL_MISSING, RL_ERR_TOOL_FAILED, ...; see plot.h). */
int report_build(const char *results_dir, const char *page_dir, const char *plots_dir,
                 const char *plots_link, plot_format format, rl_error *err);

#endif
