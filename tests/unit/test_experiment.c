/* test_experiment.c - sweeps and replications: the grid's order and labels, the run cap, the
 * confidence interval against a hand computation, and figures independent of the thread count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/experiment/experiment.h"

static const char SCENARIO[] =
    "name: tiny\n"
    "duration: 20s\n"
    "seed: 7\n"
    "apis:\n"
    "  api: {model: burst_intolerant, limit: 20/s, burst: 5/1s}\n"
    "limiters:\n"
    "  shared: {algorithm: gcra, scope: redis, rate: 10/s, burst: 2}\n"
    "pods:\n"
    "  workers:\n"
    "    count: 5\n"
    "    traffic:\n"
    "      - api: api\n"
    "        limiter: shared\n"
    "        workload: {kind: poisson, rate: 3/s}\n"
    "sweep:\n"
    "  limiters.shared.rate: [5/s, 10/s]\n"
    "  pods.workers.count: [2, 4, 6]\n";

static char path[64];

static int write_scenario(void **state) {
    (void)state;
    snprintf(path, sizeof path, "/tmp/ratelab_test_experiment_%d.yaml", (int)getpid());
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        return -1;
    }
    fputs(SCENARIO, out);
    return fclose(out);
}

static int remove_scenario(void **state) {
    (void)state;
    return unlink(path);
}

static experiment_spec spec_of(int replications, int jobs) {
    return (experiment_spec){.file = path, .replications = replications, .jobs = jobs};
}

static void grid_in_file_order_last_key_fastest(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    assert_non_null(e);
    experiment_spec spec = spec_of(1, 1);
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_equal(e->point_count, 6);
    assert_int_equal(e->seed, 7);
    assert_string_equal(e->points[0].label, "limiters.shared.rate=5/s pods.workers.count=2");
    assert_string_equal(e->points[1].label, "limiters.shared.rate=5/s pods.workers.count=4");
    assert_string_equal(e->points[5].label, "limiters.shared.rate=10/s pods.workers.count=6");
    experiment_free(e);
    /* --sweep replaces the file's key of the same path and adds new ones. */
    scenario_sweep_key extra[2] = {{.path = "pods.workers.count", .value_count = 1,
                                    .values = {"3"}},
                                   {.path = "limiters.shared.burst", .value_count = 2,
                                    .values = {"1", "3"}}};
    spec.extra_sweep = extra;
    spec.extra_sweep_count = 2;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_equal(e->point_count, 4);
    assert_string_equal(e->points[3].label,
                        "limiters.shared.rate=10/s pods.workers.count=3 limiters.shared.burst=3");
    experiment_free(e);
    free(e);
}

/* Given points replace the grid (the file's sweep: is ignored) and run with their overrides:
 * a rate of 5/s and of 10/s give different figures, the same points in a grid the same ones. */
static void given_points_replace_the_grid(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    experiment *grid = calloc(1, sizeof *grid);
    assert_non_null(e);
    assert_non_null(grid);
    experiment_point given[2] = {
        {.override_count = 2, .label = "slow",
         .overrides = {{"limiters.shared.rate", "5/s"}, {"pods.workers.count", "2"}}},
        {.override_count = 2, .label = "fast",
         .overrides = {{"limiters.shared.rate", "10/s"}, {"pods.workers.count", "2"}}}};
    experiment_spec spec = spec_of(2, 2);
    spec.given_points = given;
    spec.given_point_count = 2;
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_equal(e->point_count, 2);
    assert_int_equal(e->sweep_key_count, 0);
    assert_string_equal(e->points[1].label, "fast");
    assert_int_equal(experiment_run(&spec, e, &err), RL_OK);
    assert_int_equal(e->runs_done, 4);
    experiment_spec grid_spec = spec_of(2, 2); /* the file's grid: rate 5/s and 10/s x count */
    assert_int_equal(experiment_plan(&grid_spec, grid, &err), RL_OK);
    assert_int_equal(experiment_run(&grid_spec, grid, &err), RL_OK);
    for (int f = 0; f < FIGURE_COUNT; f++) {
        /* grid point 0 is rate 5/s, count 2; point 3 is rate 10/s, count 2 */
        assert_true(experiment_estimate_of(e, 0, 0, (figure_id)f)->mean ==
                    experiment_estimate_of(grid, 0, 0, (figure_id)f)->mean);
        assert_true(experiment_estimate_of(e, 1, 0, (figure_id)f)->mean ==
                    experiment_estimate_of(grid, 3, 0, (figure_id)f)->mean);
    }
    assert_true(experiment_estimate_of(e, 0, 0, FIGURE_STORE_OPS)->mean !=
                experiment_estimate_of(e, 1, 0, FIGURE_STORE_OPS)->mean);
    experiment_free(e);
    experiment_free(grid);
    free(e);
    free(grid);
}

