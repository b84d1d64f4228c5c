/* tune_search.c - the boundary bisection, the coarse grid and the refinement of `ratelab tune`
 * (tune_search.h says how they fit together). */
#include "harness/experiment/tune_search.h"

#include <assert.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/expectations.h"

/* What the order of the space says about a point without running it. */
typedef enum known_status { KNOWN_NOTHING = 0, KNOWN_HOLDS, KNOWN_NOT_HOLDS } known_status;

typedef struct search {
    const tune_plan *plan;
    tune_result *out;
    bool use_order; /* the constraints are monotone and no point contradicted it */
} search;

bool tune_goal_is_monotone(const tune_goal *goal) {
    if (goal->constraint_count == 0) {
        return false;
    }
    for (int i = 0; i < goal->constraint_count; i++) {
        const scenario_expectation *c = &goal->constraints[i];
        bool rising = c->api_index >= 0 &&
                      (c->figure == FIGURE_RATE_429 || c->figure == FIGURE_BURST_RATIO ||
                       c->figure == FIGURE_ATTEMPTS_PER_JOB);
        if (!rising || (c->op != EXPECT_LT && c->op != EXPECT_LE)) {
            return false;
        }
    }
    return true;
}

/* The coarse grid's values over lo..hi, ascending, without repeats, into values (room for
 * TUNE_GRID_STEPS + 1). Returns how many. */
static int grid_values(int64_t lo, int64_t hi, int64_t *values) {
    int count = 0;
    for (int i = 0; i <= TUNE_GRID_STEPS; i++) {
        int64_t v = lo + (hi - lo) * i / TUNE_GRID_STEPS;
        if (count == 0 || values[count - 1] != v) {
            values[count++] = v;
        }
    }
    return count;
}

/* ceil(log2(n)) for n >= 1. */
static int ceil_log2(int64_t n) {
    int bits = 0;
    while ((INT64_C(1) << bits) < n) {
        bits++;
    }
    return bits;
}

int64_t tune_search_min_runs(const tune_space *space, const tune_goal *goal, int replications) {
    int64_t values[TUNE_GRID_STEPS + 1];
    int64_t bursts = grid_values(space->burst.lo, space->burst.hi, values);
    if (tune_goal_is_monotone(goal)) {
        int64_t span = space->rate.hi - space->rate.lo;
        int64_t per_burst = span == 0 ? 1 : 2 + ceil_log2(span);
        return bursts * per_burst * replications;
    }
    int64_t rates = grid_values(space->rate.lo, space->rate.hi, values);
    return rates * bursts * replications;
}

int tune_search_check_budget(const tune_space *space, const tune_goal *goal, int replications,
                             int64_t budget_runs, rl_error *err) {
    int64_t needed = tune_search_min_runs(space, goal, replications);
    if (budget_runs >= needed && budget_runs <= TUNE_BUDGET_MAX_RUNS) {
        return RL_OK;
    }
    if (needed > TUNE_BUDGET_MAX_RUNS) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "the search needs %lld runs (%lld points x %d replications), more "
                            "than the most a budget allows (%d); use fewer replications or a "
                            "smaller range",
                            (long long)needed, (long long)(needed / replications), replications,
                            TUNE_BUDGET_MAX_RUNS);
    }
    return rl_error_set(err, RL_ERR_INVALID,
                        "--budget %lld: the search needs at least %lld runs (%lld points x %d "
                        "replications for the %s); allowed: %lld to %d",
                        (long long)budget_runs, (long long)needed,
                        (long long)(needed / replications), replications,
                        tune_goal_is_monotone(goal) ? "boundary's bisection" : "coarse grid",
                        (long long)needed, TUNE_BUDGET_MAX_RUNS);
}

tune_verdict tune_verdict_of(const scenario_expectation *c, const experiment_estimate *estimate) {
    double low = estimate->mean - estimate->half_width;
    double high = estimate->mean + estimate->half_width;
    bool low_ok = expectation_holds(c->op, low, c->threshold);
    bool high_ok = expectation_holds(c->op, high, c->threshold);
    if (low_ok && high_ok) {
        return TUNE_HOLDS;
    }
    if (c->op == EXPECT_EQ) {
        bool inside = low <= c->threshold && c->threshold <= high;
        return inside || low_ok || high_ok ? TUNE_STRADDLES : TUNE_FAILS;
    }
    return low_ok || high_ok ? TUNE_STRADDLES : TUNE_FAILS;
}

