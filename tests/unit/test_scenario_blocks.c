/* test_scenario_blocks.c - the scenario's faults, expect and sweep blocks, and the shared
 * limiters' store settings: what they read, their defaults, and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario/figure.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_load.h"

/* A base document; tests append blocks. Lines 1 to 21. */
static const char BASE[] =
    "name: t\n"                                       /* 1 */
    "duration: 60s\n"                                 /* 2 */
    "apis:\n"                                         /* 3 */
    "  powerbi:\n"                                    /* 4 */
    "    model: burst_intolerant\n"                   /* 5 */
    "    limit: 10/s\n"                               /* 6 */
    "limiters:\n"                                     /* 7 */
    "  shared:\n"                                     /* 8 */
    "    algorithm: gcra\n"                           /* 9 */
    "    scope: redis\n"                              /* 10 */
    "    rate: 5/s\n"                                 /* 11 */
    "pods:\n"                                         /* 12 */
    "  workers:\n"                                    /* 13 */
    "    count: 4\n"                                  /* 14 */
    "    traffic:\n"                                  /* 15 */
    "      - api: powerbi\n"                          /* 16 */
    "        limiter: shared\n"                       /* 17 */
    "        workload: {kind: poisson, rate: 1/s}\n"  /* 18 */
    "  batch:\n"                                      /* 19 */
    "    count: 2\n"                                  /* 20 */
    "    traffic: [{api: powerbi, workload: {kind: poisson, rate: 1/s}}]\n"; /* 21 */

static int load(const char *extra, scenario *s, rl_error *err) {
    size_t length = strlen(BASE) + strlen(extra);
    char *text = malloc(length + 1);
    assert_non_null(text);
    snprintf(text, length + 1, "%s%s", BASE, extra);
    rl_error_clear(err);
    int rc = scenario_load_text(text, length, "t.yaml", NULL, 0, s, err);
    free(text);
    return rc;
}

static scenario *load_ok(const char *extra) {
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    int rc = load(extra, s, &err);
    if (rc != RL_OK) {
        print_error("unexpected error: %s\n", err.message);
    }
    assert_int_equal(rc, RL_OK);
    return s;
}

static void load_error(const char *extra, const char *prefix) {
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    int rc = load(extra, s, &err);
    free(s);
    if (rc != RL_ERR_INVALID || strncmp(err.message, prefix, strlen(prefix)) != 0) {
        print_error("rc %d, message\n  \"%s\"\nwanted prefix\n  \"%s\"\n", rc, err.message, prefix);
        fail();
    }
}

static void defaults_without_blocks(void **state) {
    (void)state;
    scenario *s = load_ok("");
    assert_int_equal(s->fault_count, 0);
    assert_int_equal(s->expectation_count, 0);
    assert_int_equal(s->sweep_key_count, 0);
    assert_int_equal(s->store.timeout_us, 1000000);
    const scenario_limiter *l = &s->limiters[0];
    assert_int_equal(l->on_store_failure, STORE_FAILURE_FAIL_CLOSED);
    assert_int_equal(l->store_retry_us, 1000000);
    assert_int_equal(l->lock_ttl_us, 100000);
    assert_int_equal(l->lock_retry_us, 10000);
    free(s);
}

static void store_settings_are_read(void **state) {
    (void)state;
    scenario *s = load_ok("store: {timeout: 250ms}\n");
    assert_int_equal(s->store.timeout_us, 250000);
    free(s);
    /* The limiter's own keys, through --set as a user would sweep them. */
    scenario *t = malloc(sizeof *t);
    assert_non_null(t);
    scenario_override o[4] = {{"limiters.shared.scope", "redis_lock"},
                              {"limiters.shared.lock_ttl", "50ms"},
                              {"limiters.shared.lock_retry", "2ms"},
                              {"limiters.shared.on_store_failure", "local_fallback"}};
    rl_error err;
    assert_int_equal(scenario_load_text(BASE, strlen(BASE), "t.yaml", o, 4, t, &err), RL_OK);
    assert_int_equal(t->limiters[0].scope, LIMITER_SCOPE_STORE_LOCK);
    assert_int_equal(t->limiters[0].lock_ttl_us, 50000);
    assert_int_equal(t->limiters[0].lock_retry_us, 2000);
    assert_int_equal(t->limiters[0].on_store_failure, STORE_FAILURE_LOCAL_FALLBACK);
    free(t);
}

