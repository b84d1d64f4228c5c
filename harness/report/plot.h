/* plot.h - a results folder's figures: per API over time (requests per second and their fate,
 * bursts against the allowance) and the latency of every API, drawn by gnuplot.
 *
 * Everything comes from the folder's files alone (summary.json, timeseries.csv,
 * latency_histogram.csv, and faults.csv when present). ratelab writes the data (NAME.dat), a
 * small script per figure (NAME.gp) and copies of scripts/plot_*.gp into the plots folder,
 * then runs gnuplot there: the folder can be moved, and any figure re-drawn by hand with
 * `gnuplot NAME.gp` from inside it. docs/PLOTS.md says how to read each figure. */
#ifndef RATELAB_PLOT_H
#define RATELAB_PLOT_H

#include <stddef.h>

#include "harness/core/rl_error.h"
#include "harness/report/plot_format.h"

/* The kinds of figure of a results folder. */
#define PLOT_KIND_TIMESERIES "timeseries" /* per API: requests per second, limit line */
#define PLOT_KIND_BURSTS "bursts"         /* per API: most requests in its burst window */
#define PLOT_KIND_LATENCY "latency"       /* all APIs: cumulative job latency */

/* Writes the file name of a figure into buf (size bytes): "KIND_API.EXT", or "KIND.EXT" when
 * api is NULL. Returns 0 or RL_ERR_INVALID when it does not fit. */
int plot_image_name(char *buf, size_t size, const char *kind, const char *api,
                    plot_format format, rl_error *err);

/* Draws the figures of the results folder results_dir into plots_dir (created if missing;
 * plots_dir may be results_dir/plots). Returns:
 *   0 when every figure was drawn;
 *   RL_ERR_INVALID before writing anything when a file is missing or malformed (one line naming
 *     the folder and the file);
 *   RL_ERR_TOOL_MISSING (GNUPLOT_MISSING_MESSAGE) when gnuplot is not installed: the data and
 *     the scripts are written all the same, only the images are missing;
 *   RL_ERR_TOOL_FAILED with gnuplot's first error line; RL_ERR_IO, RL_ERR_NOMEM. */
int plot_results_folder(const char *results_dir, const char *plots_dir, plot_format format,
                        rl_error *err);

/* Checks that results_dir holds the files the figures and the report page need (summary.json,
 * timeseries.csv, latency_histogram.csv). Returns 0 or RL_ERR_INVALID with one line such as
 * "results/x: no timeseries.csv; not a complete ratelab results folder". */
int plot_results_check(const char *results_dir, rl_error *err);

#endif