static const experiment_estimate *estimate_at(const tune_estimates *e, int api, figure_id f) {
    return &e->figure[api < 0 ? 0 : api][f];
}

const experiment_estimate *tune_record_objective(const tune_goal *goal, const tune_record *r) {
    return estimate_at(&r->estimates, goal->objective_api, goal->objective);
}

static bool point_leq(tune_point a, tune_point b) {
    return a.rate <= b.rate && a.burst <= b.burst;
}

static int find_record(const tune_result *out, tune_point p) {
    for (int i = 0; i < out->record_count; i++) {
        if (out->records[i].at.rate == p.rate && out->records[i].at.burst == p.burst) {
            return i;
        }
    }
    return -1;
}

/* What the records and the order say about p. */
static known_status known_at(const search *s, tune_point p) {
    int i = find_record(s->out, p);
    if (i >= 0) {
        return s->out->records[i].overall == TUNE_HOLDS ? KNOWN_HOLDS : KNOWN_NOT_HOLDS;
    }
    if (!s->use_order) {
        return KNOWN_NOTHING;
    }
    for (int k = 0; k < s->out->record_count; k++) {
        const tune_record *r = &s->out->records[k];
        if (r->overall != TUNE_HOLDS && point_leq(r->at, p)) {
            return KNOWN_NOT_HOLDS; /* p asks at least as much as an unsafe point */
        }
        if (r->overall == TUNE_HOLDS && point_leq(p, r->at)) {
            return KNOWN_HOLDS;
        }
    }
    return KNOWN_NOTHING;
}

/* True when record i and another contradict the order: a point that fails outright at or
 * below a point where every constraint holds. */
static bool contradicts_order(const tune_result *out, int i) {
    const tune_record *r = &out->records[i];
    for (int k = 0; k < out->record_count; k++) {
        const tune_record *q = &out->records[k];
        if (k == i) {
            continue;
        }
        if (r->overall == TUNE_FAILS && q->overall == TUNE_HOLDS && point_leq(r->at, q->at)) {
            return true;
        }
        if (q->overall == TUNE_FAILS && r->overall == TUNE_HOLDS && point_leq(q->at, r->at)) {
            return true;
        }
    }
    return false;
}

static void record_fill(const tune_goal *goal, tune_record *r) {
    r->overall = TUNE_HOLDS;
    for (int c = 0; c < goal->constraint_count; c++) {
        const scenario_expectation *x = &goal->constraints[c];
        r->verdict[c] = tune_verdict_of(x, estimate_at(&r->estimates, x->api_index, x->figure));
        if (r->verdict[c] > r->overall) {
            r->overall = r->verdict[c];
        }
    }
}

/* Runs those of points[0..count) not yet run, as one batch, as far as the budget goes. */
static int evaluate_batch(search *s, const tune_point *points, int count, rl_error *err) {
    tune_result *out = s->out;
    const tune_plan *plan = s->plan;
    int64_t fit = (plan->budget_runs - out->runs_spent) / plan->replications;
    int start = out->record_count;
    for (int i = 0; i < count; i++) {
        if (find_record(out, points[i]) >= 0) {
            continue;
        }
        if (out->record_count - start >= fit || out->record_count == out->record_capacity) {
            out->budget_exhausted = true;
            break;
        }
        memset(&out->records[out->record_count], 0, sizeof out->records[0]);
        out->records[out->record_count].at = points[i];
        out->records[out->record_count].round = out->rounds;
        out->record_count++;
    }
    int added = out->record_count - start;
    if (added == 0) {
        return RL_OK;
    }
    tune_point *batch = rl_calloc((size_t)added, sizeof *batch);
    tune_estimates *estimates = rl_calloc((size_t)added, sizeof *estimates);
    int rc = batch == NULL || estimates == NULL
                 ? rl_error_set(err, RL_ERR_NOMEM, "out of memory for %d points", added)
                 : RL_OK;
    for (int i = 0; rc == RL_OK && i < added; i++) {
        batch[i] = out->records[start + i].at;
    }
    if (rc == RL_OK) {
        rc = plan->evaluate(plan->context, batch, added, estimates, err);
    }
    for (int i = 0; rc == RL_OK && i < added; i++) {
        out->records[start + i].estimates = estimates[i];
        record_fill(plan->goal, &out->records[start + i]);
    }
    rl_free(batch);
    rl_free(estimates);
    if (rc != RL_OK) {
        out->record_count = start;
        return rc;
    }
    out->rounds++;
    out->runs_spent += (int64_t)added * plan->replications;
    for (int i = start; s->use_order && i < out->record_count; i++) {
        if (contradicts_order(out, i)) {
            s->use_order = false;
            out->order_broken = true;
        }
    }
    return RL_OK;
}