static void store_settings_refused_where_they_do_not_apply(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    scenario_override lock_on_redis = {"limiters.shared.lock_ttl", "50ms"};
    assert_int_equal(scenario_load_text(BASE, strlen(BASE), "t.yaml", &lock_on_redis, 1, s, &err),
                     RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "applies only to scope redis_lock"));
    scenario_override bad_mode = {"limiters.shared.on_store_failure", "retry"};
    assert_int_equal(scenario_load_text(BASE, strlen(BASE), "t.yaml", &bad_mode, 1, s, &err),
                     RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "fail_closed, fail_open, local_fallback"));
    free(s);
}

static void faults_of_each_kind(void **state) {
    (void)state;
    scenario *s = load_ok("faults:\n"
                          "  - {kind: store_outage, at: 20s, for: 10s, mode: blackhole}\n"
                          "  - {kind: store_latency, at: 5s, for: 1s, extra: 50ms}\n"
                          "  - {kind: pod_restart, at: 30s, for: 2s, group: workers, pods: 3}\n"
                          "  - {kind: clock_skew, extra: 200ms}\n"
                          "  - {kind: store_outage, at: 40s, for: 1s}\n");
    assert_int_equal(s->fault_count, 5);
    assert_int_equal(s->faults[0].kind, FAULT_STORE_OUTAGE);
    assert_int_equal(s->faults[0].at_us, 20000000);
    assert_int_equal(s->faults[0].for_us, 10000000);
    assert_int_equal(s->faults[0].mode, OUTAGE_BLACKHOLE);
    assert_int_equal(s->faults[0].line, 23);
    assert_int_equal(s->faults[1].extra_us, 50000);
    assert_int_equal(s->faults[2].group_index, 0);
    assert_int_equal(s->faults[2].pods, 3);
    assert_int_equal(s->faults[3].kind, FAULT_CLOCK_SKEW);
    assert_int_equal(s->faults[3].group_index, -1);
    assert_int_equal(s->faults[4].mode, OUTAGE_REFUSE); /* the default */
    free(s);
}

static void faults_refused(void **state) {
    (void)state;
    load_error("faults:\n  - {kind: flood, at: 1s}\n",
               "t.yaml:23: faults.0.kind: \"flood\" is not allowed; write one of store_outage, "
               "store_latency, pod_restart, clock_skew");
    load_error("faults:\n  - {kind: store_outage, for: 1s}\n",
               "t.yaml:23: faults.0.at: missing; a fault needs at");
    load_error("faults:\n  - {kind: store_outage, at: 1s}\n",
               "t.yaml:23: faults.0.for: missing; a store fault needs for");
    load_error("faults:\n  - {kind: clock_skew, at: 1s, extra: 1ms}\n",
               "t.yaml:23: faults.0.at: unknown key; allowed here: kind, group, extra");
    load_error("faults:\n  - {kind: pod_restart, at: 1s, group: nobody}\n",
               "t.yaml:23: faults.0.group: no pod group \"nobody\"; groups: workers, batch");
    load_error("faults:\n  - {kind: store_outage, at: 2min, for: 1s}\n",
               "t.yaml:23: faults.0.at: 2min is out of range");
    load_error("faults:\n  - {kind: store_outage, at: 1s, for: 1s, mode: slow}\n",
               "t.yaml:23: faults.0.mode: \"slow\" is not allowed; write one of refuse, blackhole");
    load_error("faults: {kind: store_outage}\n", "t.yaml:22: faults: expected a list");
    load_error("faults:\n  - store_outage\n", "t.yaml:23: faults.0: expected a fault");
}

