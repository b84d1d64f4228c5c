/* cli_tune.c - `ratelab tune`: the best setting of one limiter for an objective, under
 * constraints, with confidence intervals, within a budget of runs (harness/experiment/
 * tune_search.h); prints the answer and writes points, frontier and its figure. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/cli/cli_interrupt.h"
#include "harness/core/rl_alloc.h"
#include "harness/experiment/experiment.h"
#include "harness/experiment/tune_search.h"
#include "harness/experiment/tune_write.h"
#include "harness/report/figures.h"
#include "harness/report/plot_frontier.h"
#include "harness/report/results_folder.h"
#include "harness/scenario/scenario_condition.h"

#define TUNE_REPLICATIONS_DEFAULT 5
#define TUNE_REPLICATIONS_MAX 1000
#define TUNE_BUDGET_FACTOR 4 /* the default budget: this many times what the search needs */

typedef struct tune_options {
    const char *file;
    const char *limiter;
    const char *vary;
    const char *objective;
    const char *constraints[TUNE_CONSTRAINTS_MAX];
    int constraint_count;
    int replications;
    long long budget_runs; /* 0: the default */
    int jobs;
    bool seed_given;
    uint64_t seed;
    const char *out_dir;
    bool quiet;
    size_t override_count;
    scenario_override overrides[CLI_OVERRIDES_MAX];
} tune_options;

/* What the evaluate function needs to run a batch, and what it tells the CLI. */
typedef struct tune_context {
    const tune_options *opts;
    const tune_space *space;
    const tune_goal *goal;
    const scenario *base;
    uint64_t seed;
    int rounds;
    bool interrupted;
} tune_context;

static void tune_usage(FILE *out) {
    fputs("usage: ratelab tune FILE --limiter NAME --vary rate=LO..HI[,burst=LO..HI]\n"
          "                    [--objective [API.]FIGURE] [--constraint 'API.FIGURE OP VALUE']\n"
          "                    [--replications N] [--budget RUNS] [--jobs N] [--seed N]\n"
          "                    [--set KEY=VALUE ...] [--out DIR] [--quiet]\n\n"
          "Searches the limiter's rate (and burst) for the best objective subject to the\n"
          "constraints. Every point runs N seeds; a constraint holds only when its whole 95%\n"
          "confidence interval is on the right side of its threshold, and only such a point is\n"
          "reported as best. Where every constraint bounds a figure that rises with the rate\n"
          "(rate_429, burst_ratio, attempts_per_job with < or <=), the boundary is found by\n"
          "bisection; otherwise a coarse grid is run. Then the points around the best are run\n"
          "with a halving step. Writes points.csv, frontier.csv (the Pareto frontier of 429\n"
          "rate, p99 latency, wasted quota and done ratio), summary.json and plots/frontier.png.\n\n"
          "options:\n"
          "  --limiter NAME      the limiter of FILE to tune (required)\n"
          "  --vary RANGES       rate=LO..HI (such as 1/s..20/s; steps of one request per the\n"
          "                      longer period), burst=LO..HI, or both, comma-separated\n"
          "  --objective F       the figure to optimise (default latency_p99): FIGURE of the\n"
          "                      constrained API, API.FIGURE or store.FIGURE; fairness and\n"
          "                      done_ratio are maximised, the others minimised\n"
          "  --constraint C      a condition as in expect: (repeatable, at most 8)\n"
          "  --replications N    seeds per point, 2 to 1000 (default 5)\n"
          "  --budget RUNS       most runs to spend (default 4 x what the search needs, at\n"
          "                      most 10000); below what the search needs is refused\n"
          "  --jobs N            runs at once (default: the number of cores)\n"
          "  --seed N            first seed (default: the scenario's)\n"
          "  --set KEY=VALUE     override a scenario value (repeatable)\n"
          "  --out DIR           results folder (default results/runs/NAME-tune-LIMITER-seedN)\n"
          "  --quiet             print nothing but errors\n\n"
          "exit codes: 0 a best point found, 1 no point satisfies the constraints, 2 bad input,\n"
          "            3 a run failed, 4 interrupted (nothing written)\n",
          out);
}