/* Whether the constraints hold at p, running it when nothing says. KNOWN_NOTHING when the
 * budget is spent or the order broke (the bisection then stops). */
static int status_at(search *s, tune_point p, known_status *status, rl_error *err) {
    *status = known_at(s, p);
    if (*status != KNOWN_NOTHING) {
        return RL_OK;
    }
    int rc = evaluate_batch(s, &p, 1, err);
    *status = rc == RL_OK && s->use_order ? known_at(s, p) : KNOWN_NOTHING;
    return rc;
}

/* The highest rate at burst whose constraints hold (into *boundary; rate.lo - 1 for none). */
static int bisect_rate(search *s, int64_t burst, int64_t *boundary, rl_error *err) {
    const tune_axis *rate = &s->plan->space->rate;
    int64_t low = rate->lo, high = rate->hi;
    *boundary = rate->lo - 1;
    known_status at;
    int rc = status_at(s, (tune_point){high, burst}, &at, err);
    if (rc != RL_OK || at != KNOWN_NOT_HOLDS) {
        *boundary = at == KNOWN_HOLDS ? high : *boundary;
        return rc;
    }
    rc = status_at(s, (tune_point){low, burst}, &at, err);
    if (rc != RL_OK || at != KNOWN_HOLDS) {
        return rc;
    }
    /* low holds, high does not */
    while (high - low > 1) {
        int64_t middle = low + (high - low) / 2;
        rc = status_at(s, (tune_point){middle, burst}, &at, err);
        if (rc != RL_OK || at == KNOWN_NOTHING) {
            return rc;
        }
        if (at == KNOWN_HOLDS) {
            low = middle;
        } else {
            high = middle;
        }
    }
    *boundary = low;
    return RL_OK;
}

/* Bisects the boundary at each coarse burst value; *rate_high is the highest safe rate found
 * (rate.lo - 1 when none). */
static int find_boundary(search *s, int64_t *rate_high, rl_error *err) {
    const tune_space *space = s->plan->space;
    int64_t bursts[TUNE_GRID_STEPS + 1];
    int burst_count = grid_values(space->burst.lo, space->burst.hi, bursts);
    *rate_high = space->rate.lo - 1;
    for (int b = 0; b < burst_count && s->use_order; b++) {
        int64_t boundary;
        int rc = bisect_rate(s, bursts[b], &boundary, err);
        if (rc != RL_OK) {
            return rc;
        }
        if (boundary < space->rate.lo) {
            break; /* a larger burst is no safer */
        }
        *rate_high = boundary > *rate_high ? boundary : *rate_high;
    }
    return RL_OK;
}

/* True when a is a better point than b for the objective (ties: the higher rate, then burst). */
static bool better(const tune_goal *goal, const tune_record *a, const tune_record *b) {
    double x = tune_record_objective(goal, a)->mean;
    double y = tune_record_objective(goal, b)->mean;
    if (x != y) {
        return goal->maximise ? x > y : x < y;
    }
    if (a->at.rate != b->at.rate) {
        return a->at.rate > b->at.rate;
    }
    return a->at.burst > b->at.burst;
}

static int pick_best(const tune_plan *plan, const tune_result *out) {
    int best = -1;
    for (int i = 0; i < out->record_count; i++) {
        const tune_record *r = &out->records[i];
        if (r->overall == TUNE_HOLDS &&
            (best < 0 || better(plan->goal, r, &out->records[best]))) {
            best = i;
        }
    }
    return best;
}