static void expectations_are_parsed(void **state) {
    (void)state;
    scenario *s = load_ok("expect:\n"
                          "  - powerbi.rate_429 < 0.001\n"
                          "  - powerbi.wasted_quota <= 1%\n"
                          "  - powerbi.latency_p99 < 2s\n"
                          "  - powerbi.fairness >= 0.9\n"
                          "  - store.ops == 120\n");
    assert_int_equal(s->expectation_count, 5);
    const scenario_expectation *e = s->expectations;
    assert_int_equal(e[0].api_index, 0);
    assert_int_equal(e[0].figure, FIGURE_RATE_429);
    assert_int_equal(e[0].op, EXPECT_LT);
    assert_true(e[0].threshold == 0.001);
    assert_string_equal(e[0].text, "powerbi.rate_429 < 0.001");
    assert_int_equal(e[0].line, 23);
    assert_true(e[1].threshold == 0.01);
    assert_int_equal(e[1].op, EXPECT_LE);
    assert_int_equal(e[2].figure, FIGURE_LATENCY_P99);
    assert_true(e[2].threshold == 2e6);
    assert_int_equal(e[3].op, EXPECT_GE);
    assert_int_equal(e[4].api_index, -1);
    assert_int_equal(e[4].figure, FIGURE_STORE_OPS);
    assert_int_equal(e[4].op, EXPECT_EQ);
    free(s);
}

static void expectations_refused(void **state) {
    (void)state;
    load_error("expect:\n  - llm.rate_429 < 0.1\n",
               "t.yaml:23: expect.0: no API \"llm\"; subjects: powerbi, store");
    load_error("expect:\n  - powerbi.speed < 0.1\n",
               "t.yaml:23: expect.0: no figure \"speed\" for an API; figures: rate_429,");
    load_error("expect:\n  - store.rate_429 < 0.1\n",
               "t.yaml:23: expect.0: no figure \"rate_429\" for the store; figures: ops,");
    load_error("expect:\n  - powerbi.rate_429 ~ 0.1\n",
               "t.yaml:23: expect.0: \"~\" is not a comparison");
    load_error("expect:\n  - powerbi.rate_429<0.1\n", "t.yaml:23: expect.0: \"powerbi.rate_429<0.1\" "
               "is not a condition; write SUBJECT.FIGURE OP VALUE");
    load_error("expect:\n  - powerbi.rate_429 < lots\n",
               "t.yaml:23: expect.0: \"lots\" is not a number");
    load_error("expect:\n  - powerbi.latency_p99 < 2\n", "t.yaml:23: expect.0: ");
    load_error("expect:\n  - rate_429 < 1\n", "t.yaml:23: expect.0: \"rate_429\" names no figure");
    load_error("expect: powerbi.rate_429 < 1\n", "t.yaml:22: expect: expected a list");
}

static void sweep_is_read(void **state) {
    (void)state;
    scenario *s = load_ok("sweep:\n"
                          "  limiters.shared.algorithm: [gcra, token_bucket]\n"
                          "  pods.workers.count: [1, 2, 3]\n");
    assert_int_equal(s->sweep_key_count, 2);
    assert_string_equal(s->sweep[0].path, "limiters.shared.algorithm");
    assert_int_equal(s->sweep[0].value_count, 2);
    assert_string_equal(s->sweep[0].values[1], "token_bucket");
    assert_int_equal(s->sweep[1].value_count, 3);
    assert_string_equal(s->sweep[1].values[2], "3");
    free(s);
}

static void sweep_refused(void **state) {
    (void)state;
    load_error("sweep:\n  limiters.shared.algorithm: gcra\n",
               "t.yaml:23: sweep.limiters.shared.algorithm: expected a list of 1 to 16 values");
    load_error("sweep:\n  seed: [1, 2]\n", "t.yaml:23: sweep.seed: expected a setting path");
    load_error("sweep: [a, b]\n", "t.yaml:22: sweep: expected a mapping");
    load_error("sweep:\n  a.b: [1]\n  c.d: [1]\n  e.f: [1]\n  g.h: [1]\n  i.j: [1]\n",
               "t.yaml:22: sweep: 5 keys; a sweep has 1 to 4");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_blocks),
        cmocka_unit_test(store_settings_are_read),
        cmocka_unit_test(store_settings_refused_where_they_do_not_apply),
        cmocka_unit_test(faults_of_each_kind),
        cmocka_unit_test(faults_refused),
        cmocka_unit_test(expectations_are_parsed),
        cmocka_unit_test(expectations_refused),
        cmocka_unit_test(sweep_is_read),
        cmocka_unit_test(sweep_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
