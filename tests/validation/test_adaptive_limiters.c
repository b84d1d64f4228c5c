/* test_adaptive_limiters.c - the adaptive limiters in the whole simulated model (pod logic, API
 * model, the outcomes the pods report to the limiter) against the theory their rules come from.
 *
 * 1. AIMD's sawtooth. One pod that always has work (Poisson, 40 new jobs a second) behind a
 *    local `aimd` limiter whose ceiling is 40/s, against a burst-intolerant API that accepts 20
 *    in any 1 s and answers after a lognormal time (median 50 ms, p99 150 ms). AIMD adds one
 *    request per second for each second of successes and halves on a 429, so the accepted
 *    rate climbs from L/2 = 10/s to L = 20/s by one a second and falls back: one tooth per
 *    L/2 = 10 s, an average of 3L/4 = 15/s. Measured over [60 s, 300 s) of each of
 *    AIMD_REPLICATIONS seeds from 1 s bins: the accepted rate, and the tooth period (a tooth
 *    ends when a second's accepted count falls below 0.65 L after having reached 0.9 L since
 *    the last tooth). Asserted: each mean within AIMD_TOLERANCE of theory. The theory is a
 *    fluid model (it ignores the round trip and the discrete +1), so the tolerance is a
 *    relative bound, not a confidence interval around an exact value.
 *
 * 2. SRE client-side adaptive throttling's steady state (Site Reliability Engineering, ch. 21).
 *    A client that wants 100 requests a second (Poisson) against an API that accepts 10 in any
 *    1 s (answering as above), its local `sre_throttle` refusing with probability
 *    max(0, (requests - K accepts) / (requests + 1)): in steady state the API sees about K
 *    times the requests it accepts. Measured over [120 s, 600 s): API attempts / accepted, for
 *    K = 2 and K = 1.5. Asserted: within SRE_TOLERANCE of K. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/validation_stats.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"
#include "harness/validation/validation_row.h"

#define ADAPTIVE_SEED UINT64_C(0xada971e)
#define AIMD_REPLICATIONS 5
#define AIMD_TOLERANCE 0.10
#define AIMD_LIMIT_PER_S 20.0
#define AIMD_FROM_S 60
#define SRE_REPLICATIONS 5
#define SRE_TOLERANCE 0.10
#define SRE_FROM_S 120
#define TEST_BINARY "build/validation_adaptive_limiters"

static const char AIMD_SCENARIO[] =
    "name: aimd_sawtooth\n"
    "duration: 300s\n"
    "bin: 1s\n"
    "apis:\n"
    "  api:\n"
    "    model: burst_intolerant\n"
    "    limit: 1200/min\n"
    "    burst: 20/1s\n"
    "    drop: 0%\n"
    "    latency: {dist: lognormal, median: 50ms, p99: 150ms}\n"
    "limiters:\n"
    "  aimd: {algorithm: aimd, scope: local, rate: 40/s, burst: 1}\n"
    "pods:\n"
    "  client:\n"
    "    count: 1\n"
    "    traffic:\n"
    "      - api: api\n"
    "        limiter: aimd\n"
    "        workload: {kind: poisson, rate: 40/s}\n"
    "        retry: {max: 3, base: 100ms, cap: 2s, jitter: full, retry_after: true}\n"
    "        ttl: 10s\n";

static const char SRE_SCENARIO[] =
    "name: sre_steady_state\n"
    "duration: 600s\n"
    "bin: 1s\n"
    "apis:\n"
    "  api:\n"
    "    model: burst_intolerant\n"
    "    limit: 600/min\n"
    "    burst: 10/1s\n"
    "    drop: 0%\n"
    "    latency: {dist: lognormal, median: 50ms, p99: 150ms}\n"
    "limiters:\n"
    "  sre: {algorithm: sre_throttle, scope: local, k: 2, window: 10s}\n"
    "pods:\n"
    "  client:\n"
    "    count: 1\n"
    "    traffic:\n"
    "      - api: api\n"
    "        limiter: sre\n"
    "        workload: {kind: poisson, rate: 100/s}\n"
    "        retry: {max: 0}\n"
    "        ttl: 1s\n";

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

static scenario *load(const char *text) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_text(text, strlen(text), "inline.yaml", NULL, 0, s, &err) != 0) {
        fail_msg("%s", err.message);
    }
    return s;
}

/* Runs s with seed into a fresh metrics the caller destroys and frees. */
static metrics *run(scenario *s, uint64_t seed) {
    s->seed = seed;
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sim_run_stats stats;
    rl_error err;
    if (sim_run(s, m, &stats, NULL, NULL, &err) != 0) {
        fail_msg("%s", err.message);
    }
    return m;
}

/* Reports a check of sample s's mean against theory within a relative tolerance; returns whether
 * it held. */
