/* test_generators.c - the arrival and latency generators produce the distributions they claim.
 *
 * Arrivals: a Poisson workload run through the real simulated world (sim_run) must put a
 * Poisson number of requests in each window: mean and variance both lambda x w, an index of
 * dispersion test, and a chi-square goodness-of-fit test against the Poisson probabilities.
 * Latencies: dist_sample's exponential, log-normal, uniform and constant distributions against
 * their stated moments and quantiles, and against their distribution functions
 * (Kolmogorov-Smirnov, or chi-square for the uniform's integers).
 *
 * Fixed seeds (printed). Every check of this file is one of a family of
 * GENERATOR_FAMILY_CHECKS held at 95% together (Bonferroni): an interval check asserts the
 * stated value inside the (1 - 0.05/m) confidence interval, a goodness-of-fit test asserts
 * p-value >= 0.05/m. The 95% interval is reported as well. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/dist.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"
#include "harness/validation/validation_row.h"
#include "harness/core/validation_stats.h"

#define GENERATOR_SEED UINT64_C(0x9e4e7a7015)
#define GENERATOR_FAMILY_CHECKS 17 /* the interval and goodness-of-fit checks below */
#define LATENCY_SAMPLES 200000
#define TEST_BINARY "build/validation_generators"

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

static double family_level(void) {
    return validation_bonferroni_level(0.95, GENERATOR_FAMILY_CHECKS);
}

static double family_alpha(void) {
    return 1.0 - family_level();
}

/* An interval check: stated inside the family-level normal interval estimate +/- z x se. */
static bool check_normal_interval(const char *check, const char *formula, double stated,
                                  double estimate, double standard_error, const char *unit,
                                  const char *rerun) {
    double z95 = validation_normal_quantile(0.975);
    double z = validation_normal_quantile(0.5 + family_level() / 2.0);
    bool inside = fabs(estimate - stated) <= z * standard_error;
    char expected[64], measured[64], ci[96], tolerance[192];
    snprintf(expected, sizeof expected, "%.6g%s", stated, unit);
    snprintf(measured, sizeof measured, "%.6g%s", estimate, unit);
    snprintf(ci, sizeof ci, "[%.6g, %.6g]", estimate - z95 * standard_error,
             estimate + z95 * standard_error);
    snprintf(tolerance, sizeof tolerance,
             "inside the %.2f%% CI [%.6g, %.6g] (family of %d at 95%%)", 100.0 * family_level(),
             estimate - z * standard_error, estimate + z * standard_error, GENERATOR_FAMILY_CHECKS);
    validation_row row = {"generators", check,     formula, expected, measured,
                          ci,           tolerance, inside,  rerun};
    emit_row(&row);
    return inside;
}

/* A goodness-of-fit check: p-value at least the family's per-check alpha. */
static bool check_pvalue(const char *check, const char *formula, const char *statistic,
                         double pvalue, const char *rerun) {
    bool accepted = pvalue >= family_alpha();
    char measured[128], tolerance[96];
    snprintf(measured, sizeof measured, "%s, p = %.4f", statistic, pvalue);
    snprintf(tolerance, sizeof tolerance, "p >= %.4f (0.05 / %d checks)", family_alpha(),
             GENERATOR_FAMILY_CHECKS);
    validation_row row = {"generators", check,     formula,  "fits", measured,
                          "-",          tolerance, accepted, rerun};
    emit_row(&row);
    return accepted;
}

/* ---- arrivals ---- */

/* P(N = k) for N ~ Poisson(mean). */
static double poisson_pmf(int64_t k, double mean) {
    return exp((double)k * log(mean) - mean - lgamma((double)k + 1.0));
}

/* Chi-square statistic of counts against Poisson(mean), cells merged from both tails until
 * every expected count is at least 5. Returns the statistic; *df gets cells - 1. */
