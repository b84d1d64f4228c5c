/* cli_progress.h - one progress line on stderr for sweeps, replications, `compare` and
 * `findings`: runs and points done, time elapsed and an estimate of what is left. Shown only when
 * stderr is a terminal (and not --quiet); redrawn in place at most five times a second. */
#ifndef RATELAB_CLI_PROGRESS_H
#define RATELAB_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct cli_progress {
    bool enabled;             /* stderr is a terminal and the command is not quiet */
    bool shown;               /* a line is on the screen: finish ends it */
    struct timespec started;
    double last_drawn_s;      /* elapsed seconds at the last redraw */
    char label[160];          /* what is running, such as "3_burst_intolerance.yaml under gcra" */
} cli_progress;

/* Starts p: enabled when !quiet and stderr is a terminal. */
void cli_progress_begin(cli_progress *p, bool quiet);

/* Sets what the line names (copied, cut to fit). */
void cli_progress_label(cli_progress *p, const char *label);

/* An experiment_progress_fn (context is a cli_progress): redraws the line. */
void cli_progress_runs(void *context, int64_t runs_done, int64_t runs_total, int points_done,
                       int points_total);

/* Ends the line (a newline) when one was drawn, so what follows starts clean. */
void cli_progress_finish(cli_progress *p);

/* Writes "runs R/T, points P/N, E elapsed, about L left" into buf (size bytes): the text of the
 * line, from elapsed_s (the estimate assumes the remaining runs take as long as those done). */
void cli_progress_format(char *buf, size_t size, int64_t runs_done, int64_t runs_total,
                         int points_done, int points_total, double elapsed_s);

#endif
