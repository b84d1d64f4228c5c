/* tune_write.c - the files of `ratelab tune`: points.csv, frontier.csv, summary.json. Figures
 * are written in their units: ratios as fractions, times in microseconds. */
#include "harness/experiment/tune_write.h"

#include <inttypes.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/json_writer.h"
#include "harness/report/output_file.h"

#define FRONTIER_FIGURES 4

static const figure_id FRONTIER[FRONTIER_FIGURES] = {FIGURE_RATE_429, FIGURE_LATENCY_P99,
                                                     FIGURE_WASTED_QUOTA, FIGURE_DONE_RATIO};

static const char *const VERDICT_NAMES[] = {"holds", "straddles", "fails"};

/* The value of figure at r oriented so that lower is better. */
static double lower_is_better(const tune_record *r, int api, figure_id figure) {
    double mean = r->estimates.figure[api][figure].mean;
    return figure_info_of(figure)->higher_is_better ? -mean : mean;
}

/* True when a is at least as good as b in every frontier figure and better in one. */
static bool dominates(const tune_record *a, const tune_record *b, int api) {
    bool better_once = false;
    for (int f = 0; f < FRONTIER_FIGURES; f++) {
        double x = lower_is_better(a, api, FRONTIER[f]);
        double y = lower_is_better(b, api, FRONTIER[f]);
        if (x > y) {
            return false;
        }
        better_once = better_once || x < y;
    }
    return better_once;
}

void tune_frontier_mark(const tune_result *result, int api, bool *on_frontier) {
    for (int i = 0; i < result->record_count; i++) {
        on_frontier[i] = true;
        for (int k = 0; k < result->record_count && on_frontier[i]; k++) {
            if (k != i && dominates(&result->records[k], &result->records[i], api)) {
                on_frontier[i] = false;
            }
        }
    }
}

/* Requests per second of rate steps, for plotting. */
static double rate_per_s(const tune_space *space, int64_t rate) {
    return (double)rate * 1e6 / (double)space->rate_period_us;
}

void tune_write_points_csv(FILE *out, const tune_outcome *o, const bool *on_frontier,
                           bool frontier_only) {
    fputs("round,rate,rate_per_s,burst,verdict,on_frontier,best,api", out);
    for (int f = 0; f < FRONTIER_FIGURES; f++) {
        const char *name = figure_info_of(FRONTIER[f])->name;
        bool time = figure_info_of(FRONTIER[f])->unit == FIGURE_UNIT_TIME_US;
        fprintf(out, ",%s%s_mean,%s%s_ci95", name, time ? "_us" : "", name, time ? "_us" : "");
    }
    fputs(",objective,objective_mean,objective_ci95\n", out);
    const tune_result *result = o->result;
    for (int i = 0; i < result->record_count; i++) {
        if (frontier_only && !on_frontier[i]) {
            continue;
        }
        const tune_record *r = &result->records[i];
        char rate[64];
        tune_space_rate_text(o->space, r->at.rate, rate, sizeof rate);
        fprintf(out, "%d,%s,%.9g,%" PRId64 ",%s,%d,%d,%s", r->round, rate,
                rate_per_s(o->space, r->at.rate), r->at.burst, VERDICT_NAMES[r->overall],
                on_frontier[i] ? 1 : 0, i == result->best ? 1 : 0, o->base->apis[o->api].name);
        for (int f = 0; f < FRONTIER_FIGURES; f++) {
            const experiment_estimate *e = &r->estimates.figure[o->api][FRONTIER[f]];
            fprintf(out, ",%.9g,%.9g", e->mean, e->half_width);
        }
        const experiment_estimate *objective = tune_record_objective(o->goal, r);
        fprintf(out, ",%s,%.9g,%.9g\n", figure_info_of(o->goal->objective)->name,
                objective->mean, objective->half_width);
    }
}

static void write_estimates(json_writer *w, const tune_outcome *o, const tune_record *r) {
    json_object_begin(w, "figures");
    for (int f = 0; f < FIGURE_COUNT; f++) {
        const experiment_estimate *e = &r->estimates.figure[o->api][f];
        json_object_begin(w, figure_info_of((figure_id)f)->name);
        json_double(w, "mean", e->mean);
        json_double(w, "ci95_half_width", e->half_width);
        json_object_end(w);
    }
    json_object_end(w);
}

static void write_summary(FILE *out, const tune_outcome *o, int frontier_count) {
    const tune_result *result = o->result;
    json_writer w;
    json_writer_init(&w, out);
    json_object_begin(&w, NULL);
    json_string(&w, "kind", "tune");
    json_string(&w, "scenario", o->base->name);
    json_string(&w, "source", o->file);
    json_string(&w, "limiter", o->space->limiter);
    json_string(&w, "api", o->base->apis[o->api].name);
    json_string(&w, "objective", figure_info_of(o->goal->objective)->name);
    json_bool(&w, "maximise", o->goal->maximise);
    json_object_begin(&w, "constraints");
    for (int c = 0; c < o->goal->constraint_count; c++) {
        char key[16];
        snprintf(key, sizeof key, "%d", c);
        json_string(&w, key, o->goal->constraints[c].text);
    }
    json_object_end(&w);
    json_uint(&w, "seed_first", o->seed);
    json_int(&w, "replications", o->replications);
    json_double(&w, "confidence", 0.95);
    json_int(&w, "budget_runs", o->budget_runs);
    json_int(&w, "runs_spent", result->runs_spent);
    json_int(&w, "points_count", result->record_count);
    json_int(&w, "frontier_count", frontier_count);
    json_bool(&w, "bisection", result->bisection);
    json_bool(&w, "order_broken", result->order_broken);
    json_bool(&w, "budget_exhausted", result->budget_exhausted);
    if (result->best >= 0) {
        const tune_record *best = &result->records[result->best];
        char rate[64];
        tune_space_rate_text(o->space, best->at.rate, rate, sizeof rate);
        json_object_begin(&w, "best");
        json_string(&w, "rate", rate);
        json_int(&w, "burst", best->at.burst);
        write_estimates(&w, o, best);
        json_object_end(&w);
    }
    json_object_end(&w);
    json_writer_finish(&w);
}

int tune_write_files(const char *dir, const tune_outcome *o, rl_error *err) {
    int count = o->result->record_count;
    bool *on_frontier = rl_calloc(count > 0 ? (size_t)count : 1, sizeof *on_frontier);
    if (on_frontier == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for the frontier");
    }
    tune_frontier_mark(o->result, o->api, on_frontier);
    int frontier_count = 0;
    for (int i = 0; i < count; i++) {
        frontier_count += on_frontier[i] ? 1 : 0;
    }
    static const char *const NAMES[3] = {"points.csv", "frontier.csv", "summary.json"};
    int rc = RL_OK;
    for (int n = 0; n < 3 && rc == RL_OK; n++) {
        FILE *out = NULL;
        rc = output_file_open(dir, NAMES[n], &out, err);
        if (rc != RL_OK) {
            break;
        }
        if (n < 2) {
            tune_write_points_csv(out, o, on_frontier, n == 1);
        } else {
            write_summary(out, o, frontier_count);
        }
        rc = output_file_close(out, dir, NAMES[n], err);
    }
    rl_free(on_frontier);
    return rc;
}