static double poisson_chi2(const int64_t *counts, int64_t n, double mean, int *df) {
    int64_t max_count = 0;
    for (int64_t i = 0; i < n; i++) {
        max_count = counts[i] > max_count ? counts[i] : max_count;
    }
    int64_t k_max = (int64_t)(mean + 20.0 * sqrt(mean) + 20.0);
    k_max = k_max > max_count ? k_max : max_count;
    int64_t *observed = calloc((size_t)k_max + 1, sizeof *observed);
    assert_non_null(observed);
    for (int64_t i = 0; i < n; i++) {
        observed[counts[i]]++;
    }
    /* Low cell: k <= low; high cell: k >= high; between, one cell per k. */
    int64_t low = 0;
    double low_p = poisson_pmf(0, mean);
    while ((double)n * low_p < 5.0) {
        low++;
        low_p += poisson_pmf(low, mean);
    }
    int64_t high = k_max;
    double below_high = 0.0;
    for (int64_t k = 0; k < high; k++) {
        below_high += poisson_pmf(k, mean);
    }
    while ((double)n * (1.0 - below_high) < 5.0) {
        high--;
        below_high -= poisson_pmf(high, mean);
    }
    double statistic = 0.0;
    int cells = 0;
    int64_t observed_cell = 0;
    for (int64_t k = 0; k <= low; k++) {
        observed_cell += observed[k];
    }
    statistic += pow((double)observed_cell - (double)n * low_p, 2) / ((double)n * low_p);
    cells++;
    for (int64_t k = low + 1; k < high; k++) {
        double expected = (double)n * poisson_pmf(k, mean);
        statistic += pow((double)observed[k] - expected, 2) / expected;
        cells++;
    }
    observed_cell = 0;
    for (int64_t k = high; k <= k_max; k++) {
        observed_cell += observed[k];
    }
    double expected_high = (double)n * (1.0 - below_high);
    statistic += pow((double)observed_cell - expected_high, 2) / expected_high;
    cells++;
    free(observed);
    *df = cells - 1;
    return statistic;
}

/* Mean, variance, dispersion and fit of counts (n windows) against Poisson(mean). */
static int check_poisson_counts(const int64_t *counts, int64_t n, double mean, const char *window,
                                const char *rerun) {
    validation_sample s = {0};
    double m4_sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        validation_sample_add(&s, (double)counts[i]);
    }
    for (int64_t i = 0; i < n; i++) {
        m4_sum += pow((double)counts[i] - s.mean, 4);
    }
    double variance = validation_sample_variance(&s);
    double m4 = m4_sum / (double)n;
    int failures = 0;
    char check[64], formula[160], statistic[96];
    snprintf(check, sizeof check, "poisson_%s_mean", window);
    snprintf(formula, sizeof formula,
             "Poisson counts per %s window (%lld windows): E[N] = lambda w", window, (long long)n);
    failures +=
        !check_normal_interval(check, formula, mean, s.mean, sqrt(variance / (double)n), "", rerun);
    snprintf(check, sizeof check, "poisson_%s_variance", window);
    snprintf(formula, sizeof formula, "Poisson counts per %s window: Var[N] = lambda w", window);
    failures += !check_normal_interval(check, formula, mean, variance,
                                       sqrt((m4 - variance * variance) / (double)n), "", rerun);
    /* Index of dispersion: sum (N - mean)^2 / mean ~ chi-square(n - 1); two-sided. */
    double dispersion = (double)(n - 1) * variance / s.mean;
    double upper = validation_chi2_sf(dispersion, (double)(n - 1));
    double pvalue = 2.0 * (upper < 0.5 ? upper : 1.0 - upper);
    snprintf(check, sizeof check, "poisson_%s_dispersion", window);
    snprintf(formula, sizeof formula,
             "index of dispersion (n-1) s^2 / mean ~ chi-square(n-1), two-sided, %s windows",
             window);
    snprintf(statistic, sizeof statistic, "s^2/mean = %.4f", variance / s.mean);
    failures += !check_pvalue(check, formula, statistic, pvalue, rerun);
    int df = 0;
    double chi2 = poisson_chi2(counts, n, mean, &df);
    snprintf(check, sizeof check, "poisson_%s_fit", window);
    snprintf(formula, sizeof formula,
             "chi-square fit of counts to Poisson(lambda w = %.0f), tail cells merged to >= 5",
             mean);
    snprintf(statistic, sizeof statistic, "chi2 = %.1f on %d df", chi2, df);
    failures +=
        !check_pvalue(check, formula, statistic, validation_chi2_sf(chi2, (double)df), rerun);
    return failures;
}