/* Runs the coarse grid over rates lo..rate_high and every burst, but for points known unsafe. */
static int run_grid(search *s, int64_t rate_high, rl_error *err) {
    const tune_space *space = s->plan->space;
    int64_t rates[TUNE_GRID_STEPS + 1], bursts[TUNE_GRID_STEPS + 1];
    int rate_count = grid_values(space->rate.lo, rate_high, rates);
    int burst_count = grid_values(space->burst.lo, space->burst.hi, bursts);
    tune_point points[(TUNE_GRID_STEPS + 1) * (TUNE_GRID_STEPS + 1)];
    int count = 0;
    for (int r = 0; r < rate_count; r++) {
        for (int b = 0; b < burst_count; b++) {
            tune_point p = {rates[r], bursts[b]};
            if (known_at(s, p) != KNOWN_NOT_HOLDS) {
                points[count++] = p;
            }
        }
    }
    return evaluate_batch(s, points, count, err);
}

/* Adds p to points when it is inside the space, not run and not known unsafe. */
static void add_candidate(const search *s, tune_point p, tune_point *points, int *count) {
    const tune_space *space = s->plan->space;
    bool inside = p.rate >= space->rate.lo && p.rate <= space->rate.hi &&
                  p.burst >= space->burst.lo && p.burst <= space->burst.hi;
    if (inside && find_record(s->out, p) < 0 && known_at(s, p) != KNOWN_NOT_HOLDS) {
        points[(*count)++] = p;
    }
}

/* Runs the neighbours of the best point at the current steps, halving them when there is
 * nothing new to run, until the steps are 1 or the budget is spent. */
static int refine(search *s, int64_t rate_step, int64_t burst_step, rl_error *err) {
    for (;;) {
        int best = pick_best(s->plan, s->out);
        if (best < 0 || s->out->budget_exhausted) {
            return RL_OK;
        }
        tune_point at = s->out->records[best].at;
        tune_point points[4];
        int count = 0;
        add_candidate(s, (tune_point){at.rate + rate_step, at.burst}, points, &count);
        add_candidate(s, (tune_point){at.rate - rate_step, at.burst}, points, &count);
        add_candidate(s, (tune_point){at.rate, at.burst + burst_step}, points, &count);
        add_candidate(s, (tune_point){at.rate, at.burst - burst_step}, points, &count);
        if (count == 0) {
            if (rate_step == 1 && burst_step == 1) {
                return RL_OK;
            }
            rate_step = (rate_step + 1) / 2;
            burst_step = (burst_step + 1) / 2;
            continue;
        }
        int rc = evaluate_batch(s, points, count, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
}

/* The coarse grid's step over lo..hi (at least 1). */
static int64_t grid_step(int64_t lo, int64_t hi) {
    int64_t step = (hi - lo + TUNE_GRID_STEPS - 1) / TUNE_GRID_STEPS;
    return step >= 1 ? step : 1;
}

int tune_search_run(const tune_plan *plan, tune_result *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    out->best = -1;
    const tune_space *space = plan->space;
    assert(plan->replications >= 2);
    int rc = tune_search_check_budget(space, plan->goal, plan->replications, plan->budget_runs,
                                      err);
    if (rc != RL_OK) {
        return rc;
    }
    out->record_capacity = (int)(plan->budget_runs / plan->replications);
    out->records = rl_calloc((size_t)out->record_capacity, sizeof *out->records);
    if (out->records == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for %d points",
                            out->record_capacity);
    }
    search s = {.plan = plan, .out = out, .use_order = tune_goal_is_monotone(plan->goal)};
    out->bisection = s.use_order;
    int64_t rate_high = space->rate.hi;
    if (s.use_order) {
        rc = find_boundary(&s, &rate_high, err);
        if (rc == RL_OK && s.use_order && rate_high < space->rate.lo) {
            return RL_OK; /* not even the lowest setting is safe */
        }
        rate_high = s.use_order ? rate_high : space->rate.hi;
    }
    if (rc == RL_OK) {
        rc = run_grid(&s, rate_high, err);
    }
    if (rc == RL_OK) {
        rc = refine(&s, grid_step(space->rate.lo, rate_high),
                    grid_step(space->burst.lo, space->burst.hi), err);
    }
    out->best = pick_best(plan, out);
    return rc;
}

void tune_result_free(tune_result *result) {
    rl_free(result->records);
    memset(result, 0, sizeof *result);
    result->best = -1;
}
