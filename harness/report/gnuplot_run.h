/* gnuplot_run.h - running gnuplot on a script, as a child process (no shell). */
#ifndef RATELAB_GNUPLOT_RUN_H
#define RATELAB_GNUPLOT_RUN_H

#include "harness/core/rl_error.h"

/* The program ratelab draws with, looked up in PATH. */
#define GNUPLOT_PROGRAM "gnuplot"

/* What ratelab says when gnuplot is not installed. */
#define GNUPLOT_MISSING_MESSAGE "gnuplot not found; install it with: sudo apt-get install gnuplot-nox"

/* A script that runs longer than this is stopped (SIGALRM, set before exec). */
#define GNUPLOT_TIMEOUT_S 120

/* The most scripts one gnuplot process runs. */
#define GNUPLOT_SCRIPTS_MAX 32

/* Runs `program script...` (program looked up in PATH, normally GNUPLOT_PROGRAM; the
 * script_count names in scripts, run in order by one process, which stops at the first error)
 * with dir as its working folder, so the scripts and their data are named relative to dir.
 * stdin and stdout are /dev/null; stderr is read. Returns 0 when gnuplot exited with 0;
 * RL_ERR_TOOL_MISSING with GNUPLOT_MISSING_MESSAGE when program is not in PATH;
 * RL_ERR_TOOL_FAILED with gnuplot's first error line when it failed; RL_ERR_IO when no
 * process could be started; RL_ERR_LIMIT beyond GNUPLOT_SCRIPTS_MAX scripts. */
int gnuplot_run(const char *program, const char *dir, const char *const *scripts,
                int script_count, rl_error *err);

/* Finds the line that names gnuplot's first error in its stderr output (text, NUL-terminated):
 * the first line of the form `"file" line N: message` that is not a warning, else the first
 * line with text. Copies it, trimmed, into out (out_size bytes; "" when none). */
void gnuplot_first_error_line(const char *text, char *out, int out_size);

#endif
