/* plot_scripts.h - the gnuplot scripts of scripts/plot_*.gp, built into ratelab (the build
 * generates their bytes with cmake/embed_scripts.cmake). */
#ifndef RATELAB_PLOT_SCRIPTS_H
#define RATELAB_PLOT_SCRIPTS_H

#include <stddef.h>

#include "harness/core/rl_error.h"

/* One script: its file name ("plot_timeseries.gp") and its text (size bytes, then a zero). */
typedef struct plot_script {
    const char *name;
    const unsigned char *text;
    size_t size;
} plot_script;

/* The built-in scripts, sorted by name (generated; constant). */
extern const plot_script plot_scripts_builtin[];
extern const int plot_scripts_builtin_count;

/* The built-in script called name, or NULL (static data, never freed). */
const plot_script *plot_script_find(const char *name);

/* Writes a copy of the built-in script called name into dir (as dir/name). Returns 0,
 * RL_ERR_UNKNOWN when there is no such script, or RL_ERR_IO / RL_ERR_INVALID. */
int plot_script_write(const char *dir, const char *name, rl_error *err);

#endif
