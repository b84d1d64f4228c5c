/* plot_figure.c - the generated script of one figure. */
#include "harness/report/plot_figure.h"

#include <unistd.h>

#include "harness/report/gnuplot_text.h"
#include "harness/report/results_folder.h"

void plot_figure_write_head(FILE *out, const char *dir, const char *script, const char *image,
                            const char *kind, plot_format format) {
    char old[RESULTS_PATH_BYTES];
    if (results_path_join(old, sizeof old, dir, image, NULL) == RL_OK) {
        unlink(old);
    }
    fprintf(out,
            "# %s - written by ratelab; draws %s with plot_%s.gp.\n"
            "# To draw it again by hand, from this folder: gnuplot %s\n",
            script, image, kind, script);
    gnuplot_assign_string(out, "fmt", plot_format_name(format));
    gnuplot_assign_string(out, "outfile", image);
    gnuplot_assign_number(out, "size_x", PLOT_WIDTH_PX);
    gnuplot_assign_number(out, "size_y", PLOT_HEIGHT_PX);
}

void plot_figure_write_tail(FILE *out, const char *kind) {
    fprintf(out, "load \"plot_style.gp\"\nload \"plot_%s.gp\"\n", kind);
}
