/* test_backoff_bounds.c - each jitter's sleep (harness/model/backoff.c) against its formula: not
 * only the direction of an effect but the size of every sleep.
 *
 * With base 5 ms and cap 2 s (the retry experiment's policy, section 4), for retries k whose
 * ceiling c = min(cap, base x 2^k) is below, at and above the cap:
 *   full jitter          uniform integers on [0, c]
 *   equal jitter         floor(c / 2) + uniform integers on [0, c - floor(c / 2)]
 *   decorrelated jitter  uniform integers on [base, min(cap, 3 x previous sleep)] (previous 0:
 *                        the first retry, counted as base)
 *   no jitter            exactly c
 * Each case draws JITTER_DRAWS sleeps (fixed seed, printed) and asserts: every draw inside the
 * formula's range; both ends of the range reached (a draw within 1% of the range of each end:
 * a range one third too short, as with 2 x previous instead of 3, misses its top); and the
 * formula's mean inside the sample mean's interval at the family's level (Bonferroni over the
 * rows of this file), with a 95% half-width below 1% of the formula's mean. A decorrelated
 * jitter broken on purpose (2 x previous) must fail the check. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/backoff.h"
#include "harness/validation/validation_row.h"
#include "harness/core/validation_stats.h"

#define JITTER_SEED UINT64_C(0x717e5ba5e)
#define JITTER_DRAWS 200000
#define JITTER_BASE_US 5000
#define JITTER_CAP_US 2000000
#define JITTER_REACH 0.01      /* each end of the range reached within this share of it */
#define JITTER_CI_WIDTH_MAX 0.01 /* 95% half-width of the mean, as a share of the formula's */
#define JITTER_FAMILY 13        /* the interval checks: 4 full, 4 equal, 5 decorrelated */
#define TEST_BINARY "build/validation_backoff_bounds"

/* One case: a policy, a retry index and a previous sleep, and the range its formula gives. */
typedef struct jitter_case {
    jitter_kind jitter;
    int64_t retry_index;
    int64_t previous_us;
} jitter_case;

static const jitter_case jitter_cases[] = {
    {JITTER_FULL, 0, 0},          {JITTER_FULL, 3, 0},          {JITTER_FULL, 8, 0},
    {JITTER_FULL, 12, 0},         {JITTER_EQUAL, 0, 0},         {JITTER_EQUAL, 3, 0},
    {JITTER_EQUAL, 8, 0},         {JITTER_EQUAL, 12, 0},        {JITTER_DECORRELATED, 0, 0},
    {JITTER_DECORRELATED, 1, 5000}, {JITTER_DECORRELATED, 4, 20000},
    {JITTER_DECORRELATED, 7, 600000}, {JITTER_DECORRELATED, 8, 700000},
};

#define JITTER_CASE_COUNT ((int)(sizeof jitter_cases / sizeof jitter_cases[0]))

/* A sleep drawn by the policy under test; broken_decorrelated swaps in a broken one. */
typedef int64_t (*sleep_fn)(const retry_config *policy, int64_t retry_index, int64_t previous_us,
                            rng *r);

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

static retry_config policy_of(jitter_kind jitter) {
    retry_config p = {.max_retries = 100, .backoff_base_us = JITTER_BASE_US,
                      .backoff_cap_us = JITTER_CAP_US, .jitter = jitter,
                      .honour_retry_after = false};
    return p;
}

/* The formula's range [*low_us, *high_us] for case c, written from the policy's definition. */
static void formula_range(const jitter_case *c, int64_t *low_us, int64_t *high_us) {
    double doubled = (double)JITTER_BASE_US * pow(2.0, (double)c->retry_index);
    int64_t ceiling_us = doubled < JITTER_CAP_US ? (int64_t)doubled : JITTER_CAP_US;
    switch (c->jitter) {
    case JITTER_FULL: *low_us = 0; *high_us = ceiling_us; return;
    case JITTER_EQUAL: *low_us = ceiling_us / 2; *high_us = ceiling_us; return;
    case JITTER_DECORRELATED: {
        int64_t previous_us = c->previous_us > 0 ? c->previous_us : JITTER_BASE_US;
        *low_us = JITTER_BASE_US;
        *high_us = 3 * previous_us < JITTER_CAP_US ? 3 * previous_us : JITTER_CAP_US;
        return;
    }
    case JITTER_NONE: *low_us = *high_us = ceiling_us; return;
    }
}

static const char *jitter_key(jitter_kind jitter) {
    switch (jitter) {
    case JITTER_FULL: return "full";
    case JITTER_EQUAL: return "equal";
    case JITTER_DECORRELATED: return "decorrelated";
    case JITTER_NONE: return "none";
    }
    return "?";
}

/* Draws case c's sleeps with sleep and checks them against the formula; reports the row as
 * check, or only writes what it measured into summary (summary_size bytes) when check is NULL.
 * Returns whether every assertion held. */
