/* report_verdicts.c - the report page's "which limiter?": APIs that are copies of one API are the
 * candidates, ranked on the figures that matter for the API's kind (verdict.h). A single run has
 * no interval, and the page says so. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/report/report_model.h"
#include "harness/report/verdict.h"

/* Whether APIs a and b are copies of one API: what limits them is the same. */
static bool same_api(const summary_api *a, const summary_api *b) {
    return strcmp(a->model, b->model) == 0 && a->limit == b->limit &&
           a->window_us == b->window_us && a->burst_window_us == b->burst_window_us &&
           a->burst_allowance == b->burst_allowance;
}

/* One API's figures as a verdict candidate (one run: no interval). */
static void candidate_of(const summary_api *a, verdict_candidate *c) {
    memset(c, 0, sizeof *c);
    c->api = a->name;
    c->limiter = a->limiter[0] != '\0' ? a->limiter : "limiter unknown";
    c->mean[VERDICT_REFUSED] =
        a->attempts > 0 ? (double)(a->rejected_429 + a->dropped) / (double)a->attempts : 0.0;
    c->mean[VERDICT_WASTED] = a->wasted_quota;
    c->mean[VERDICT_LOST] =
        a->jobs_created > 0
            ? (double)(a->jobs_abandoned + a->jobs_pending) / (double)a->jobs_created
            : 0.0;
    /* No job done: no latency to show, and certainly not the best one. */
    c->mean[VERDICT_P99] = a->jobs_completed > 0 ? (double)a->latency_p99_us : 1e18;
    verdict_single_run_margins(c);
}

static void describe_group(const summary_api *a, char *buf, size_t size) {
    char window[32], burst_window[32];
    units_format_duration(a->window_us, window, sizeof window);
    units_format_duration(a->burst_window_us, burst_window, sizeof burst_window);
    bool quota = verdict_kind_of_model(a->model) == VERDICT_QUOTA_BOUND;
    snprintf(buf, size, "%s API, %" PRId64 " per %s, %" PRId64 " in any %s; judged on %s",
             quota ? "Quota-bound" : "Burst-intolerant", a->limit, window,
             a->burst_allowance, burst_window,
             quota ? "wasted quota, then jobs lost, then p99 latency"
                   : "requests refused (429 and drops), then jobs lost, then p99 latency");
}

static void rank_group(const report_model *model, report_api_group *g) {
    verdict_candidate candidates[SCENARIO_APIS_MAX];
    int indexes[SCENARIO_APIS_MAX];
    for (int i = 0; i < g->member_count; i++) {
        indexes[i] = g->members[i];
        candidate_of(&model->summary.apis[indexes[i]], &candidates[i]);
    }
    const summary_api *first = &model->summary.apis[indexes[0]];
    verdict_kind kind = verdict_kind_of_model(first->model);
    verdict_ranking ranking;
    verdict_rank(kind, candidates, g->member_count, &ranking);
    for (int i = 0; i < g->member_count; i++) {
        g->members[i] = indexes[ranking.order[i]];
    }
    describe_group(first, g->description, sizeof g->description);
    verdict_write(kind, candidates, &ranking, g->verdict, sizeof g->verdict);
    size_t used = strlen(g->verdict);
    if (g->member_count > 1 && used < sizeof g->verdict) {
        snprintf(g->verdict + used, sizeof g->verdict - used,
                 " One run, so no confidence interval: gaps under 10%% (half a point of a "
                 "share) count as none; rerun with --replications for intervals.");
    }
}

void report_model_rank(report_model *model) {
    model->group_count = 0;
    const run_summary *s = &model->summary;
    for (int i = 0; i < s->api_count; i++) {
        int g = 0;
        while (g < model->group_count &&
               !same_api(&s->apis[model->groups[g].members[0]], &s->apis[i])) {
            g++;
        }
        if (g == model->group_count) {
            model->group_count++;
            model->groups[g].member_count = 0;
        }
        model->groups[g].members[model->groups[g].member_count++] = i;
    }
    int row = 0;
    for (int g = 0; g < model->group_count; g++) {
        rank_group(model, &model->groups[g]);
        for (int i = 0; i < model->groups[g].member_count; i++) {
            model->row_order[row++] = model->groups[g].members[i];
        }
    }
}