static int parse_number(const char *arg, const char *value, long long min, long long max,
                        long long *out) {
    if (cli_parse_count(value, min, max, out) != 0) {
        fprintf(stderr, "ratelab tune: %s %s: a whole number from %lld to %lld\n", arg, value,
                min, max);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

/* Reads one option with its value; returns 0 or an exit code. */
static int parse_option(const char *arg, const char *value, tune_options *opts) {
    long long number = 0;
    int rc = 0;
    if (strcmp(arg, "--limiter") == 0) {
        opts->limiter = value;
    } else if (strcmp(arg, "--vary") == 0) {
        opts->vary = value;
    } else if (strcmp(arg, "--objective") == 0) {
        opts->objective = value;
    } else if (strcmp(arg, "--out") == 0) {
        opts->out_dir = value;
    } else if (strcmp(arg, "--constraint") == 0) {
        if (opts->constraint_count == TUNE_CONSTRAINTS_MAX) {
            fprintf(stderr, "ratelab tune: at most %d --constraint options\n",
                    TUNE_CONSTRAINTS_MAX);
            return CLI_EXIT_BAD_INPUT;
        }
        opts->constraints[opts->constraint_count++] = value;
    } else if (strcmp(arg, "--replications") == 0) {
        rc = parse_number(arg, value, 2, TUNE_REPLICATIONS_MAX, &number);
        opts->replications = (int)number;
    } else if (strcmp(arg, "--budget") == 0) {
        rc = parse_number(arg, value, 1, TUNE_BUDGET_MAX_RUNS, &number);
        opts->budget_runs = number;
    } else if (strcmp(arg, "--jobs") == 0) {
        rc = parse_number(arg, value, 1, 256, &number);
        opts->jobs = (int)number;
    } else if (strcmp(arg, "--seed") == 0) {
        rc = parse_number(arg, value, 0, INT64_MAX, &number);
        opts->seed = (uint64_t)number;
        opts->seed_given = true;
    } else {
        rl_error err;
        if (opts->override_count == CLI_OVERRIDES_MAX ||
            scenario_override_parse(value, &opts->overrides[opts->override_count], &err) !=
                RL_OK) {
            fprintf(stderr, "ratelab tune: --set %s: %s\n", value,
                    opts->override_count == CLI_OVERRIDES_MAX ? "too many --set options"
                                                              : err.message);
            return CLI_EXIT_BAD_INPUT;
        }
        opts->override_count++;
    }
    return rc;
}

/* Fills opts from argv. Returns 0, an exit code, or -1 after --help. */
static int parse_args(int argc, char **argv, tune_options *opts) {
    static const char *const WITH_VALUE[] = {
        "--limiter", "--vary", "--objective", "--constraint", "--replications", "--budget",
        "--jobs",    "--seed", "--set",       "--out",        NULL};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (cli_is_help(arg)) {
            tune_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--quiet") == 0) {
            opts->quiet = true;
            continue;
        }
        bool takes_value = false;
        for (const char *const *o = WITH_VALUE; *o != NULL; o++) {
            takes_value = takes_value || strcmp(arg, *o) == 0;
        }
        if (takes_value && i + 1 >= argc) {
            fprintf(stderr, "ratelab tune: missing value after '%s'\n", arg);
            return CLI_EXIT_BAD_INPUT;
        }
        if (takes_value) {
            int rc = parse_option(arg, argv[++i], opts);
            if (rc != 0) {
                return rc;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "ratelab tune: unknown option '%s'\n", arg);
            tune_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (opts->file != NULL) {
            fprintf(stderr, "ratelab tune: one scenario file at a time ('%s' and '%s')\n",
                    opts->file, arg);
            return CLI_EXIT_BAD_INPUT;
        } else {
            opts->file = arg;
        }
    }
    const char *missing = opts->file == NULL      ? "no scenario file given"
                          : opts->limiter == NULL ? "--limiter NAME is required"
                          : opts->vary == NULL    ? "--vary rate=LO..HI is required"
                                                  : NULL;
    if (missing != NULL) {
        fprintf(stderr, "ratelab tune: %s\n", missing);
        tune_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

/* The only API whose traffic goes through the space's limiter, or -1 (none or several). */
static int limiter_api(const scenario *s, int limiter_index) {
    int api = -1;
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            const scenario_traffic *traffic = &s->pod_groups[g].traffic[t];
            if (traffic->limiter_index != limiter_index) {
                continue;
            }
            if (api >= 0 && api != traffic->api_index) {
                return -1;
            }
            api = traffic->api_index;
        }
    }
    return api;
}

/* Reads --objective into goal: FIGURE (of default_api), API.FIGURE or store.FIGURE. */
static int parse_objective(const char *text, const scenario *s, int default_api, tune_goal *goal,
                           rl_error *err) {
    const char *dot = strrchr(text, '.');
    const char *name = dot != NULL ? dot + 1 : text;
    int api = default_api;
    bool of_store = false;
    if (dot != NULL) {
        char subject[SCENARIO_NAME_BYTES];
        snprintf(subject, sizeof subject, "%.*s", (int)(dot - text), text);
        of_store = strcmp(subject, "store") == 0;
        api = of_store ? -1 : scenario_find_api(s, subject);
        if (!of_store && api < 0) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "--objective %s: no API \"%s\"; write FIGURE, API.FIGURE or "
                                "store.FIGURE",
                                text, subject);
        }
    }
    int figure = figure_find(name, of_store);
    if (figure < 0 && dot == NULL) {
        figure = figure_find(name, true);
        of_store = figure >= 0;
        api = of_store ? -1 : api;
    }
    if (figure < 0) {
        char names[512];
        figure_names_join(false, names, sizeof names);
        return rl_error_set(err, RL_ERR_INVALID,
                            "--objective %s: no such figure; figures of an API: %s (or "
                            "store.FIGURE)",
                            text, names);
    }
    if (!of_store && api < 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--objective %s: the limiter serves several APIs and no constraint "
                            "names one; write API.%s",
                            text, name);
    }
    goal->objective = (figure_id)figure;
    goal->objective_api = api;
    goal->maximise = figure_info_of((figure_id)figure)->higher_is_better;
    return RL_OK;
}