static void too_many_runs_refused(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    assert_non_null(e);
    experiment_spec spec = spec_of(10000, 1); /* 6 points x 10,000 = 60,000: allowed */
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    experiment_free(e);
    spec.replications = 20000; /* 120,000 runs */
    assert_int_equal(experiment_plan(&spec, e, &err), RL_ERR_LIMIT);
    assert_string_equal(err.message,
                        "6 points x 20000 replications = 120000 runs; at most 100000 runs at once");
    experiment_free(e);
    free(e);
}

static void bad_sweep_value_names_the_key(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    assert_non_null(e);
    scenario_sweep_key extra = {.path = "limiters.shared.algorithm", .value_count = 2,
                                .values = {"gcra", "magic"}};
    experiment_spec spec = spec_of(1, 1);
    spec.extra_sweep = &extra;
    spec.extra_sweep_count = 1;
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_not_equal(experiment_run(&spec, e, &err), RL_OK);
    assert_non_null(strstr(err.message, "limiters.shared.algorithm=magic"));
    assert_non_null(strstr(err.message, "magic"));
    experiment_free(e);
    free(e);
}

static void interval_is_students_t(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    assert_non_null(e);
    experiment_spec spec = spec_of(4, 2);
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_equal(experiment_run(&spec, e, &err), RL_OK);
    /* By hand: mean, sample standard deviation, t(0.975, 3) = 3.182446305. */
    for (int p = 0; p < e->point_count; p++) {
        double sum = 0.0, squares = 0.0;
        for (int r = 0; r < 4; r++) {
            sum += experiment_value(e, p, r, 0, FIGURE_LATENCY_P50);
        }
        double mean = sum / 4.0;
        for (int r = 0; r < 4; r++) {
            double d = experiment_value(e, p, r, 0, FIGURE_LATENCY_P50) - mean;
            squares += d * d;
        }
        double half = 3.182446305 * sqrt(squares / 3.0) / 2.0;
        const experiment_estimate *est = experiment_estimate_of(e, p, 0, FIGURE_LATENCY_P50);
        assert_true(fabs(est->mean - mean) <= 1e-9 * fmax(1.0, mean));
        assert_true(fabs(est->half_width - half) <= 1e-6 * fmax(1.0, half));
    }
    /* Seeds differ, so a figure varies across replications somewhere. */
    bool varied = false;
    for (int p = 0; p < e->point_count; p++) {
        varied = varied || experiment_estimate_of(e, p, 0, FIGURE_LATENCY_P50)->half_width > 0;
    }
    assert_true(varied);
    experiment_free(e);
    free(e);
}

static void same_figures_whatever_the_thread_count(void **state) {
    (void)state;
    experiment *one = calloc(1, sizeof *one);
    experiment *three = calloc(1, sizeof *three);
    assert_non_null(one);
    assert_non_null(three);
    experiment_spec spec1 = spec_of(3, 1);
    experiment_spec spec3 = spec_of(3, 3);
    rl_error err;
    assert_int_equal(experiment_plan(&spec1, one, &err), RL_OK);
    assert_int_equal(experiment_run(&spec1, one, &err), RL_OK);
    assert_int_equal(experiment_plan(&spec3, three, &err), RL_OK);
    assert_int_equal(experiment_run(&spec3, three, &err), RL_OK);
    size_t count = (size_t)one->point_count * 3 * (size_t)one->api_count * FIGURE_COUNT;
    assert_memory_equal(one->values, three->values, count * sizeof(double));
    experiment_free(one);
    experiment_free(three);
    free(one);
    free(three);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grid_in_file_order_last_key_fastest),
        cmocka_unit_test(given_points_replace_the_grid),
        cmocka_unit_test(too_many_runs_refused),
        cmocka_unit_test(bad_sweep_value_names_the_key),
        cmocka_unit_test(interval_is_students_t),
        cmocka_unit_test(same_figures_whatever_the_thread_count),
    };
    return cmocka_run_group_tests(tests, write_scenario, remove_scenario);
}
