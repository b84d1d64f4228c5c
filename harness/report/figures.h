/* figures.h - a finished run's headline figures, by figure_id (harness/scenario/figure.h). */
#ifndef RATELAB_FIGURES_H
#define RATELAB_FIGURES_H

#include "harness/metrics/metrics.h"
#include "harness/scenario/figure.h"

/* The value of figure id for API api_index (ignored for store figures) of m, which must be
 * finished; in the figure's unit (a ratio, us, or a count). */
double figures_value(const metrics *m, int api_index, figure_id id);

/* Writes value as the figure's unit shows it ("0.12%", "33.4s", "600") into buf (size bytes). */
void figures_format(figure_id id, double value, char *buf, unsigned long size);

#endif
