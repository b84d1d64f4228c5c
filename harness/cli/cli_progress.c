/* cli_progress.c - the progress line of many runs, on stderr when it is a terminal. */
#include "harness/cli/cli_progress.h"

#include <stdio.h>
#include <unistd.h>

/* Redraws at most this often (seconds), and not before the work has run this long. */
#define PROGRESS_REDRAW_S 0.2
#define PROGRESS_QUIET_START_S 0.5

static double elapsed_s(const cli_progress *p) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - p->started.tv_sec) +
           (double)(now.tv_nsec - p->started.tv_nsec) / 1e9;
}

void cli_progress_begin(cli_progress *p, bool quiet) {
    *p = (cli_progress){.enabled = !quiet && isatty(STDERR_FILENO)};
    clock_gettime(CLOCK_MONOTONIC, &p->started);
}

void cli_progress_label(cli_progress *p, const char *label) {
    snprintf(p->label, sizeof p->label, "%s", label);
}

/* Writes seconds as "42 s", "3 min 20 s" or "1 h 05 min". */
static void format_span(char *buf, size_t size, double seconds) {
    long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
    if (s < 60) {
        snprintf(buf, size, "%ld s", s);
    } else if (s < 3600) {
        snprintf(buf, size, "%ld min %02ld s", s / 60, s % 60);
    } else {
        snprintf(buf, size, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
    }
}

void cli_progress_format(char *buf, size_t size, int64_t runs_done, int64_t runs_total,
                         int points_done, int points_total, double elapsed) {
    char spent[32], left[48];
    format_span(spent, sizeof spent, elapsed);
    if (runs_done >= runs_total) {
        snprintf(left, sizeof left, "done");
    } else if (runs_done > 0) {
        char span[32];
        format_span(span, sizeof span,
                    elapsed / (double)runs_done * (double)(runs_total - runs_done));
        snprintf(left, sizeof left, "about %s left", span);
    } else {
        snprintf(left, sizeof left, "time left unknown");
    }
    snprintf(buf, size, "runs %lld/%lld, points %d/%d, %s elapsed, %s", (long long)runs_done,
             (long long)runs_total, points_done, points_total, spent, left);
}

void cli_progress_runs(void *context, int64_t runs_done, int64_t runs_total, int points_done,
                       int points_total) {
    cli_progress *p = context;
    if (!p->enabled) {
        return;
    }
    double now_s = elapsed_s(p);
    bool last = runs_done >= runs_total;
    if (now_s < PROGRESS_QUIET_START_S && !p->shown) {
        return; /* work that takes only a moment shows no line */
    }
    if (!last && p->shown && now_s - p->last_drawn_s < PROGRESS_REDRAW_S) {
        return;
    }
    char line[256];
    cli_progress_format(line, sizeof line, runs_done, runs_total, points_done, points_total,
                        now_s);
    fprintf(stderr, "\r\033[K  %s%s%s", p->label, p->label[0] != '\0' ? ": " : "", line);
    fflush(stderr);
    p->shown = true;
    p->last_drawn_s = now_s;
}

void cli_progress_finish(cli_progress *p) {
    if (p->shown) {
        fputc('\n', stderr);
        p->shown = false;
    }
}
