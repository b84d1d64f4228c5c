/* verdict.c - ranking candidates for one kind of API, with ties inside the intervals. */
#include "harness/report/verdict.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness/report/report_format.h"

/* Two means closer than this (relative) are equal: figures printed alike are not told apart. */
#define VERDICT_EQUAL_RELATIVE 1e-9

verdict_kind verdict_kind_of_model(const char *model) {
    return strcmp(model, "quota_bound") == 0 ? VERDICT_QUOTA_BOUND : VERDICT_BURST_INTOLERANT;
}

int verdict_figures_of(verdict_kind kind, verdict_figure *out) {
    out[0] = kind == VERDICT_QUOTA_BOUND ? VERDICT_WASTED : VERDICT_REFUSED;
    out[1] = VERDICT_LOST;
    out[2] = VERDICT_P99;
    return 3;
}

void verdict_single_run_margins(verdict_candidate *c) {
    for (int f = 0; f < VERDICT_FIGURE_COUNT; f++) {
        double relative = 0.10 * fabs(c->mean[f]);
        double floor = f == VERDICT_P99 ? 0.0 : 0.005;
        c->margin[f] = relative > floor ? relative : floor;
    }
}

/* Whether a's and b's intervals of figure f are apart: -1 when a is below, 1 when above, 0 when
 * they overlap or are closer than the larger margin (or the means are equal). */
static int intervals_apart(const verdict_candidate *a, const verdict_candidate *b,
                           verdict_figure f) {
    double ma = a->mean[f], mb = b->mean[f];
    double scale = fabs(ma) > fabs(mb) ? fabs(ma) : fabs(mb);
    if (fabs(ma - mb) <= VERDICT_EQUAL_RELATIVE * scale) {
        return 0;
    }
    double margin = a->margin[f] > b->margin[f] ? a->margin[f] : b->margin[f];
    double gap = fabs(ma - mb) - a->half_width[f] - b->half_width[f];
    if (gap <= margin) {
        return 0;
    }
    return ma < mb ? -1 : 1;
}

int verdict_compare(verdict_kind kind, const verdict_candidate *a, const verdict_candidate *b,
                    verdict_figure *decided_by) {
    verdict_figure figures[VERDICT_FIGURE_COUNT];
    int count = verdict_figures_of(kind, figures);
    for (int i = 0; i < count; i++) {
        int apart = intervals_apart(a, b, figures[i]);
        if (apart != 0) {
            *decided_by = figures[i];
            return apart;
        }
    }
    return 0;
}

void verdict_rank(verdict_kind kind, const verdict_candidate *candidates, int count,
                  verdict_ranking *out) {
    assert(count >= 0 && count <= VERDICT_CANDIDATES_MAX);
    memset(out, 0, sizeof *out);
    out->count = count;
    /* Insertion sort, stable: candidates no figure separates keep the order they came in. */
    for (int i = 0; i < count; i++) {
        int j = i;
        verdict_figure unused;
        while (j > 0 &&
               verdict_compare(kind, &candidates[i], &candidates[out->order[j - 1]], &unused) < 0) {
            out->order[j] = out->order[j - 1];
            j--;
        }
        out->order[j] = i;
    }
    for (int i = 0; i + 1 < count; i++) {
        verdict_figure by = VERDICT_REFUSED;
        int c = verdict_compare(kind, &candidates[out->order[i]],
                                &candidates[out->order[i + 1]], &by);
        out->tied_with_next[i] = c == 0;
        out->decided_by[i] = by;
    }
}

static const char *figure_phrase(verdict_figure f) {
    switch (f) {
    case VERDICT_REFUSED: return "requests refused";
    case VERDICT_WASTED: return "quota wasted";
    case VERDICT_LOST: return "jobs lost";
    case VERDICT_P99: return "p99 latency";
    default: return "?";
    }
}

/* Writes figure f of c (with its interval when wide) into buf. */
static void format_figure(const verdict_candidate *c, verdict_figure f, char *buf, size_t size) {
    char mean[24], half[24];
    if (f == VERDICT_P99) {
        report_format_latency((int64_t)llround(c->mean[f]), mean, sizeof mean);
        report_format_latency((int64_t)llround(c->half_width[f]), half, sizeof half);
    } else {
        report_format_percent(c->mean[f], mean, sizeof mean);
        report_format_percent(c->half_width[f], half, sizeof half);
    }
    if (c->half_width[f] > 0) {
        snprintf(buf, size, "%s ± %s", mean, half);
    } else {
        snprintf(buf, size, "%s", mean);
    }
}

/* The trade-off: the figures of the kind on which the best is worse than the runner-up. */
static size_t write_trade_off(verdict_kind kind, const verdict_candidate *best,
                              const verdict_candidate *next, char *buf, size_t size) {
    verdict_figure figures[VERDICT_FIGURE_COUNT];
    int count = verdict_figures_of(kind, figures);
    size_t used = 0;
    int worse = 0;
    for (int i = 0; i < count; i++) {
        if (intervals_apart(best, next, figures[i]) <= 0) {
            continue;
        }
        char a[80], b[80];
        format_figure(best, figures[i], a, sizeof a);
        format_figure(next, figures[i], b, sizeof b);
        int n = snprintf(buf + used, size - used, "%s %s %s against %s",
                         worse == 0 ? " It pays" : ",", figure_phrase(figures[i]), a, b);
        used += n > 0 && (size_t)n < size - used ? (size_t)n : 0;
        worse++;
    }
    if (worse > 0 && used + 2 < size) {
        used += (size_t)snprintf(buf + used, size - used, ".");
    } else if (worse == 0 && used < size) {
        used += (size_t)snprintf(buf + used, size - used, " It is no worse on any of them.");
    }
    return used;
}

void verdict_write(verdict_kind kind, const verdict_candidate *candidates,
                   const verdict_ranking *ranking, char *buf, size_t size) {
    assert(size > 0);
    buf[0] = '\0';
    if (ranking->count == 0) {
        return;
    }
    const verdict_candidate *best = &candidates[ranking->order[0]];
    verdict_figure figures[VERDICT_FIGURE_COUNT];
    int figure_count = verdict_figures_of(kind, figures);
    char measured[400] = "";
    size_t m = 0;
    for (int i = 0; i < figure_count; i++) {
        char text[80];
        format_figure(best, figures[i], text, sizeof text);
        m += (size_t)snprintf(measured + m, sizeof measured - m, "%s%s %s", i > 0 ? ", " : "",
                              figure_phrase(figures[i]), text);
    }
    if (ranking->count == 1) {
        snprintf(buf, size, "Only one candidate, %s (%s): %s.", best->api, best->limiter,
                 measured);
        return;
    }
    const verdict_candidate *next = &candidates[ranking->order[1]];
    if (ranking->tied_with_next[0]) {
        int tied = 1;
        while (tied < ranking->count && ranking->tied_with_next[tied - 1]) {
            tied++;
        }
        snprintf(buf, size,
                 "No winner: %d candidates are within each other's intervals or margins on %s, "
                 "jobs lost and p99 latency (the first listed, %s at %s: %s).",
                 tied, figure_phrase(figures[0]), best->limiter, best->api, measured);
        return;
    }
    size_t used = (size_t)snprintf(buf, size,
                                   "Best: %s (%s), ahead of %s (%s) on %s: %s.", best->limiter,
                                   best->api, next->limiter, next->api,
                                   figure_phrase(ranking->decided_by[0]), measured);
    if (used < size) {
        write_trade_off(kind, best, next, buf + used, size - used);
    }
}