/* A Poisson workload through sim_run: requests per time-series bin (100 ms) and per 1 s. */
static void poisson_counts_per_window(void **state) {
    (void)state;
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/validation/scenarios/poisson_counts.yaml",
             source_dir != NULL ? source_dir : ".");
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_file(path, NULL, 0, s, &err) != 0) {
        fail_msg("%s", err.message);
    }
    s->seed = GENERATOR_SEED;
    printf("# poisson_counts.yaml at seed 0x%llx\n", (unsigned long long)s->seed);
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sim_run_stats stats;
    if (sim_run(s, m, &stats, NULL, NULL, &err) != 0) {
        fail_msg("%s", err.message);
    }
    const workload_config *w = &s->pod_groups[0].traffic[0].workload;
    double per_us = (double)(w->rate_count * scenario_pod_count(s)) / (double)w->rate_period_us;
    int64_t bins = m->bin_count;
    int64_t bins_per_second = 1000000 / m->bin_us;
    assert_int_equal(bins % bins_per_second, 0);
    int64_t *counts = calloc((size_t)bins, sizeof *counts);
    int64_t *seconds = calloc((size_t)(bins / bins_per_second), sizeof *seconds);
    assert_true(counts != NULL && seconds != NULL);
    for (int64_t b = 0; b < bins; b++) {
        counts[b] = m->apis[0].bins[b].attempts;
        seconds[b / bins_per_second] += counts[b];
    }
    assert_int_equal(m->apis[0].summary.attempts, m->apis[0].summary.jobs_created);
    const char *rerun = TEST_BINARY " poisson_counts_per_window";
    int failures = check_poisson_counts(counts, bins, per_us * (double)m->bin_us, "100ms", rerun);
    failures += check_poisson_counts(seconds, bins / bins_per_second, per_us * 1e6, "1s", rerun);
    free(counts);
    free(seconds);
    metrics_destroy(m);
    free(m);
    free(s);
    assert_int_equal(failures, 0);
}

/* ---- latency distributions ---- */

typedef double (*cdf_fn)(const dist *d, double x);

/* P(X <= k) for X = llround(Y), Y exponential with mean a: P(Y < k + 1/2). */
static double exponential_rounded_cdf(const dist *d, double k) {
    return k < 0.0 ? 0.0 : 1.0 - exp(-(k + 0.5) / (double)d->a);
}

static double lognormal_sigma(const dist *d) {
    return log((double)d->b / (double)d->a) / validation_normal_quantile(0.99);
}

/* P(X <= k) for X = llround(a exp(sigma Z)): P(Z < ln((k + 1/2) / a) / sigma). */
static double lognormal_rounded_cdf(const dist *d, double k) {
    return k < 0.0 ? 0.0
                   : validation_normal_cdf(log((k + 0.5) / (double)d->a) / lognormal_sigma(d));
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The Kolmogorov-Smirnov distance between sorted integer samples and cdf (integer support):
 * at each distinct value v, both F_n(v) against F(v) and F_n(v-) against F(v - 1). */
static double ks_distance(const int64_t *sorted, int64_t n, const dist *d, cdf_fn cdf) {
    double distance = 0.0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && sorted[j] == sorted[i]) {
            j++;
        }
        double before = fabs((double)i / (double)n - cdf(d, (double)sorted[i] - 1.0));
        double at = fabs((double)j / (double)n - cdf(d, (double)sorted[i]));
        distance = fmax(distance, fmax(before, at));
        i = j;
    }
    return distance;
}

static int64_t *draw_sorted(const dist *d, uint64_t stream) {
    rng r;
    rng_seed(&r, GENERATOR_SEED, stream);
    int64_t *values = calloc(LATENCY_SAMPLES, sizeof *values);
    assert_non_null(values);
    for (int64_t i = 0; i < LATENCY_SAMPLES; i++) {
        values[i] = dist_sample(d, &r);
    }
    qsort(values, LATENCY_SAMPLES, sizeof *values, compare_i64);
    return values;
}