/* Reads the constraints and the objective into goal; *api is the API the frontier is drawn on. */
static int build_goal(const tune_options *opts, const scenario *s, const tune_space *space,
                      tune_goal *goal, int *api, rl_error *err) {
    memset(goal, 0, sizeof *goal);
    int constraint_api = -1;
    for (int c = 0; c < opts->constraint_count; c++) {
        rl_error local;
        if (scenario_condition_parse(s, opts->constraints[c], &goal->constraints[c], &local) !=
            RL_OK) {
            return rl_error_set(err, RL_ERR_INVALID, "--constraint %s: %s", opts->constraints[c],
                                local.message);
        }
        goal->constraint_count = c + 1;
        int subject = goal->constraints[c].api_index;
        constraint_api = constraint_api < 0 ? subject : constraint_api;
    }
    int default_api = constraint_api >= 0 ? constraint_api : limiter_api(s, space->limiter_index);
    int rc = parse_objective(opts->objective != NULL ? opts->objective : "latency_p99", s,
                             default_api, goal, err);
    *api = goal->objective_api >= 0 ? goal->objective_api : default_api;
    if (rc == RL_OK && *api < 0) {
        rc = rl_error_set(err, RL_ERR_INVALID,
                          "--objective: the limiter serves several APIs; name the one to draw "
                          "the frontier of in a --constraint or as --objective API.FIGURE");
    }
    return rc;
}

/* Prints one estimate as "mean ±half". */
static void print_estimate(figure_id figure, const experiment_estimate *e) {
    char mean[32], half[32];
    figures_format(figure, e->mean, mean, sizeof mean);
    figures_format(figure, e->half_width, half, sizeof half);
    printf("%s ±%s", mean, half);
}

static const char *const VERDICTS[] = {"safe", "straddles", "unsafe"};