static bool check_case(const jitter_case *c, sleep_fn sleep, uint64_t stream, const char *check,
                       char *summary, size_t summary_size) {
    retry_config policy = policy_of(c->jitter);
    int64_t low_us = 0, high_us = 0;
    formula_range(c, &low_us, &high_us);
    rng r;
    rng_seed(&r, JITTER_SEED, stream);
    validation_sample draws = {0};
    int64_t min_us = INT64_MAX, max_us = INT64_MIN;
    for (int i = 0; i < JITTER_DRAWS; i++) {
        int64_t us = sleep(&policy, c->retry_index, c->previous_us, &r);
        validation_sample_add(&draws, (double)us);
        min_us = us < min_us ? us : min_us;
        max_us = us > max_us ? us : max_us;
    }
    double theory_us = ((double)low_us + (double)high_us) / 2.0;
    double reach_us = JITTER_REACH * (double)(high_us - low_us);
    bool inside_range = min_us >= low_us && max_us <= high_us;
    bool spans = (double)min_us <= (double)low_us + reach_us &&
                 (double)max_us >= (double)high_us - reach_us;
    double level = validation_bonferroni_level(0.95, JITTER_FAMILY);
    validation_interval ci95 = validation_sample_mean_interval(&draws, 0.95);
    validation_interval wide = validation_sample_mean_interval(&draws, level);
    double half_width = (ci95.high - ci95.low) / 2.0;
    bool mean_ok = validation_interval_contains(wide, theory_us) &&
                   half_width <= JITTER_CI_WIDTH_MAX * theory_us;
    bool passed = inside_range && spans && mean_ok;
    char formula[192], expected[96], measured[128], ci[96], tolerance[256];
    char previous[64] = "";
    if (c->jitter == JITTER_DECORRELATED) {
        snprintf(previous, sizeof previous, ", previous sleep %lld us%s",
                 (long long)c->previous_us, c->previous_us > 0 ? "" : " (counts as base)");
    }
    snprintf(formula, sizeof formula, "%s jitter, retry %lld%s: uniform integers on [%lld, %lld] "
             "us (%d draws)", jitter_key(c->jitter), (long long)c->retry_index, previous,
             (long long)low_us, (long long)high_us, JITTER_DRAWS);
    snprintf(expected, sizeof expected, "mean %.1f us, range [%lld, %lld]", theory_us,
             (long long)low_us, (long long)high_us);
    snprintf(measured, sizeof measured, "mean %.1f us, range [%lld, %lld]", draws.mean,
             (long long)min_us, (long long)max_us);
    snprintf(ci, sizeof ci, "[%.1f, %.1f]", ci95.low, ci95.high);
    snprintf(tolerance, sizeof tolerance,
             "every draw in the range, both ends reached within 1%% of it; mean inside the "
             "%.2f%% CI (family of %d); 95%% half-width <= 1%%",
             100.0 * level, JITTER_FAMILY);
    snprintf(summary, summary_size, "%s: %s", formula, measured);
    if (check != NULL) {
        validation_row row = {"jitter", check, formula, expected, measured, ci, tolerance, passed,
                              TEST_BINARY " jitter_draws_match_their_formulas"};
        emit_row(&row);
    }
    return passed;
}

static void jitter_draws_match_their_formulas(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d draws per case\n", (unsigned long long)JITTER_SEED, JITTER_DRAWS);
    int failures = 0;
    for (int i = 0; i < JITTER_CASE_COUNT; i++) {
        const jitter_case *c = &jitter_cases[i];
        char check[64];
        snprintf(check, sizeof check, "jitter_%s_k%lld", jitter_key(c->jitter),
                 (long long)c->retry_index);
        char summary[512];
        failures += !check_case(c, backoff_delay_us, (uint64_t)i + 1, check, summary,
                                sizeof summary);
    }
    assert_int_equal(failures, 0);
}

/* No jitter: exactly base x 2^k up to the cap, for every k up to far past it. */
static void no_jitter_is_exact(void **state) {
    (void)state;
    retry_config policy = policy_of(JITTER_NONE);
    rng r;
    rng_seed(&r, JITTER_SEED, 100);
    int64_t wrong = 0, cases = 0;
    for (int64_t k = 0; k <= 70; k++) {
        jitter_case c = {JITTER_NONE, k, 0};
        int64_t low_us, high_us;
        formula_range(&c, &low_us, &high_us);
        wrong += backoff_delay_us(&policy, k, 0, &r) != high_us;
        cases++;
    }
    char measured[64];
    snprintf(measured, sizeof measured, "%lld of %lld retries differ", (long long)wrong,
             (long long)cases);
    validation_row row = {"jitter",
                          "jitter_none_exact",
                          "no jitter, retries 0 to 70: min(cap, base x 2^k), base 5 ms, cap 2 s",
                          "0 differ",
                          measured,
                          "exact",
                          "every retry equal",
                          wrong == 0,
                          TEST_BINARY " no_jitter_is_exact"};
    emit_row(&row);
    assert_int_equal(wrong, 0);
}

/* Broken on purpose: decorrelated jitter drawing up to 2 x previous instead of 3 x previous. */
static int64_t broken_decorrelated(const retry_config *policy, int64_t retry_index,
                                   int64_t previous_us, rng *r) {
    return backoff_delay_us(policy, retry_index, previous_us * 2 / 3, r);
}

static void broken_decorrelated_fails_the_check(void **state) {
    (void)state;
    const jitter_case c = {JITTER_DECORRELATED, 4, 20000};
    char summary[512], measured[600];
    bool passed = check_case(&c, broken_decorrelated, 200, NULL, summary, sizeof summary);
    snprintf(measured, sizeof measured, "%s; the check %s", summary,
             passed ? "passed" : "fails, as it must");
    validation_row row = {"broken",
                          "broken_decorrelated_factor_2",
                          "broken on purpose: decorrelated jitter drawing on [base, 2 x previous], "
                          "checked against [base, 3 x previous] as jitter_decorrelated_k4",
                          "the jitter check fails",
                          measured,
                          "-",
                          "the jitter check must fail",
                          !passed,
                          TEST_BINARY " broken_decorrelated_fails_the_check"};
    emit_row(&row);
    assert_false(passed);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jitter_draws_match_their_formulas),
        cmocka_unit_test(no_jitter_is_exact),
        cmocka_unit_test(broken_decorrelated_fails_the_check),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