static validation_sample moments_of(const int64_t *values, int64_t n) {
    validation_sample s = {0};
    for (int64_t i = 0; i < n; i++) {
        validation_sample_add(&s, (double)values[i]);
    }
    return s;
}

/* Checks that the population q-quantile lies in the order-statistic confidence interval
 * (ranks n q -/+ z sqrt(n q (1 - q))) of sorted. */
static bool check_quantile(const char *check, const char *formula, const int64_t *sorted, int64_t n,
                           double q, double stated, const char *rerun) {
    double spread = sqrt((double)n * q * (1.0 - q));
    double z95 = validation_normal_quantile(0.975);
    double z = validation_normal_quantile(0.5 + family_level() / 2.0);
    int64_t low95 = (int64_t)floor((double)n * q - z95 * spread);
    int64_t high95 = (int64_t)ceil((double)n * q + z95 * spread);
    int64_t low = (int64_t)floor((double)n * q - z * spread);
    int64_t high = (int64_t)ceil((double)n * q + z * spread);
    assert_true(low >= 0 && high < n);
    bool inside = (double)sorted[low] <= stated && stated <= (double)sorted[high];
    char expected[64], measured[64], ci[96], tolerance[192];
    snprintf(expected, sizeof expected, "%.6g us", stated);
    snprintf(measured, sizeof measured, "%lld us", (long long)sorted[(int64_t)((double)n * q)]);
    snprintf(ci, sizeof ci, "[%lld, %lld]", (long long)sorted[low95], (long long)sorted[high95]);
    snprintf(tolerance, sizeof tolerance,
             "inside the %.2f%% order-statistic CI [%lld, %lld] (family of %d at 95%%)",
             100.0 * family_level(), (long long)sorted[low], (long long)sorted[high],
             GENERATOR_FAMILY_CHECKS);
    validation_row row = {"generators", check,     formula, expected, measured,
                          ci,           tolerance, inside,  rerun};
    emit_row(&row);
    return inside;
}

static void exponential_latency(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " exponential_latency";
    dist d = {.kind = DIST_EXPONENTIAL, .a = 100000};
    int64_t *values = draw_sorted(&d, 1);
    validation_sample s = moments_of(values, LATENCY_SAMPLES);
    double sd = sqrt(validation_sample_variance(&s));
    int failures = 0;
    failures +=
        !check_normal_interval("exponential_mean", "exponential, mean a = 100 ms: E[X] = a",
                               dist_mean(&d), s.mean, sd / sqrt(LATENCY_SAMPLES), " us", rerun);
    /* Var[X^2] for an exponential is 20 a^4, so se(s^2) = a^2 sqrt(8 / n); se(s) ~ a sqrt(2/n)/2.
     */
    failures +=
        !check_normal_interval("exponential_sd", "exponential: sd(X) = a (+ 1/12 us^2 rounding)",
                               sqrt((double)d.a * (double)d.a + 1.0 / 12.0), sd,
                               (double)d.a * sqrt(2.0 / LATENCY_SAMPLES), " us", rerun);
    double distance = ks_distance(values, LATENCY_SAMPLES, &d, exponential_rounded_cdf);
    char statistic[64];
    snprintf(statistic, sizeof statistic, "D = %.5f (n = %d)", distance, LATENCY_SAMPLES);
    failures += !check_pvalue("exponential_ks",
                              "Kolmogorov-Smirnov against 1 - exp(-(k + 1/2)/a) (rounded to us)",
                              statistic, validation_ks_pvalue(distance, LATENCY_SAMPLES), rerun);
    free(values);
    assert_int_equal(failures, 0);
}