/* Prints what one point measured: its constraints' figures, its objective, its verdict. */
static void print_point(const tune_context *c, tune_point at, const tune_estimates *est) {
    char label[TUNE_TEXT_BYTES];
    tune_space_point_label(c->space, &at, label, sizeof label);
    printf("  %5d  %-22s", c->rounds + 1, label);
    tune_verdict overall = TUNE_HOLDS;
    for (int k = 0; k < c->goal->constraint_count; k++) {
        const scenario_expectation *x = &c->goal->constraints[k];
        const experiment_estimate *e = &est->figure[x->api_index < 0 ? 0 : x->api_index][x->figure];
        tune_verdict v = tune_verdict_of(x, e);
        overall = v > overall ? v : overall;
        printf("  %s ", figure_info_of((figure_id)x->figure)->name);
        print_estimate((figure_id)x->figure, e);
    }
    int api = c->goal->objective_api < 0 ? 0 : c->goal->objective_api;
    printf("  %s ", figure_info_of(c->goal->objective)->name);
    print_estimate(c->goal->objective, &est->figure[api][c->goal->objective]);
    printf("  %s\n", VERDICTS[overall]);
}

/* The evaluate function of the search: one experiment of the given points. */
static int evaluate(void *context, const tune_point *points, int count, tune_estimates *out,
                    rl_error *err) {
    tune_context *c = context;
    experiment_point *given = rl_calloc((size_t)count, sizeof *given);
    char (*texts)[2][64] = rl_calloc((size_t)count, sizeof *texts);
    experiment *e = rl_calloc(1, sizeof *e);
    if (given == NULL || texts == NULL || e == NULL) {
        rl_free(given);
        rl_free(texts);
        rl_free(e);
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for %d points", count);
    }
    for (int i = 0; i < count; i++) {
        tune_space_rate_text(c->space, points[i].rate, texts[i][0], sizeof texts[i][0]);
        snprintf(texts[i][1], sizeof texts[i][1], "%" PRId64, points[i].burst);
        given[i].overrides[0] = (scenario_override){c->space->rate_path, texts[i][0]};
        given[i].overrides[1] = (scenario_override){c->space->burst_path, texts[i][1]};
        given[i].override_count = c->space->burst.varied ? 2 : 1;
        tune_space_point_label(c->space, &points[i], given[i].label, sizeof given[i].label);
    }
    experiment_spec spec = {.file = c->opts->file,
                            .overrides = c->opts->overrides,
                            .override_count = c->opts->override_count,
                            .replications = c->opts->replications,
                            .seed_given = true,
                            .seed = c->seed,
                            .jobs = c->opts->jobs,
                            .stop = cli_interrupt_flag(),
                            .given_points = given,
                            .given_point_count = count};
    int rc = experiment_plan(&spec, e, err);
    if (rc == RL_OK) {
        rc = experiment_run(&spec, e, err);
    }
    if (rc == RL_OK && e->interrupted) {
        c->interrupted = true;
        rc = rl_error_set(err, RL_ERR_LIMIT, "interrupted");
    }
    for (int i = 0; rc == RL_OK && i < count; i++) {
        for (int api = 0; api < e->api_count; api++) {
            for (int f = 0; f < FIGURE_COUNT; f++) {
                out[i].figure[api][f] = *experiment_estimate_of(e, i, api, (figure_id)f);
            }
        }
        if (!c->opts->quiet) {
            print_point(c, points[i], &out[i]);
        }
    }
    c->rounds++;
    fflush(stdout);
    experiment_free(e);
    rl_free(e);
    rl_free(given);
    rl_free(texts);
    return rc;
}

