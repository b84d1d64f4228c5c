/* verdict.h - which limiter did best for one kind of API: the candidates (copies of one API, each
 * behind its own limiter or settings) ranked on the figures that matter for the API's kind, with
 * a tie wherever the figures lie within each other's confidence intervals, never a winner
 * crowned inside the noise.
 *
 * Burst-intolerant APIs: refused requests (429s and drops, per attempt) first, then jobs lost,
 * then the p99 latency. Quota-bound APIs: wasted quota first, then jobs lost, then the p99
 * latency. A figure decides between two candidates only when their intervals (mean ± half
 * width) are further apart than the margin; otherwise the next figure is asked, and when none
 * decides they are tied. */
#ifndef RATELAB_VERDICT_H
#define RATELAB_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#define VERDICT_CANDIDATES_MAX 64

typedef enum verdict_kind {
    VERDICT_BURST_INTOLERANT = 0,
    VERDICT_QUOTA_BOUND
} verdict_kind;

/* The figures that rank, in the order they are asked for a kind (see above). */
typedef enum verdict_figure {
    VERDICT_REFUSED = 0, /* (429 + dropped) / attempts */
    VERDICT_WASTED,      /* wasted quota share */
    VERDICT_LOST,        /* (abandoned + pending) / created = 1 - done ratio */
    VERDICT_P99,         /* job latency p99, us */
    VERDICT_FIGURE_COUNT
} verdict_figure;

/* One candidate: its names (borrowed) and each figure's mean and 95% half-width (0 with one
 * run), and a margin: a gap no wider than it is no difference (for one run, where there is no
 * interval: verdict_single_run_margins). Lower is better for every figure. */
typedef struct verdict_candidate {
    const char *api;
    const char *limiter;
    double mean[VERDICT_FIGURE_COUNT];
    double half_width[VERDICT_FIGURE_COUNT];
    double margin[VERDICT_FIGURE_COUNT];
} verdict_candidate;

/* Sets c's margins for a single run, which has no interval: shares closer than half a
 * percentage point or 10% of the larger, and latencies closer than 10%, are not told apart. */
void verdict_single_run_margins(verdict_candidate *c);

/* The ranking: order[0] is the best; tied_with_next[i] when order[i] and order[i + 1] could not
 * be told apart; decided_by[i] the figure that put order[i] before order[i + 1] (when not tied). */
typedef struct verdict_ranking {
    int count;
    int order[VERDICT_CANDIDATES_MAX];
    bool tied_with_next[VERDICT_CANDIDATES_MAX];
    verdict_figure decided_by[VERDICT_CANDIDATES_MAX];
} verdict_ranking;

/* The kind of an API model by its name ("quota_bound": quota-bound; anything else is judged as
 * burst-intolerant). */
verdict_kind verdict_kind_of_model(const char *model);

/* The figures asked for kind, in order, into out (VERDICT_FIGURE_COUNT - 1 of them); returns
 * how many. */
int verdict_figures_of(verdict_kind kind, verdict_figure *out);

/* Compares a and b for kind: negative when a is better, positive when b is, 0 when no figure
 * separates them; *decided_by gets the figure that did (when not 0). */
int verdict_compare(verdict_kind kind, const verdict_candidate *a, const verdict_candidate *b,
                    verdict_figure *decided_by);

/* Ranks candidates[0..count) (count at most VERDICT_CANDIDATES_MAX) for kind into out. */
void verdict_rank(verdict_kind kind, const verdict_candidate *candidates, int count,
                  verdict_ranking *out);

/* Writes the verdict as plain sentences into buf (size bytes): the best candidate and why, or
 * the tie; the trade-off it pays against the runner-up on the figures it did not win, in one
 * sentence; with the intervals when any half-width is above 0. */
void verdict_write(verdict_kind kind, const verdict_candidate *candidates,
                   const verdict_ranking *ranking, char *buf, size_t size);

#endif