static void lognormal_latency(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " lognormal_latency";
    dist d = {.kind = DIST_LOGNORMAL, .a = 80000, .b = 300000};
    int64_t *values = draw_sorted(&d, 2);
    validation_sample s = moments_of(values, LATENCY_SAMPLES);
    double sigma = lognormal_sigma(&d);
    int failures = 0;
    char formula[160];
    snprintf(formula, sizeof formula,
             "log-normal, median 80 ms, p99 300 ms (sigma = ln(p99/median)/2.326 = %.4f): "
             "E[X] = median exp(sigma^2/2)",
             sigma);
    failures += !check_normal_interval("lognormal_mean", formula, dist_mean(&d), s.mean,
                                       sqrt(validation_sample_variance(&s) / LATENCY_SAMPLES),
                                       " us", rerun);
    failures += !check_quantile("lognormal_median", "log-normal: median = 80 ms", values,
                                LATENCY_SAMPLES, 0.5, (double)d.a, rerun);
    failures += !check_quantile("lognormal_p99", "log-normal: 99th percentile = 300 ms", values,
                                LATENCY_SAMPLES, 0.99, (double)d.b, rerun);
    double distance = ks_distance(values, LATENCY_SAMPLES, &d, lognormal_rounded_cdf);
    char statistic[64];
    snprintf(statistic, sizeof statistic, "D = %.5f (n = %d)", distance, LATENCY_SAMPLES);
    failures +=
        !check_pvalue("lognormal_ks", "Kolmogorov-Smirnov against Phi(ln((k + 1/2)/median)/sigma)",
                      statistic, validation_ks_pvalue(distance, LATENCY_SAMPLES), rerun);
    free(values);
    assert_int_equal(failures, 0);
}

static void uniform_and_constant(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " uniform_and_constant";
    dist d = {.kind = DIST_UNIFORM, .a = 200, .b = 800};
    int64_t *values = draw_sorted(&d, 3);
    validation_sample s = moments_of(values, LATENCY_SAMPLES);
    int failures = 0;
    failures += !check_normal_interval(
        "uniform_mean", "uniform integers [200, 800]: E[X] = 500", dist_mean(&d), s.mean,
        sqrt(validation_sample_variance(&s) / LATENCY_SAMPLES), "", rerun);
    /* Chi-square over the 601 values, each expected n / 601 times. */
    int64_t cells = d.b - d.a + 1;
    double expected = (double)LATENCY_SAMPLES / (double)cells;
    double chi2 = 0.0;
    for (int64_t i = 0, v = d.a; v <= d.b; v++) {
        int64_t observed = 0;
        for (; i < LATENCY_SAMPLES && values[i] == v; i++) {
            observed++;
        }
        chi2 += pow((double)observed - expected, 2) / expected;
    }
    assert_true(values[0] >= d.a && values[LATENCY_SAMPLES - 1] <= d.b);
    char statistic[64];
    snprintf(statistic, sizeof statistic, "chi2 = %.1f on %lld df", chi2, (long long)(cells - 1));
    failures +=
        !check_pvalue("uniform_fit", "chi-square fit of uniform [200, 800] over its 601 values",
                      statistic, validation_chi2_sf(chi2, (double)(cells - 1)), rerun);
    free(values);
    /* Constant: every draw is the value (and it draws nothing from the generator). */
    dist c = dist_constant(250);
    rng r, untouched;
    rng_seed(&r, GENERATOR_SEED, 4);
    untouched = r;
    int64_t differing = 0;
    for (int i = 0; i < LATENCY_SAMPLES; i++) {
        differing += dist_sample(&c, &r) != 250;
    }
    bool exact = differing == 0 && memcmp(&r, &untouched, sizeof r) == 0;
    char measured[96];
    snprintf(measured, sizeof measured, "%lld of %d draws differ", (long long)differing,
             LATENCY_SAMPLES);
    validation_row row = {"generators",
                          "constant_exact",
                          "constant 250 us: every draw is 250, "
                          "variance 0",
                          "0 differ",
                          measured,
                          "exact",
                          "every draw equal, generator state untouched",
                          exact,
                          rerun};
    emit_row(&row);
    failures += !exact;
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(poisson_counts_per_window),
        cmocka_unit_test(exponential_latency),
        cmocka_unit_test(lognormal_latency),
        cmocka_unit_test(uniform_and_constant),
    };
    printf("# seed 0x%llx\n", (unsigned long long)GENERATOR_SEED);
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
