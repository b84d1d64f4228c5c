/* ablation.c - the check of a claim against its scenario's ablation. */
#include "harness/compare/ablation.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "harness/report/figures.h"

/* The single limiter in front of API api, or NULL (none, or several). */
static const scenario_limiter *api_limiter(const scenario *s, int api) {
    const scenario_limiter *found = NULL;
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            const scenario_traffic *traffic = &s->pod_groups[g].traffic[t];
            if (traffic->api_index != api) {
                continue;
            }
            const scenario_limiter *l =
                traffic->limiter_index >= 0 ? &s->limiters[traffic->limiter_index] : NULL;
            if (l == NULL || (found != NULL && found != l)) {
                return NULL;
            }
            found = l;
        }
    }
    return found;
}

static bool same_api(const scenario_api *a, const scenario_api *b) {
    return a->config.kind == b->config.kind && a->config.limit == b->config.limit &&
           a->config.window_us == b->config.window_us &&
           a->config.burst_limit == b->config.burst_limit &&
           a->config.burst_window_us == b->config.burst_window_us;
}

/* The figure that matters for the API's kind. */
static figure_id outcome_figure(const scenario_api *api) {
    return api->config.kind == API_MODEL_QUOTA_BOUND ? FIGURE_WASTED_QUOTA : FIGURE_RATE_429;
}

/* -1/1 when api a's outcome is below/above b's beyond both intervals and half a point; 0 when
 * alike. */
static int outcome_apart(const experiment *e, int a, int b, figure_id f) {
    const experiment_estimate *x = experiment_estimate_of(e, 0, a, f);
    const experiment_estimate *y = experiment_estimate_of(e, 0, b, f);
    double gap = x->mean > y->mean ? x->mean - y->mean : y->mean - x->mean;
    if (gap <= x->half_width + y->half_width + 0.005) {
        return 0;
    }
    return x->mean < y->mean ? -1 : 1;
}

/* The family an algorithm belongs to, as a claim would name it: "gcra_pace" is "gcra",
 * "leaky_bucket_meter" "leaky bucket", "token_bucket_interval" "token bucket". */
static void algorithm_family(const char *algorithm, char *out, size_t size) {
    static const char *const SUFFIXES[] = {"_pace", "_meter", "_queue", "_interval"};
    snprintf(out, size, "%s", algorithm);
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++) {
        size_t length = strlen(out), suffix = strlen(SUFFIXES[i]);
        if (length > suffix && strcmp(out + length - suffix, SUFFIXES[i]) == 0) {
            out[length - suffix] = '\0';
        }
    }
    for (char *c = out; *c != '\0'; c++) {
        *c = *c == '_' ? ' ' : *c;
    }
}

/* Whether text names the family (case and '_' or '-' against ' ' ignored). */
static bool text_names(const char *text, const char *family) {
    char lowered[SCENARIO_DESCRIPTION_BYTES];
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < sizeof lowered; i++) {
        char c = (char)tolower((unsigned char)text[i]);
        lowered[i] = c == '_' || c == '-' || c == '\n' ? ' ' : c;
    }
    lowered[i] = '\0';
    return family[0] != '\0' && strstr(lowered, family) != NULL;
}

/* Appends a sentence to out->text. */
static void say(ablation_result *out, const char *sentence) {
    size_t used = strlen(out->text);
    snprintf(out->text + used, sizeof out->text - used, "%s%s", used > 0 ? " " : "", sentence);
}

static void describe_pair(const experiment *e, int a, int b, figure_id f, const char *verb,
                          ablation_result *out) {
    const scenario *s = &e->base;
    const scenario_limiter *la = api_limiter(s, a), *lb = api_limiter(s, b);
    char ma[32], mb[32], ha[32], hb[32], sentence[512];
    const experiment_estimate *x = experiment_estimate_of(e, 0, a, f);
    const experiment_estimate *y = experiment_estimate_of(e, 0, b, f);
    figures_format(f, x->mean, ma, sizeof ma);
    figures_format(f, y->mean, mb, sizeof mb);
    figures_format(f, x->half_width, ha, sizeof ha);
    figures_format(f, y->half_width, hb, sizeof hb);
    snprintf(sentence, sizeof sentence,
             "%s with burst %lld (`%s`: %s %s ± %s) and %s with burst %lld (`%s`: %s ± %s) %s.",
             la->config.algorithm->name, (long long)la->config.burst, s->apis[a].name,
             figure_info_of(f)->name, ma, ha, lb->config.algorithm->name,
             (long long)lb->config.burst, s->apis[b].name, mb, hb, verb);
    say(out, sentence);
}

/* Looks at every pair of copies of one API; notes the first pair of each telling kind. */
static void scan_pairs(const experiment *e, ablation_result *out) {
    const scenario *s = &e->base;
    bool said_setting = false, said_erased = false;
    for (int a = 0; a < s->api_count; a++) {
        for (int b = a + 1; b < s->api_count; b++) {
            const scenario_limiter *la = api_limiter(s, a), *lb = api_limiter(s, b);
            if (la == NULL || lb == NULL || !same_api(&s->apis[a], &s->apis[b]) ||
                !(la->config.algorithm->params & LIMITER_PARAM_BURST) ||
                !(lb->config.algorithm->params & LIMITER_PARAM_BURST)) {
                continue;
            }
            figure_id f = outcome_figure(&s->apis[a]);
            bool same_algorithm = la->config.algorithm == lb->config.algorithm;
            bool same_burst = la->config.burst == lb->config.burst;
            int apart = outcome_apart(e, a, b, f);
            if (same_algorithm && !same_burst) {
                out->has_ablation = true;
                if (apart != 0) {
                    out->setting_decides = true;
                    if (!said_setting) {
                        describe_pair(e, a, b, f, "differ: the tolerance changes the outcome",
                                      out);
                        said_setting = true;
                    }
                }
            }
            if (!same_algorithm && same_burst && apart == 0) {
                out->algorithm_erased = true;
                if (!said_erased) {
                    describe_pair(e, a, b, f, "are alike: at one tolerance the algorithm "
                                  "does not matter", out);
                    said_erased = true;
                }
            }
            char family_a[64], family_b[64];
            algorithm_family(la->config.algorithm->name, family_a, sizeof family_a);
            algorithm_family(lb->config.algorithm->name, family_b, sizeof family_b);
            if (text_names(s->claim, family_a) || text_names(s->claim, family_b)) {
                out->claim_credits_algorithm = true;
            }
        }
    }
}

void ablation_check(const experiment *e, ablation_result *out) {
    memset(out, 0, sizeof *out);
    if (e->point_count < 1 || e->estimates == NULL) {
        return;
    }
    scan_pairs(e, out);
    out->contradicts =
        out->has_ablation && out->setting_decides && out->algorithm_erased &&
        out->claim_credits_algorithm;
    if (!out->has_ablation) {
        snprintf(out->text, sizeof out->text,
                 "no ablation here (no copy of an API behind the same algorithm with another "
                 "burst tolerance).");
    }
}
