/* plot_format.h - the image formats ratelab draws: PNG (the default) and SVG. */
#ifndef RATELAB_PLOT_FORMAT_H
#define RATELAB_PLOT_FORMAT_H

#include "harness/core/rl_error.h"

/* Every figure is 1600x900 pixels, in either format. */
#define PLOT_WIDTH_PX 1600
#define PLOT_HEIGHT_PX 900

typedef enum plot_format {
    PLOT_FORMAT_PNG = 0,
    PLOT_FORMAT_SVG
} plot_format;

/* The format's name and file extension: "png" or "svg" (a static string). */
const char *plot_format_name(plot_format format);

/* Parses "png" or "svg" into *out. Returns 0 or RL_ERR_INVALID with a message. */
int plot_format_parse(const char *text, plot_format *out, rl_error *err);

#endif
