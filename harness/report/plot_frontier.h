/* plot_frontier.h - the figure of `ratelab tune`: each point it ran, against the rate, in four
 * panels (429 rate, latency p99, wasted quota, done ratio), with 95% confidence intervals as
 * whiskers. Points on the Pareto frontier are blue, the others grey; a filled mark is safe
 * (every constraint holds), a hollow one is not; the best point is ringed. When the burst
 * varies, frontier points carry their burst (when there are at most 8 of them). */
#ifndef RATELAB_PLOT_FRONTIER_H
#define RATELAB_PLOT_FRONTIER_H

#include "harness/core/rl_error.h"
#include "harness/report/plot_format.h"

/* The name of the figure, without its extension. */
#define PLOT_FRONTIER_NAME "frontier"

/* Most points one figure draws. */
#define PLOT_FRONTIER_POINTS_MAX 10000

/* What the figure says beside the data. Strings borrowed. */
typedef struct plot_frontier_options {
    const char *title;    /* first line of the title, such as "stampede: shared_gcra" */
    int threshold_panel;  /* 0..3 (429, p99, wasted, done): draw threshold there; -1 none */
    double threshold;     /* in the panel's unit: % for ratios, s for latency */
    const char *threshold_text; /* written by the line, such as "rate_429 < 0.001"; may be NULL */
} plot_frontier_options;

/* Reads points_csv_path (columns rate_per_s, burst, verdict, on_frontier, best, and the mean
 * and ci95 of rate_429, latency_p99_us, wasted_quota and done_ratio; others ignored) and draws
 * out_dir/frontier.png (or .svg), with frontier.dat, frontier.gp and the scripts it loads beside
 * it. Returns 0; RL_ERR_IO when the file cannot be read; RL_ERR_INVALID when it is malformed or
 * empty; RL_ERR_LIMIT beyond PLOT_FRONTIER_POINTS_MAX rows; RL_ERR_TOOL_MISSING when gnuplot is
 * not installed (data and scripts are written all the same); RL_ERR_TOOL_FAILED with gnuplot's
 * first error line. */
int plot_frontier(const char *points_csv_path, const char *out_dir, plot_format format,
                  const plot_frontier_options *options, rl_error *err);

#endif
