/* test_tune_search.c - tune's search driven by figures from formulas (no simulation): the exact
 * points a bisection runs, a straddling point never reported as best, the grid and its
 * refinement, an order that breaks, the budget, verdicts on intervals, and the frontier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/experiment/tune_search.h"
#include "harness/experiment/tune_write.h"

#define REPLICATIONS 5

/* A model of the figures: the 429 rate and p99 latency as functions of (rate, burst). */
typedef struct model {
    int64_t safe_rate_max;    /* 429 rate 0 up to here (plus one per burst above 1: see below) */
    int64_t straddle_rate;    /* this rate has a 429 interval across 0.001 (0 for none) */
    int64_t unsafe_from;      /* with unsafe_to: a band of unsafe rates (0 for none) */
    int64_t unsafe_to;
    int64_t best_wasted_rate; /* wasted quota is |rate - this| (0: falls with the rate) */
    int calls;
    int64_t order[64];        /* the rates in the order they were asked */
    int64_t bursts[64];
} model;

static int evaluate(void *context, const tune_point *points, int count, tune_estimates *out,
                    rl_error *err) {
    (void)err;
    model *m = context;
    for (int i = 0; i < count; i++) {
        tune_point p = points[i];
        if (m->calls < 64) {
            m->order[m->calls] = p.rate;
            m->bursts[m->calls] = p.burst;
        }
        m->calls++;
        memset(&out[i], 0, sizeof out[i]);
        experiment_estimate *rate_429 = &out[i].figure[0][FIGURE_RATE_429];
        /* each burst step above 1 lowers the safe rate by 2 */
        bool unsafe = p.rate > m->safe_rate_max - 2 * (p.burst - 1) ||
                      (p.rate >= m->unsafe_from && p.rate <= m->unsafe_to);
        rate_429->mean = unsafe ? 0.01 : 0.0;
        rate_429->half_width = unsafe ? 0.002 : 0.0;
        if (p.rate == m->straddle_rate) {
            *rate_429 = (experiment_estimate){.mean = 0.0008, .half_width = 0.0005};
        }
        out[i].figure[0][FIGURE_LATENCY_P99].mean = 1e6 / (double)p.rate;
        out[i].figure[0][FIGURE_WASTED_QUOTA].mean =
            m->best_wasted_rate > 0 ? (double)llabs(p.rate - m->best_wasted_rate)
                                    : 100.0 / (double)p.rate;
        out[i].figure[0][FIGURE_DONE_RATIO].mean = 1.0;
    }
    return RL_OK;
}

static tune_space space_of(int64_t rate_lo, int64_t rate_hi, int64_t burst_lo, int64_t burst_hi) {
    tune_space s = {.limiter_index = 0, .rate_period_us = 1000000};
    s.rate = (tune_axis){.varied = true, .lo = rate_lo, .hi = rate_hi};
    s.burst = (tune_axis){.varied = burst_hi > burst_lo, .lo = burst_lo, .hi = burst_hi};
    return s;
}

static tune_goal goal_of(figure_id constraint, expect_op op, double threshold, figure_id objective) {
    tune_goal g = {.constraint_count = 1, .objective_api = 0, .objective = objective};
    g.constraints[0] = (scenario_expectation){
        .api_index = 0, .figure = constraint, .op = op, .threshold = threshold};
    return g;
}

static int search(const tune_space *space, const tune_goal *goal, model *m, int64_t budget,
                  tune_result *out) {
    tune_plan plan = {.space = space, .goal = goal, .replications = REPLICATIONS,
                      .budget_runs = budget, .evaluate = evaluate, .context = m};
    rl_error err;
    return tune_search_run(&plan, out, &err);
}

/* The highest safe rate by bisection, then the grid below it and the refinement: every point
 * run, in order, by hand. Bisection on 1..20: the ends (20, 1), then 10, 5, 7, 8, 9. The grid on
 * 1..9 adds 3 (1, 5, 7, 9 ran); around the best, 9, at steps 2 and 1: 7, 8, 10 ran, 11 is
 * known unsafe. */
static void bisection_runs_exactly_these_points(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 1);
    tune_goal goal = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_LATENCY_P99);
    model m = {.safe_rate_max = 9};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 1000, &r), RL_OK);
    const int64_t expected[] = {20, 1, 10, 5, 7, 8, 9, 3};
    assert_int_equal(m.calls, 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(m.order[i], expected[i]);
    }
    assert_true(r.bisection);
    assert_false(r.order_broken);
    assert_false(r.budget_exhausted);
    assert_int_equal(r.runs_spent, 8 * REPLICATIONS);
    assert_true(r.best >= 0);
    assert_int_equal(r.records[r.best].at.rate, 9);
    tune_result_free(&r);
}