static void print_header(const tune_context *c, const tune_plan *plan, const char *how) {
    const tune_space *space = c->space;
    char lo[64], hi[64];
    tune_space_rate_text(space, space->rate.lo, lo, sizeof lo);
    tune_space_rate_text(space, space->rate.hi, hi, sizeof hi);
    const scenario_limiter *l = &c->base->limiters[space->limiter_index];
    printf("tune %s: limiter %s (%s), rate %s..%s", c->base->name, l->name,
           l->config.algorithm->name, lo, hi);
    if (space->burst.varied) {
        printf(", burst %" PRId64 "..%" PRId64, space->burst.lo, space->burst.hi);
    }
    printf(" (%" PRId64 " settings)\n", tune_space_size(space));
    for (int k = 0; k < c->goal->constraint_count; k++) {
        printf("  constraint: %s\n", c->goal->constraints[k].text);
    }
    int api = c->goal->objective_api;
    printf("  objective: the %s %s%s%s\n", c->goal->maximise ? "highest" : "least",
           api >= 0 ? c->base->apis[api].name : "store", ".",
           figure_info_of(c->goal->objective)->name);
    printf("  search: %s\n", how);
    printf("  %d replications per point (seeds %" PRIu64 "..%" PRIu64
           "), budget %lld runs, %d thread%s\n\n",
           plan->replications, c->seed, c->seed + (uint64_t)plan->replications - 1,
           (long long)plan->budget_runs, c->opts->jobs, c->opts->jobs == 1 ? "" : "s");
    printf("  round  point                   figures (mean ±95%% half-width)\n");
}

/* Prints every figure of the frontier's API at the best point. */
static void print_best(const tune_context *c, const tune_result *result, int api) {
    const tune_record *best = &result->records[result->best];
    char label[TUNE_TEXT_BYTES];
    tune_space_point_label(c->space, &best->at, label, sizeof label);
    printf("\nbest: %s\n", label);
    static const figure_id SHOWN[] = {FIGURE_RATE_429,     FIGURE_LATENCY_P50,
                                      FIGURE_LATENCY_P99,  FIGURE_WASTED_QUOTA,
                                      FIGURE_BURST_RATIO,  FIGURE_DONE_RATIO,
                                      FIGURE_ATTEMPTS_PER_JOB};
    for (size_t f = 0; f < sizeof SHOWN / sizeof SHOWN[0]; f++) {
        printf("  %s.%-17s ", c->base->apis[api].name, figure_info_of(SHOWN[f])->name);
        print_estimate(SHOWN[f], &best->estimates.figure[api][SHOWN[f]]);
        printf("\n");
    }
    /* The next step up in rate, when it was run: why the best is not higher. */
    tune_point next = {best->at.rate + 1, best->at.burst};
    for (int i = 0; i < result->record_count; i++) {
        const tune_record *r = &result->records[i];
        if (r->at.rate != next.rate || r->at.burst != next.burst || r->overall == TUNE_HOLDS) {
            continue;
        }
        tune_space_point_label(c->space, &next, label, sizeof label);
        printf("  one step higher, %s, is %s:", label, VERDICTS[r->overall]);
        for (int k = 0; k < c->goal->constraint_count; k++) {
            const scenario_expectation *x = &c->goal->constraints[k];
            printf(" %s ", figure_info_of((figure_id)x->figure)->name);
            print_estimate((figure_id)x->figure,
                           &r->estimates.figure[x->api_index < 0 ? 0 : x->api_index][x->figure]);
        }
        printf("\n");
    }
}

/* Says how many other safe points the best cannot be told from: their objective intervals
 * overlap the best's. */
static void print_ties(const tune_context *c, const tune_result *result) {
    const experiment_estimate *best = tune_record_objective(c->goal, &result->records[result->best]);
    int tied = 0;
    int64_t rate_lo = INT64_MAX, rate_hi = INT64_MIN;
    for (int i = 0; i < result->record_count; i++) {
        const tune_record *r = &result->records[i];
        const experiment_estimate *e = tune_record_objective(c->goal, r);
        bool overlap = e->mean - e->half_width <= best->mean + best->half_width &&
                       best->mean - best->half_width <= e->mean + e->half_width;
        if (i == result->best || r->overall != TUNE_HOLDS || !overlap) {
            continue;
        }
        tied++;
        rate_lo = r->at.rate < rate_lo ? r->at.rate : rate_lo;
        rate_hi = r->at.rate > rate_hi ? r->at.rate : rate_hi;
    }
    if (tied == 0) {
        return;
    }
    char lo[64], hi[64];
    tune_space_rate_text(c->space, rate_lo, lo, sizeof lo);
    tune_space_rate_text(c->space, rate_hi, hi, sizeof hi);
    printf("  tied: %d other safe point%s (rates %s..%s) have %s intervals overlapping the "
           "best's; the best has the best mean, ties going to the higher rate\n",
           tied, tied == 1 ? "" : "s", lo, hi, figure_info_of(c->goal->objective)->name);
}

