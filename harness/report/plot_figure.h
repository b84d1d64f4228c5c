/* plot_figure.h - the generated script of one figure (NAME.gp): its settings, then the loads of
 * plot_style.gp and the script of its kind (plot_KIND.gp). Shared by every kind of figure. */
#ifndef RATELAB_PLOT_FIGURE_H
#define RATELAB_PLOT_FIGURE_H

#include <stdio.h>

#include "harness/report/plot_format.h"

/* Writes the head of script (a file name) drawing image with plot_KIND.gp: a comment on how
 * to re-draw it, then fmt, outfile, size_x and size_y. Also removes an older dir/image, so a
 * draw that fails leaves no stale figure behind. */
void plot_figure_write_head(FILE *out, const char *dir, const char *script, const char *image,
                            const char *kind, plot_format format);

/* Writes the tail of a figure script: load "plot_style.gp" and load "plot_KIND.gp". */
void plot_figure_write_tail(FILE *out, const char *kind);

#endif
