/* test_tune_space.c - tune's --vary ranges: their steps and common period, the rate as written
 * back, and each refusal (empty, malformed, repeated, a setting the algorithm does not read or
 * refuses, a limiter no traffic uses), checked against a scenario in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/experiment/tune_space.h"
#include "harness/scenario/figure.h"
#include "harness/scenario/scenario_condition.h"
#include "harness/scenario/scenario_load.h"

static const char SCENARIO[] =
    "name: tiny\n"
    "duration: 10s\n"
    "apis:\n"
    "  api: {model: burst_intolerant, limit: 20/s, burst: 5/1s}\n"
    "limiters:\n"
    "  shared: {algorithm: gcra, scope: redis, rate: 10/s, burst: 2}\n"
    "  window: {algorithm: fixed_window, scope: local, rate: 10/s}\n"
    "  idle: {algorithm: gcra, scope: local, rate: 10/s, burst: 2}\n"
    "pods:\n"
    "  workers:\n"
    "    count: 2\n"
    "    traffic:\n"
    "      - {api: api, limiter: shared, workload: {kind: poisson, rate: 3/s}}\n"
    "      - {api: api, limiter: window, workload: {kind: poisson, rate: 3/s}}\n";

static void load(scenario *s) {
    rl_error err;
    int rc = scenario_load_text(SCENARIO, sizeof SCENARIO - 1, "tiny.yaml", NULL, 0, s, &err);
    if (rc != RL_OK) {
        fail_msg("%s", err.message);
    }
}

static void ranges_and_their_steps(void **state) {
    (void)state;
    tune_space space;
    rl_error err;
    assert_int_equal(tune_space_parse("shared", "rate=1/s..20/s", &space, &err), RL_OK);
    assert_int_equal(space.rate.lo, 1);
    assert_int_equal(space.rate.hi, 20);
    assert_int_equal(space.rate_period_us, 1000000);
    assert_false(space.burst.varied);
    assert_string_equal(space.rate_path, "limiters.shared.rate");
    /* the longer period: 1/min..1/s steps by 1/min, 1..60 */
    assert_int_equal(tune_space_parse("shared", "rate=1/min..1/s,burst=1..4", &space, &err),
                     RL_OK);
    assert_int_equal(space.rate.lo, 1);
    assert_int_equal(space.rate.hi, 60);
    assert_int_equal(space.rate_period_us, 60000000);
    assert_int_equal(space.burst.lo, 1);
    assert_int_equal(space.burst.hi, 4);
    char text[64];
    tune_space_rate_text(&space, 570, text, sizeof text);
    assert_string_equal(text, "570/min");
    /* 2/s..3/500ms: common period 1 s, 2..6 */
    assert_int_equal(tune_space_parse("shared", "rate=2/s..3/500ms", &space, &err), RL_OK);
    assert_int_equal(space.rate.hi, 6);
    assert_int_equal(tune_space_parse("shared", "rate=7/250ms..8/250ms", &space, &err), RL_OK);
    tune_space_rate_text(&space, 7, text, sizeof text);
    assert_string_equal(text, "7/250ms");
    tune_point p = {7, 3};
    tune_space_point_label(&space, &p, text, sizeof text);
    assert_string_equal(text, "rate=7/250ms");
}

static void refusals(void **state) {
    (void)state;
    static const struct {
        const char *vary;
        const char *message_part;
    } CASES[] = {
        {"rate=20/s..1/s", "the range is empty (20/s is above 1/s)"},
        {"burst=5..2", "the range is empty (5 is above 2)"},
        {"rate=1/s", "expected a range LO..HI"},
        {"rate=..5/s", "expected a range LO..HI"},
        {"rate=1/s..5/s..9/s", "expected a range LO..HI"},
        {"rate=0/s..5/s", "has a count of 0"},
        {"rate=1/s..2/s,rate=3/s..4/s", "rate is given twice"},
        {"max_wait=1..2", "expected rate=LO..HI or burst=LO..HI"},
        {"", "nothing to vary"},
        {"rate=1/s..2/s,,burst=1..2", "expected rate=LO..HI[,burst=LO..HI]"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        tune_space space;
        rl_error err;
        assert_int_equal(tune_space_parse("shared", CASES[i].vary, &space, &err), RL_ERR_INVALID);
        if (strstr(err.message, CASES[i].message_part) == NULL) {
            fail_msg("--vary %s: \"%s\" lacks \"%s\"", CASES[i].vary, err.message,
                     CASES[i].message_part);
        }
    }
}

static void checked_against_the_scenario(void **state) {
    (void)state;
    scenario s;
    load(&s);
    tune_space space;
    rl_error err;
    assert_int_equal(tune_space_parse("shared", "rate=1/s..20/s", &space, &err), RL_OK);
    assert_int_equal(tune_space_check(&space, &s, &err), RL_OK);
    assert_int_equal(space.limiter_index, scenario_find_limiter(&s, "shared"));
    assert_int_equal(space.burst.lo, 2); /* the scenario's burst, not varied */
    assert_int_equal(space.burst.hi, 2);
    assert_int_equal(tune_space_size(&space), 20);

    assert_int_equal(tune_space_parse("nope", "rate=1/s..2/s", &space, &err), RL_OK);
    assert_int_equal(tune_space_check(&space, &s, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "no limiter \"nope\" in tiny; limiters: shared, window, idle"));

    assert_int_equal(tune_space_parse("idle", "rate=1/s..2/s", &space, &err), RL_OK);
    assert_int_equal(tune_space_check(&space, &s, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "no traffic goes through limiter \"idle\""));

    assert_int_equal(tune_space_parse("window", "rate=1/s..2/s,burst=1..3", &space, &err), RL_OK);
    assert_int_equal(tune_space_check(&space, &s, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "(fixed_window) reads no burst"));

    assert_int_equal(tune_space_parse("shared", "rate=1/s..2/s,burst=0..3", &space, &err), RL_OK);
    assert_int_equal(tune_space_check(&space, &s, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "rate=1/s burst=0 is not a valid setting of shared (gcra)"));
}

/* The public condition parser: the same checks as expect:, without a file and line. */
static void conditions(void **state) {
    (void)state;
    scenario s;
    load(&s);
    scenario_expectation x;
    rl_error err;
    assert_int_equal(scenario_condition_parse(&s, "api.rate_429 < 0.1%", &x, &err), RL_OK);
    assert_int_equal(x.api_index, 0);
    assert_int_equal(x.figure, FIGURE_RATE_429);
    assert_int_equal(x.op, EXPECT_LT);
    assert_true(x.threshold > 0.000999 && x.threshold < 0.001001);
    assert_int_equal(scenario_condition_parse(&s, "store.ops <= 100", &x, &err), RL_OK);
    assert_int_equal(x.api_index, -1);
    assert_int_equal(scenario_condition_parse(&s, "api.speed < 1", &x, &err), RL_ERR_INVALID);
    assert_string_equal(err.message,
                        "no figure \"speed\" for an API; figures: rate_429, latency_p50, "
                        "latency_p99, wasted_quota, burst_ratio, fairness, done_ratio, "
                        "abandoned_ratio, attempts_per_job");
    assert_int_equal(scenario_condition_parse(&s, "other.rate_429 < 1", &x, &err),
                     RL_ERR_INVALID);
    assert_string_equal(err.message, "no API \"other\"; subjects: api, store");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges_and_their_steps),
        cmocka_unit_test(refusals),
        cmocka_unit_test(checked_against_the_scenario),
        cmocka_unit_test(conditions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
