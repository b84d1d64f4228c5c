/* validation_stats.h - the statistics the validation tests need: sample moments, confidence
 * intervals, and the distributions behind the goodness-of-fit tests (normal, Student t,
 * chi-square, Kolmogorov).
 *
 * Written from the textbook definitions (series and continued fractions of the incomplete gamma
 * and beta functions); accurate to about 1e-10, far more than a test threshold needs. Nothing
 * here allocates or keeps state between calls. */
#ifndef RATELAB_VALIDATION_STATS_H
#define RATELAB_VALIDATION_STATS_H

#include <stdint.h>

/* Running mean and variance of a sample (Welford's update); a zeroed one is empty. */
typedef struct validation_sample {
    int64_t count;
    double mean;
    double m2; /* sum of squared deviations from the mean */
} validation_sample;

/* A two-sided confidence interval around an estimate. */
typedef struct validation_interval {
    double estimate;
    double low;
    double high;
} validation_interval;

/* Adds x to s. */
void validation_sample_add(validation_sample *s, double x);

/* The unbiased sample variance of s (0 with fewer than two values). */
double validation_sample_variance(const validation_sample *s);

/* The two-sided confidence interval of s's mean at level confidence (0.95 for 95%), with the
 * Student t quantile for count - 1 degrees of freedom. s must hold at least two values. */
validation_interval validation_sample_mean_interval(const validation_sample *s, double confidence);

/* True when value lies in [interval.low, interval.high]. */
int validation_interval_contains(validation_interval interval, double value);

/* P(Z <= x) for a standard normal Z. */
double validation_normal_cdf(double x);

/* The x with P(Z <= x) = p, for 0 < p < 1. */
double validation_normal_quantile(double p);

/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double validation_student_t_cdf(double t, double df);

/* The t with P(T <= t) = p, for 0 < p < 1 and df > 0. */
double validation_student_t_quantile(double p, double df);

/* P(X >= x) for a chi-square X with df > 0 degrees of freedom: a test's p-value. */
double validation_chi2_sf(double x, double df);

/* The p-value of a one-sample Kolmogorov-Smirnov statistic d over n values, from Kolmogorov's
 * limiting distribution with Stephens' small-sample correction. */
double validation_ks_pvalue(double d, int64_t n);

/* The per-check confidence level that keeps a family of checks at family_confidence together
 * (Bonferroni): 1 - (1 - family_confidence) / checks. */
double validation_bonferroni_level(double family_confidence, int checks);

#endif