/* 9 straddles the threshold (0.0008 ± 0.0005 against < 0.001): it is not safe, so the best is
 * 8, and the record of 9 says it straddles. */
static void straddling_point_is_never_best(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 1);
    tune_goal goal = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_LATENCY_P99);
    model m = {.safe_rate_max = 9, .straddle_rate = 9};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 1000, &r), RL_OK);
    assert_int_equal(r.records[r.best].at.rate, 8);
    bool seen = false;
    for (int i = 0; i < r.record_count; i++) {
        if (r.records[i].at.rate == 9) {
            assert_int_equal(r.records[i].verdict[0], TUNE_STRADDLES);
            assert_int_equal(r.records[i].overall, TUNE_STRADDLES);
            seen = true;
        }
    }
    assert_true(seen);
    tune_result_free(&r);
}

/* A constraint that does not rise with the rate (done_ratio >= 0.5) means a grid: 1, 5, 10,
 * 15, 20 (1 + 19i/4, rounded down); the wasted quota is least at 13, which the refinement finds
 * (steps 5, 3, 2, 1 around the best). */
static void grid_and_refinement_find_an_interior_optimum(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 1);
    tune_goal goal = goal_of(FIGURE_DONE_RATIO, EXPECT_GE, 0.5, FIGURE_WASTED_QUOTA);
    model m = {.safe_rate_max = 1000, .best_wasted_rate = 13};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 1000, &r), RL_OK);
    assert_false(r.bisection);
    const int64_t grid[] = {1, 5, 10, 15, 20};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(m.order[i], grid[i]);
    }
    assert_int_equal(r.records[r.best].at.rate, 13);
    assert_int_equal(tune_search_min_runs(&space, &goal, REPLICATIONS), 5 * REPLICATIONS);
    tune_result_free(&r);
}

/* Safe at the top (20) but unsafe at 10..12: the grid finds an unsafe point below a safe one,
 * the order is declared broken, and the best is a safe point (never one of 10..12). */
static void broken_order_falls_back_to_the_grid(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 1);
    tune_goal goal = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_WASTED_QUOTA);
    model m = {.safe_rate_max = 1000, .unsafe_from = 10, .unsafe_to = 12, .best_wasted_rate = 11};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 1000, &r), RL_OK);
    assert_true(r.order_broken);
    int64_t best = r.records[r.best].at.rate;
    assert_true(best == 9 || best == 13);
    tune_result_free(&r);
}

/* Below what the bisection needs (7 points x 5 = 35 runs) is refused; exactly that is enough
 * for the boundary, and the refinement stops for want of budget. */
static void budget_is_checked_and_kept(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 1);
    tune_goal goal = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_LATENCY_P99);
    assert_int_equal(tune_search_min_runs(&space, &goal, REPLICATIONS), 35);
    model m = {.safe_rate_max = 9};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 34, &r), RL_ERR_INVALID);
    assert_int_equal(m.calls, 0);
    tune_result_free(&r);
    assert_int_equal(search(&space, &goal, &m, 35, &r), RL_OK);
    assert_int_equal(r.runs_spent, 35);
    assert_true(r.budget_exhausted);
    assert_int_equal(r.records[r.best].at.rate, 9);
    tune_result_free(&r);
}

/* With rate and burst: a point at or above (in both) a point that is not safe is never run. */
static void known_unsafe_points_are_never_run(void **state) {
    (void)state;
    tune_space space = space_of(1, 20, 1, 5);
    tune_goal goal = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_LATENCY_P99);
    model m = {.safe_rate_max = 12};
    tune_result r;
    assert_int_equal(search(&space, &goal, &m, 2000, &r), RL_OK);
    for (int i = 0; i < r.record_count; i++) {
        for (int k = 0; k < i; k++) {
            const tune_record *early = &r.records[k], *late = &r.records[i];
            bool above = late->at.rate >= early->at.rate && late->at.burst >= early->at.burst;
            assert_false(early->overall != TUNE_HOLDS && above && early->round < late->round);
        }
    }
    /* safe up to 12 - 2 (burst - 1): the best latency is at burst 1, rate 12 */
    assert_int_equal(r.records[r.best].at.rate, 12);
    assert_int_equal(r.records[r.best].at.burst, 1);
    tune_result_free(&r);
}

