/* test_baseline.c - compare's baseline: tolerances and directions, missing rows, reading and
 * writing (a round trip through jansson), refusals of bad files; and the promise CI relies on:
 * an algorithm whose behaviour got worse (GCRA with its tolerance off by one) is caught. */
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

#include "algorithms/limiter.h"
#include "harness/compare/baseline.h"
#include "harness/report/figures.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

static compare_row row_of(const char *scenario_name, const char *variant, const char *api) {
    compare_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.scenario, sizeof row.scenario, "%s", scenario_name);
    snprintf(row.variant, sizeof row.variant, "%s", variant);
    snprintf(row.api, sizeof row.api, "%s", api);
    row.replications = 1;
    return row;
}

/* A table of one row with the given figures. */
static void table_one(compare_table *t, compare_row *row) {
    t->rows = row;
    t->count = 1;
    t->capacity = 1;
}

typedef struct findings {
    int count;
    int figures[16];
    bool missing;
} findings;

static void collect(void *context, const baseline_finding *finding) {
    findings *f = context;
    if (finding->current == NULL) {
        f->missing = true;
    } else if (f->count < 16) {
        f->figures[f->count] = finding->figure;
    }
    f->count++;
}

static void tolerances_and_directions(void **state) {
    (void)state;
    baseline b;
    memset(&b, 0, sizeof b);
    baseline_default_tolerances(b.tolerance);
    compare_row base = row_of("s", "as written", "api");
    base.mean[FIGURE_RATE_429] = 0.010;
    base.mean[FIGURE_LATENCY_P99] = 1000000.0;
    base.mean[FIGURE_FAIRNESS] = 0.95;
    base.mean[FIGURE_STORE_OPS] = 1000.0;
    table_one(&b.rows, &base);
    compare_row now = base;
    compare_table current;
    table_one(&current, &now);
    findings f = {0};
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0);
    /* Within tolerance: 429 up by 0.002 (the absolute tolerance), p99 up by 10%. */
    now.mean[FIGURE_RATE_429] = 0.012;
    now.mean[FIGURE_LATENCY_P99] = 1100000.0;
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0);
    /* Just beyond. */
    now.mean[FIGURE_RATE_429] = 0.0121;
    now.mean[FIGURE_LATENCY_P99] = 1100001.0;
    assert_int_equal(baseline_check(&b, &current, collect, &f), 2);
    assert_int_equal(f.figures[0], FIGURE_RATE_429);
    assert_int_equal(f.figures[1], FIGURE_LATENCY_P99);
    /* Better is never flagged; fairness is better higher, so falling is worse. */
    now = base;
    now.mean[FIGURE_RATE_429] = 0.0;
    now.mean[FIGURE_FAIRNESS] = 1.0;
    now.mean[FIGURE_STORE_OPS] = 10.0;
    f = (findings){0};
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0);
    now.mean[FIGURE_FAIRNESS] = 0.90;
    assert_int_equal(baseline_check(&b, &current, collect, &f), 1);
    assert_int_equal(f.figures[0], FIGURE_FAIRNESS);
    /* A figure switched off is not compared. */
    b.tolerance[FIGURE_FAIRNESS].checked = false;
    f = (findings){0};
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0);
    /* A baseline row missing now is a finding. */
    compare_row other = row_of("s", "as written", "other_api");
    table_one(&current, &other);
    f = (findings){0};
    assert_int_equal(baseline_check(&b, &current, collect, &f), 1);
    assert_true(f.missing);
    /* A scenario this comparison did not run is out of its scope: nothing is missing. */
    compare_row elsewhere = row_of("another scenario", "as written", "api");
    table_one(&current, &elsewhere);
    f = (findings){0};
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0);
    assert_false(f.missing);
}

static void written_then_read_back(void **state) {
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/ratelab_test_baseline_%d.json", (int)getpid());
    compare_row row = row_of("stampede", "algorithm=gcra", "powerbi");
    for (int f = 0; f < FIGURE_COUNT; f++) {
        row.mean[f] = 0.125 * (f + 1);
    }
    compare_table t;
    table_one(&t, &row);
    figure_tolerance tolerances[FIGURE_COUNT];
    baseline_default_tolerances(tolerances);
    tolerances[FIGURE_STORE_OPS].checked = false;
    tolerances[FIGURE_RATE_429].absolute = 0.5;
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    rl_error err;
    assert_int_equal(baseline_write(out, &t, tolerances, &err), RL_OK);
    fclose(out);
    baseline b;
    assert_int_equal(baseline_read(path, &b, &err), RL_OK);
    unlink(path);
    assert_int_equal(b.rows.count, 1);
    assert_string_equal(b.rows.rows[0].scenario, "stampede");
    assert_string_equal(b.rows.rows[0].variant, "algorithm=gcra");
    assert_string_equal(b.rows.rows[0].api, "powerbi");
    for (int f = 0; f < FIGURE_COUNT; f++) {
        assert_true(b.rows.rows[0].mean[f] == 0.125 * (f + 1));
    }
    assert_false(b.tolerance[FIGURE_STORE_OPS].checked);
    assert_true(b.tolerance[FIGURE_RATE_429].absolute == 0.5);
    assert_true(b.tolerance[FIGURE_LATENCY_P99].relative == 0.10);
    baseline_free(&b);
}