/* Names the points whose constraint interval crosses its threshold: never reported as best. */
static void print_straddling(const tune_context *c, const tune_result *result) {
    int count = 0;
    for (int i = 0; i < result->record_count; i++) {
        const tune_record *r = &result->records[i];
        for (int k = 0; k < c->goal->constraint_count; k++) {
            if (r->verdict[k] != TUNE_STRADDLES) {
                continue;
            }
            const scenario_expectation *x = &c->goal->constraints[k];
            char label[TUNE_TEXT_BYTES];
            tune_space_point_label(c->space, &r->at, label, sizeof label);
            if (count++ == 0) {
                printf("\nnot counted as safe: the interval crosses the threshold (more "
                       "replications may decide)\n");
            }
            printf("  %-22s %s: ", label, x->text);
            print_estimate((figure_id)x->figure,
                           &r->estimates.figure[x->api_index < 0 ? 0 : x->api_index][x->figure]);
            printf("\n");
        }
    }
}

/* A frontier point for sorting: its setting and its record's index. */
typedef struct frontier_entry {
    tune_point at;
    int index;
} frontier_entry;

static int by_setting(const void *x, const void *y) {
    const tune_point *a = &((const frontier_entry *)x)->at;
    const tune_point *b = &((const frontier_entry *)y)->at;
    if (a->rate != b->rate) {
        return a->rate < b->rate ? -1 : 1;
    }
    return a->burst < b->burst ? -1 : a->burst > b->burst ? 1 : 0;
}

static void print_frontier_point(const tune_context *c, const tune_record *r, int api) {
    static const figure_id SHOWN[] = {FIGURE_RATE_429, FIGURE_LATENCY_P99, FIGURE_WASTED_QUOTA,
                                      FIGURE_DONE_RATIO};
    static const char *const NAMES[] = {"429", "p99", "wasted", "done"};
    char label[TUNE_TEXT_BYTES];
    tune_space_point_label(c->space, &r->at, label, sizeof label);
    printf("  %-22s %-9s", label, VERDICTS[r->overall]);
    for (int f = 0; f < 4; f++) {
        printf("  %s ", NAMES[f]);
        print_estimate(SHOWN[f], &r->estimates.figure[api][SHOWN[f]]);
    }
    printf("\n");
}

/* Lists the Pareto frontier's points by rate (at most 12, then how many more). */
static void print_frontier(const tune_context *c, const tune_result *result, int api) {
    bool *on = calloc((size_t)result->record_count + 1, sizeof *on);
    frontier_entry *order = calloc((size_t)result->record_count + 1, sizeof *order);
    if (on == NULL || order == NULL) {
        free(on);
        free(order);
        return;
    }
    tune_frontier_mark(result, api, on);
    int count = 0;
    for (int i = 0; i < result->record_count; i++) {
        if (on[i]) {
            order[count++] = (frontier_entry){result->records[i].at, i};
        }
    }
    qsort(order, (size_t)count, sizeof *order, by_setting);
    printf("\nfrontier (429 rate, p99 latency, wasted quota, done ratio of %s): %d of %d points\n",
           c->base->apis[api].name, count, result->record_count);
    for (int k = 0; k < count && k < 12; k++) {
        print_frontier_point(c, &result->records[order[k].index], api);
    }
    if (count > 12) {
        printf("  ... and %d more in frontier.csv\n", count - 12);
    }
    free(on);
    free(order);
}