static void verdicts_on_intervals(void **state) {
    (void)state;
    scenario_expectation lt = {.op = EXPECT_LT, .threshold = 0.001};
    scenario_expectation ge = {.op = EXPECT_GE, .threshold = 0.5};
    scenario_expectation eq = {.op = EXPECT_EQ, .threshold = 1.0};
    experiment_estimate e;
    e = (experiment_estimate){0.0, 0.0};
    assert_int_equal(tune_verdict_of(&lt, &e), TUNE_HOLDS);
    e = (experiment_estimate){0.0008, 0.0001}; /* [0.0007, 0.0009] */
    assert_int_equal(tune_verdict_of(&lt, &e), TUNE_HOLDS);
    e = (experiment_estimate){0.0008, 0.0005}; /* [0.0003, 0.0013] */
    assert_int_equal(tune_verdict_of(&lt, &e), TUNE_STRADDLES);
    e = (experiment_estimate){0.002, 0.0005};
    assert_int_equal(tune_verdict_of(&lt, &e), TUNE_FAILS);
    e = (experiment_estimate){0.6, 0.05};
    assert_int_equal(tune_verdict_of(&ge, &e), TUNE_HOLDS);
    e = (experiment_estimate){0.52, 0.05};
    assert_int_equal(tune_verdict_of(&ge, &e), TUNE_STRADDLES);
    e = (experiment_estimate){1.0, 0.0};
    assert_int_equal(tune_verdict_of(&eq, &e), TUNE_HOLDS);
    e = (experiment_estimate){0.9, 0.2};
    assert_int_equal(tune_verdict_of(&eq, &e), TUNE_STRADDLES);
    e = (experiment_estimate){0.5, 0.1};
    assert_int_equal(tune_verdict_of(&eq, &e), TUNE_FAILS);
}

static void monotone_goals(void **state) {
    (void)state;
    tune_goal g = goal_of(FIGURE_RATE_429, EXPECT_LT, 0.001, FIGURE_LATENCY_P99);
    assert_true(tune_goal_is_monotone(&g));
    g = goal_of(FIGURE_BURST_RATIO, EXPECT_LE, 1.0, FIGURE_LATENCY_P99);
    assert_true(tune_goal_is_monotone(&g));
    g = goal_of(FIGURE_RATE_429, EXPECT_GT, 0.001, FIGURE_LATENCY_P99); /* a floor: no */
    assert_false(tune_goal_is_monotone(&g));
    g = goal_of(FIGURE_LATENCY_P99, EXPECT_LT, 1e6, FIGURE_LATENCY_P99);
    assert_false(tune_goal_is_monotone(&g));
    g.constraint_count = 0;
    assert_false(tune_goal_is_monotone(&g));
}

/* Four points by hand: a (0% 429, 60 s, 5% wasted, 100% done), b (1%, 50 s, 0%, 100%): neither
 * beats the other; c (0%, 70 s, 5%, 100%) is beaten by a; d equal to a: a and d both stay. */
static void frontier_by_hand(void **state) {
    (void)state;
    tune_record records[4];
    memset(records, 0, sizeof records);
    const double figures[4][4] = {
        {0.00, 60e6, 0.05, 1.0}, {0.01, 50e6, 0.00, 1.0}, {0.00, 70e6, 0.05, 1.0},
        {0.00, 60e6, 0.05, 1.0}};
    const figure_id ids[4] = {FIGURE_RATE_429, FIGURE_LATENCY_P99, FIGURE_WASTED_QUOTA,
                              FIGURE_DONE_RATIO};
    for (int i = 0; i < 4; i++) {
        for (int f = 0; f < 4; f++) {
            records[i].estimates.figure[0][ids[f]].mean = figures[i][f];
        }
    }
    tune_result r = {.record_count = 4, .records = records, .best = 0};
    bool on[4];
    tune_frontier_mark(&r, 0, on);
    assert_true(on[0]);
    assert_true(on[1]);
    assert_false(on[2]);
    assert_true(on[3]);
    /* a lower done ratio makes b beaten by nobody still; a higher one for c lifts it */
    records[2].estimates.figure[0][FIGURE_DONE_RATIO].mean = 1.0 + 1e-9;
    tune_frontier_mark(&r, 0, on);
    assert_true(on[2]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bisection_runs_exactly_these_points),
        cmocka_unit_test(straddling_point_is_never_best),
        cmocka_unit_test(grid_and_refinement_find_an_interior_optimum),
        cmocka_unit_test(broken_order_falls_back_to_the_grid),
        cmocka_unit_test(budget_is_checked_and_kept),
        cmocka_unit_test(known_unsafe_points_are_never_run),
        cmocka_unit_test(verdicts_on_intervals),
        cmocka_unit_test(monotone_goals),
        cmocka_unit_test(frontier_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