/* Writes text to a temporary file, reads it as a baseline, expects failure with fragment. */
static void refused(const char *text, int code, const char *fragment) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/ratelab_test_baseline_bad_%d.json", (int)getpid());
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    baseline b;
    rl_error err;
    rl_error_clear(&err);
    int rc = baseline_read(path, &b, &err);
    baseline_free(&b);
    unlink(path);
    if (rc != code || strstr(err.message, fragment) == NULL) {
        print_error("rc %d, message \"%s\"; wanted %d and \"%s\"\n", rc, err.message, code,
                    fragment);
        fail();
    }
}

static void bad_files_refused(void **state) {
    (void)state;
    rl_error err;
    baseline b;
    assert_int_equal(baseline_read("/nonexistent/baseline.json", &b, &err), RL_ERR_IO);
    refused("{", RL_ERR_INVALID, ":1: ");
    refused("{\"rows\": []}", RL_ERR_INVALID, "not a ratelab baseline");
    refused("{\"ratelab_baseline\": 1, \"rows\": {}}", RL_ERR_INVALID, "rows: expected an array");
    refused("{\"ratelab_baseline\": 1, \"rows\": [{\"scenario\": \"s\"}]}", RL_ERR_INVALID,
            "rows[0]: needs scenario, variant, api and figures");
    refused("{\"ratelab_baseline\": 1, \"rows\": [{\"scenario\": \"s\", \"variant\": \"v\", "
            "\"api\": \"a\", \"figures\": {\"speed\": 1}}]}",
            RL_ERR_INVALID, "rows[0].figures.speed: no such figure");
    refused("{\"ratelab_baseline\": 1, \"rows\": [], \"tolerances\": {\"rate_429\": "
            "{\"absolute\": -1}}}",
            RL_ERR_INVALID, "tolerances.rate_429: expected");
}

/* GCRA with its tolerance one request too large: the off-by-one the seed's claims hinge on. */
static void broken_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                          int64_t cost, limiter_decision *out) {
    limiter_config wider = *cfg;
    wider.burst = cfg->burst + 1;
    limiter_algorithm_find("gcra")->decide(&wider, state, now_us, cost, out);
}

static const char STAMPEDE[] =
    "name: s\n"
    "duration: 60s\n"
    "apis:\n"
    "  api: {model: burst_intolerant, limit: 600/min, burst: 10/1s}\n"
    "limiters:\n"
    "  shared: {algorithm: gcra, scope: redis, rate: 10/s, burst: 1}\n"
    "pods:\n"
    "  workers:\n"
    "    count: 20\n"
    "    jitter: 5ms\n"
    "    traffic:\n"
    "      - api: api\n"
    "        limiter: shared\n"
    "        workload: {kind: poisson, rate: 2/s}\n";

/* Runs STAMPEDE with algorithm (NULL: as written) into a one-row table. */
static void run_into(const limiter_algorithm *algorithm, compare_row *row) {
    scenario *s = malloc(sizeof *s);
    metrics *m = malloc(sizeof *m);
    assert_non_null(s);
    assert_non_null(m);
    rl_error err;
    assert_int_equal(scenario_load_text(STAMPEDE, strlen(STAMPEDE), "s.yaml", NULL, 0, s, &err),
                     RL_OK);
    if (algorithm != NULL) {
        s->limiters[0].config.algorithm = algorithm;
    }
    sim_run_stats stats;
    assert_int_equal(sim_run(s, m, &stats, NULL, NULL, &err), RL_OK);
    *row = row_of("s", "as written", "api");
    for (int f = 0; f < FIGURE_COUNT; f++) {
        row->mean[f] = figures_value(m, 0, (figure_id)f);
    }
    metrics_destroy(m);
    free(m);
    free(s);
}

static void a_worse_algorithm_is_caught(void **state) {
    (void)state;
    const limiter_algorithm *gcra = limiter_algorithm_find("gcra");
    limiter_algorithm broken = *gcra;
    broken.decide = broken_decide;
    baseline b;
    memset(&b, 0, sizeof b);
    baseline_default_tolerances(b.tolerance);
    compare_row base, again, worse;
    run_into(NULL, &base);
    table_one(&b.rows, &base);
    compare_table current;
    findings f = {0};
    run_into(NULL, &again);
    table_one(&current, &again);
    assert_int_equal(baseline_check(&b, &current, collect, &f), 0); /* deterministic */
    run_into(&broken, &worse);
    table_one(&current, &worse);
    assert_true(baseline_check(&b, &current, collect, &f) >= 1);
    /* The wider tolerance lets pairs through that the API's window then refuses. */
    bool rate_429_flagged = false;
    for (int i = 0; i < f.count && i < 16; i++) {
        rate_429_flagged = rate_429_flagged || f.figures[i] == FIGURE_RATE_429;
    }
    assert_true(rate_429_flagged);
    assert_true(worse.mean[FIGURE_RATE_429] > 2 * base.mean[FIGURE_RATE_429]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tolerances_and_directions),
        cmocka_unit_test(written_then_read_back),
        cmocka_unit_test(bad_files_refused),
        cmocka_unit_test(a_worse_algorithm_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
