/* plot_compare.h - the comparison figure of `ratelab compare`: grouped bars per scenario for the
 * 429 rate, latency p99 and wasted quota, one colour per algorithm (plot_palette.h), with the
 * 95% confidence intervals as whiskers when there were replications. */
#ifndef RATELAB_PLOT_COMPARE_H
#define RATELAB_PLOT_COMPARE_H

#include "harness/core/rl_error.h"
#include "harness/report/plot_format.h"

#define PLOT_COMPARE_GROUPS_MAX 64     /* scenario (and API) groups in one figure */
#define PLOT_COMPARE_ALGORITHMS_MAX 16 /* bars per group */

/* The name of the figure compare draws, without its extension. */
#define PLOT_COMPARE_NAME "comparison"

/* Reads comparison_csv_path (a header row naming at least scenario, algorithm, api,
 * replications, rate_429_mean, rate_429_ci95, latency_p99_us_mean, latency_p99_us_ci95,
 * wasted_quota_mean, wasted_quota_ci95; other columns are ignored) and draws out_dir/
 * comparison.png (or .svg): three panels, one group of bars per scenario (per scenario and API
 * when a scenario has several APIs), one bar per algorithm. Beside it go comparison.dat,
 * comparison.gp and the scripts it loads. out_dir is created if missing. Returns 0;
 * RL_ERR_IO when the file cannot be read; RL_ERR_INVALID (one line: file, line, column) when it
 * is malformed or empty; RL_ERR_LIMIT beyond the bounds above; RL_ERR_TOOL_MISSING when gnuplot
 * is not installed (the data and scripts are written all the same); RL_ERR_TOOL_FAILED with
 * gnuplot's first error line. */
int plot_comparison(const char *comparison_csv_path, const char *out_dir, plot_format format,
                    rl_error *err);

#endif
