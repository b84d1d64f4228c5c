/* plot_format.c - the image formats ratelab draws. */
#include "harness/report/plot_format.h"

#include <string.h>

const char *plot_format_name(plot_format format) {
    return format == PLOT_FORMAT_SVG ? "svg" : "png";
}

int plot_format_parse(const char *text, plot_format *out, rl_error *err) {
    if (strcmp(text, "png") == 0) {
        *out = PLOT_FORMAT_PNG;
        return RL_OK;
    }
    if (strcmp(text, "svg") == 0) {
        *out = PLOT_FORMAT_SVG;
        return RL_OK;
    }
    return rl_error_set(err, RL_ERR_INVALID, "'%s' is not an image format; use png or svg", text);
}