static void print_summary(const tune_context *c, const tune_result *result, int api,
                          const char *out_dir, bool drawn) {
    if (result->best >= 0) {
        print_best(c, result, api);
        print_ties(c, result);
    } else {
        printf("\nno point satisfies %s: every point run is unsafe or straddles its threshold\n",
               c->goal->constraint_count == 1 ? "the constraint" : "the constraints");
    }
    print_straddling(c, result);
    print_frontier(c, result, api);
    if (result->order_broken) {
        printf("\nnote: a safe point lies above an unsafe one: the constraint is not monotone "
               "here, so the search fell back to the grid\n");
    }
    printf("\nruns: %" PRId64 " (%d points x %d replications) in %d rounds, of a budget of "
           "%lld%s\n",
           result->runs_spent, result->record_count, c->opts->replications, result->rounds,
           c->opts->budget_runs,
           result->budget_exhausted ? "; the budget ran out before the refinement ended" : "");
    printf("results: %s (points.csv, frontier.csv, summary.json%s)\n", out_dir,
           drawn ? ", plots/frontier.png" : "");
}

/* The threshold line of the figure: a constraint of the frontier's API on one of its panels. */
static plot_frontier_options figure_options(const tune_context *c, int api, char *title,
                                            size_t size) {
    snprintf(title, size, "tune %s: limiter %s, figures of %s", c->base->name, c->space->limiter,
             c->base->apis[api].name);
    plot_frontier_options o = {.title = title, .threshold_panel = -1};
    static const figure_id PANELS[4] = {FIGURE_RATE_429, FIGURE_LATENCY_P99, FIGURE_WASTED_QUOTA,
                                        FIGURE_DONE_RATIO};
    for (int k = 0; k < c->goal->constraint_count && o.threshold_panel < 0; k++) {
        const scenario_expectation *x = &c->goal->constraints[k];
        for (int p = 0; p < 4; p++) {
            if (x->api_index == api && x->figure == (int)PANELS[p]) {
                o.threshold_panel = p;
                o.threshold = x->threshold * (p == 1 ? 1e-6 : 100.0);
                o.threshold_text = x->text;
            }
        }
    }
    return o;
}

/* Writes the results folder; *drawn tells whether the figure was drawn. Returns 0 or an error
 * (a missing gnuplot is not one: it is reported in plot_err). */