static bool check_relative(const char *check, const char *formula, const char *unit,
                           const validation_sample *s, double theory, double tolerance,
                           const char *rerun) {
    validation_interval ci95 = validation_sample_mean_interval(s, 0.95);
    bool passed = fabs(s->mean - theory) <= tolerance * theory;
    char expected[64], measured[64], ci[96], asserted[128];
    snprintf(expected, sizeof expected, "%.4g%s", theory, unit);
    snprintf(measured, sizeof measured, "%.4g%s", s->mean, unit);
    snprintf(ci, sizeof ci, "[%.4g, %.4g] (%lld seeds)", ci95.low, ci95.high,
             (long long)s->count);
    snprintf(asserted, sizeof asserted, "mean within %.0f%% of theory: [%.4g, %.4g]",
             100.0 * tolerance, theory * (1.0 - tolerance), theory * (1.0 + tolerance));
    validation_row row = {"adaptive", check, formula, expected, measured, ci, asserted, passed,
                          rerun};
    emit_row(&row);
    return passed;
}

static void aimd_sawtooth_through_the_model(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d seeds\n", (unsigned long long)ADAPTIVE_SEED, AIMD_REPLICATIONS);
    scenario *s = load(AIMD_SCENARIO);
    validation_sample rate = {0}, period = {0};
    for (int k = 0; k < AIMD_REPLICATIONS; k++) {
        metrics *m = run(s, ADAPTIVE_SEED + (uint64_t)k);
        const api_metrics *a = &m->apis[0];
        assert_true(m->bin_count >= 300);
        int64_t accepted = 0, teeth = 0;
        int64_t first_tooth_s = -1, last_tooth_s = -1;
        bool reached_top = false;
        for (int64_t b = AIMD_FROM_S; b < 300; b++) {
            int64_t n = a->bins[b].accepted;
            accepted += n;
            if (n >= (int64_t)(0.9 * AIMD_LIMIT_PER_S)) {
                reached_top = true;
            } else if (reached_top && n < (int64_t)(0.65 * AIMD_LIMIT_PER_S)) {
                reached_top = false;
                teeth++;
                first_tooth_s = first_tooth_s < 0 ? b : first_tooth_s;
                last_tooth_s = b;
            }
        }
        assert_true(teeth >= 3);
        validation_sample_add(&rate, (double)accepted / (double)(300 - AIMD_FROM_S));
        validation_sample_add(&period,
                              (double)(last_tooth_s - first_tooth_s) / (double)(teeth - 1));
        metrics_destroy(m);
        free(m);
    }
    free(s);
    const char *rerun = TEST_BINARY " aimd_sawtooth_through_the_model";
    int failures = 0;
    failures += !check_relative("aimd_sawtooth_rate",
                                "AIMD (+1/s per second of successes, halved on a 429), API of "
                                "L = 20/s: mean accepted rate 3L/4, 60-300 s",
                                "/s", &rate, 0.75 * AIMD_LIMIT_PER_S, AIMD_TOLERANCE, rerun);
    failures += !check_relative("aimd_sawtooth_period",
                                "AIMD against an API of L = 20/s: one tooth (L/2 to L at +1/s "
                                "each second) per L/2 seconds, 60-300 s",
                                " s", &period, 0.5 * AIMD_LIMIT_PER_S, AIMD_TOLERANCE, rerun);
    assert_int_equal(failures, 0);
}

static void sre_steady_state_through_the_model(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d seeds per K\n", (unsigned long long)ADAPTIVE_SEED,
           SRE_REPLICATIONS);
    scenario *s = load(SRE_SCENARIO);
    const int64_t k_milli[] = {2000, 1500};
    int failures = 0;
    for (size_t i = 0; i < 2; i++) {
        s->limiters[0].config.k_milli = k_milli[i];
        validation_sample ratio = {0};
        for (int r = 0; r < SRE_REPLICATIONS; r++) {
            metrics *m = run(s, ADAPTIVE_SEED + 100 * (i + 1) + (uint64_t)r);
            const api_metrics *a = &m->apis[0];
            int64_t attempts = 0, accepted = 0;
            for (int64_t b = SRE_FROM_S; b < m->bin_count && b < 600; b++) {
                attempts += a->bins[b].attempts;
                accepted += a->bins[b].accepted;
            }
            assert_true(accepted > 0);
            validation_sample_add(&ratio, (double)attempts / (double)accepted);
            metrics_destroy(m);
            free(m);
        }
        double k = (double)k_milli[i] / 1000.0;
        char check[64], formula[256];
        snprintf(check, sizeof check, "sre_k%.1f_steady_state", k);
        snprintf(formula, sizeof formula,
                 "SRE adaptive throttling, K = %.1f, a client wanting 100/s, an API accepting "
                 "10 in any 1 s: API attempts / accepted = K, 120-600 s",
                 k);
        failures += !check_relative(check, formula, "", &ratio, k, SRE_TOLERANCE,
                                    TEST_BINARY " sre_steady_state_through_the_model");
    }
    free(s);
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aimd_sawtooth_through_the_model),
        cmocka_unit_test(sre_steady_state_through_the_model),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
