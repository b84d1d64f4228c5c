/* plot_palette.h - the one palette of ratelab's figures: a limiter always gets the same colour.
 *
 * The hue comes from the algorithm (gcra, token_bucket, ...), from one fixed table; a limiter
 * held in each pod's memory (`@local`) is drawn in a lighter tint of its algorithm's colour and
 * dashed, one held in the store (`@redis`) in the full colour and solid. */
#ifndef RATELAB_PLOT_PALETTE_H
#define RATELAB_PLOT_PALETTE_H

#include <stdbool.h>

/* "#rrggbb" and its terminating zero. */
#define PLOT_COLOR_BYTES 8

/* Writes the colour of a limiter label into color: the label as the summary names it
 * ("gcra_pace@redis", "token_bucket@local", "none", "gcra@redis+none": the first one counts)
 * or a bare algorithm name. Unknown algorithms get a colour from a spare list, chosen by a hash
 * of the name, so they too keep their colour from figure to figure. */
void plot_palette_color(const char *label, char color[PLOT_COLOR_BYTES]);

/* The colour of series index (from 0) of a figure whose series must all differ (variants of
 * one algorithm): a fixed list of distinct hues without red, green and orange, then again. */
void plot_palette_series_color(int index, char color[PLOT_COLOR_BYTES]);

/* True when the label's (first) limiter is held in each pod (`@local`): drawn dashed. */
bool plot_palette_is_local(const char *label);

#endif
