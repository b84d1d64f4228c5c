/* verdict_experiment.c - the verdicts of `ratelab findings`, with intervals. */
#include "harness/compare/verdict_experiment.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/report/verdict.h"

static bool same_api(const scenario_api *a, const scenario_api *b) {
    return a->config.kind == b->config.kind && a->config.limit == b->config.limit &&
           a->config.window_us == b->config.window_us &&
           a->config.burst_limit == b->config.burst_limit &&
           a->config.burst_window_us == b->config.burst_window_us;
}

/* API api's estimates at point 0 as a candidate; limiter is the caller's buffer. */
static void candidate_of(const experiment *e, int api, const char *limiter, verdict_candidate *c) {
    memset(c, 0, sizeof *c);
    c->api = e->base.apis[api].name;
    c->limiter = limiter;
    static const struct {
        verdict_figure verdict;
        figure_id figure;
    } MAP[] = {{VERDICT_REFUSED, FIGURE_RATE_429},
               {VERDICT_WASTED, FIGURE_WASTED_QUOTA},
               {VERDICT_LOST, FIGURE_DONE_RATIO},
               {VERDICT_P99, FIGURE_LATENCY_P99}};
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++) {
        const experiment_estimate *est = experiment_estimate_of(e, 0, api, MAP[i].figure);
        double mean = MAP[i].figure == FIGURE_DONE_RATIO ? 1.0 - est->mean : est->mean;
        c->mean[MAP[i].verdict] = mean;
        c->half_width[MAP[i].verdict] = est->half_width;
    }
    /* With one replication there is no interval: the single run's margins stand in. */
    if (e->replications < 2) {
        verdict_single_run_margins(c);
    }
}

/* The limiters in front of api, as "gcra_pace@redis burst 1" (the first one's settings). */
static void limiter_text(const scenario *s, int api, char *buf, size_t size) {
    snprintf(buf, size, "no limiter");
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            const scenario_traffic *traffic = &s->pod_groups[g].traffic[t];
            if (traffic->api_index != api || traffic->limiter_index < 0) {
                continue;
            }
            const scenario_limiter *l = &s->limiters[traffic->limiter_index];
            if (l->config.algorithm->params & LIMITER_PARAM_BURST) {
                snprintf(buf, size, "%s@%s burst %" PRId64, l->config.algorithm->name,
                         limiter_scope_name(l->scope), l->config.burst);
            } else {
                snprintf(buf, size, "%s@%s", l->config.algorithm->name,
                         limiter_scope_name(l->scope));
            }
            return;
        }
    }
}

static void write_group(FILE *out, const experiment *e, const int *members, int count) {
    const scenario_api *first = &e->base.apis[members[0]];
    verdict_candidate candidates[SCENARIO_APIS_MAX];
    char limiters[SCENARIO_APIS_MAX][96];
    for (int i = 0; i < count; i++) {
        limiter_text(&e->base, members[i], limiters[i], sizeof limiters[i]);
        candidate_of(e, members[i], limiters[i], &candidates[i]);
    }
    bool quota = first->config.kind == API_MODEL_QUOTA_BOUND;
    verdict_kind kind = quota ? VERDICT_QUOTA_BOUND : VERDICT_BURST_INTOLERANT;
    verdict_ranking ranking;
    verdict_rank(kind, candidates, count, &ranking);
    char window[32], text[2048];
    units_format_duration(first->config.window_us, window, sizeof window);
    verdict_write(kind, candidates, &ranking, text, sizeof text);
    fprintf(out, "- **%s API, %" PRId64 " per %s** (%d candidate%s; judged on %s): %s\n",
            quota ? "Quota-bound" : "Burst-intolerant", first->config.limit, window, count,
            count == 1 ? "" : "s",
            quota ? "wasted quota, then jobs lost, then p99 latency"
                  : "429s, then jobs lost, then p99 latency",
            text);
}

void verdict_experiment_write(FILE *out, const experiment *e) {
    bool grouped[SCENARIO_APIS_MAX] = {false};
    for (int a = 0; a < e->api_count; a++) {
        if (grouped[a]) {
            continue;
        }
        int members[SCENARIO_APIS_MAX], count = 0;
        for (int b = a; b < e->api_count; b++) {
            if (!grouped[b] && same_api(&e->base.apis[a], &e->base.apis[b])) {
                grouped[b] = true;
                members[count++] = b;
            }
        }
        write_group(out, e, members, count);
    }
}