static int write_results(const tune_context *c, const tune_outcome *o, const char *out_dir,
                         bool *drawn, rl_error *plot_err, rl_error *err) {
    char tmp_dir[RESULTS_PATH_BYTES], csv[RESULTS_PATH_BYTES], plots[RESULTS_PATH_BYTES];
    int rc = results_folder_begin(out_dir, tmp_dir, sizeof tmp_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = tune_write_files(tmp_dir, o, err);
    if (rc == RL_OK) rc = results_path_join(csv, sizeof csv, tmp_dir, "points.csv", err);
    if (rc == RL_OK) rc = results_path_join(plots, sizeof plots, tmp_dir, "plots", err);
    *drawn = false;
    if (rc == RL_OK) {
        char title[256];
        plot_frontier_options options = figure_options(c, o->api, title, sizeof title);
        int plot_rc = plot_frontier(csv, plots, PLOT_FORMAT_PNG, &options, plot_err);
        *drawn = plot_rc == RL_OK;
        if (plot_rc != RL_OK && plot_rc != RL_ERR_TOOL_MISSING && plot_rc != RL_ERR_TOOL_FAILED) {
            rc = plot_rc;
            *err = *plot_err;
        }
    }
    if (rc == RL_OK) {
        rc = results_folder_commit(tmp_dir, out_dir, err);
    }
    if (rc != RL_OK) {
        results_folder_abort(tmp_dir);
    }
    return rc;
}

/* Everything tune checks before it runs anything. Returns 0 or an exit code (printed). */
static int prepare(tune_options *opts, scenario *base, tune_space *space, tune_goal *goal,
                   int *api) {
    rl_error err;
    rl_error_clear(&err);
    int rc = scenario_load_file(opts->file, opts->overrides, opts->override_count, base, &err);
    if (rc != RL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return rc == RL_ERR_NOMEM ? CLI_EXIT_RUN_FAILED : CLI_EXIT_BAD_INPUT;
    }
    rc = tune_space_parse(opts->limiter, opts->vary, space, &err);
    if (rc == RL_OK) rc = tune_space_check(space, base, &err);
    if (rc == RL_OK) rc = build_goal(opts, base, space, goal, api, &err);
    if (rc == RL_OK) {
        int64_t needed = tune_search_min_runs(space, goal, opts->replications);
        if (opts->budget_runs == 0) {
            int64_t budget = needed * TUNE_BUDGET_FACTOR;
            opts->budget_runs = budget < TUNE_BUDGET_MAX_RUNS ? budget : TUNE_BUDGET_MAX_RUNS;
        }
        rc = tune_search_check_budget(space, goal, opts->replications, opts->budget_runs,
                                      &err);
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab tune: %s: %s\n", opts->file, err.message);
        return CLI_EXIT_BAD_INPUT;
    }
    return 0;
}

static int run_tune(tune_options *opts, const scenario *base, const tune_space *space,
                    const tune_goal *goal, int api) {
    tune_context c = {.opts = opts, .space = space, .goal = goal, .base = base,
                      .seed = opts->seed_given ? opts->seed : base->seed};
    tune_plan plan = {.space = space, .goal = goal, .replications = opts->replications,
                      .budget_runs = opts->budget_runs, .evaluate = evaluate, .context = &c};
    char out_dir[RESULTS_PATH_BYTES];
    if (opts->out_dir != NULL) {
        snprintf(out_dir, sizeof out_dir, "%s", opts->out_dir);
    } else {
        snprintf(out_dir, sizeof out_dir, "results/runs/%s-tune-%s-seed%" PRIu64, base->name,
                 space->limiter, c.seed);
    }
    if (!opts->quiet) {
        print_header(&c, &plan,
                     tune_goal_is_monotone(goal)
                         ? "the constraints rise with the rate: bisection on the boundary, then "
                           "the points around the best"
                         : "coarse grid, then the points around the best");
    }
    tune_result result;
    rl_error err;
    rl_error_clear(&err);
    bool handler = cli_interrupt_install() == 0;
    int rc = tune_search_run(&plan, &result, &err);
    if (handler) {
        cli_interrupt_restore();
    }
    if (c.interrupted) {
        fprintf(stderr, "ratelab tune: interrupted after %" PRId64 " runs; nothing written\n",
                result.runs_spent);
        tune_result_free(&result);
        return CLI_EXIT_INTERRUPTED;
    }
    bool drawn = false;
    rl_error plot_err;
    rl_error_clear(&plot_err);
    if (rc == RL_OK) {
        tune_outcome o = {.file = opts->file, .base = base, .space = space, .goal = goal,
                          .result = &result, .api = api, .replications = opts->replications,
                          .seed = c.seed, .budget_runs = opts->budget_runs};
        rc = write_results(&c, &o, out_dir, &drawn, &plot_err, &err);
    }
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab tune: %s: %s\n", opts->file, err.message);
        tune_result_free(&result);
        return rc == RL_ERR_INVALID ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUN_FAILED;
    }
    if (!opts->quiet) {
        print_summary(&c, &result, api, out_dir, drawn);
    }
    if (!drawn && plot_err.message[0] != '\0') {
        fprintf(stderr, "ratelab tune: the frontier figure was not drawn: %s\n",
                plot_err.message);
    }
    int exit_code = result.best >= 0 ? CLI_EXIT_OK : CLI_EXIT_EXPECTATIONS_FAILED;
    tune_result_free(&result);
    return exit_code;
}

int cli_tune(int argc, char **argv) {
    tune_options *opts = calloc(1, sizeof *opts);
    scenario *base = calloc(1, sizeof *base);
    if (opts == NULL || base == NULL) {
        free(opts);
        free(base);
        fputs("ratelab tune: out of memory\n", stderr);
        return CLI_EXIT_RUN_FAILED;
    }
    opts->replications = TUNE_REPLICATIONS_DEFAULT;
    opts->jobs = cli_default_jobs();
    int rc = parse_args(argc, argv, opts);
    tune_space space;
    tune_goal goal;
    int api = -1;
    if (rc == 0) {
        rc = prepare(opts, base, &space, &goal, &api);
    }
    if (rc == 0) {
        rc = run_tune(opts, base, &space, &goal, api);
    }
    free(opts);
    free(base);
    return rc < 0 ? CLI_EXIT_OK : rc;
}
