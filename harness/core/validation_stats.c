/* validation_stats.c - sample moments, confidence intervals and test distributions. */
#include "harness/core/validation_stats.h"

#include <assert.h>
#include <math.h>

#define STATS_EPSILON 1e-15
#define STATS_TINY 1e-300
#define STATS_ITERATIONS_MAX 10000
#define STATS_BISECTIONS 200

void validation_sample_add(validation_sample *s, double x) {
    s->count++;
    double delta = x - s->mean;
    s->mean += delta / (double)s->count;
    s->m2 += delta * (x - s->mean);
}

double validation_sample_variance(const validation_sample *s) {
    return s->count < 2 ? 0.0 : s->m2 / (double)(s->count - 1);
}

validation_interval validation_sample_mean_interval(const validation_sample *s, double confidence) {
    assert(s->count >= 2);
    assert(confidence > 0.0 && confidence < 1.0);
    double t = validation_student_t_quantile(0.5 + confidence / 2.0, (double)(s->count - 1));
    double half = t * sqrt(validation_sample_variance(s) / (double)s->count);
    validation_interval interval = {s->mean, s->mean - half, s->mean + half};
    return interval;
}

int validation_interval_contains(validation_interval interval, double value) {
    return value >= interval.low && value <= interval.high;
}

double validation_normal_cdf(double x) {
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* The x in [low, high] where the non-decreasing cdf(x, arg) reaches p, by bisection. */
static double bisect(double (*cdf)(double, double), double arg, double p, double low, double high) {
    for (int i = 0; i < STATS_BISECTIONS; i++) {
        double mid = 0.5 * (low + high);
        if (cdf(mid, arg) < p) {
            low = mid;
        } else {
            high = mid;
        }
    }
    return 0.5 * (low + high);
}

static double normal_cdf_ignoring(double x, double unused) {
    (void)unused;
    return validation_normal_cdf(x);
}

double validation_normal_quantile(double p) {
    assert(p > 0.0 && p < 1.0);
    return bisect(normal_cdf_ignoring, 0.0, p, -40.0, 40.0);
}

/* The continued fraction of the regularized incomplete beta function (modified Lentz). */
static double beta_continued_fraction(double a, double b, double x) {
    double c = 1.0;
    double d = 1.0 - (a + b) * x / (a + 1.0);
    d = fabs(d) < STATS_TINY ? STATS_TINY : d;
    d = 1.0 / d;
    double result = d;
    for (int m = 1; m <= STATS_ITERATIONS_MAX; m++) {
        double two_m = 2.0 * m;
        /* Even step: m (b - m) x / ((a + 2m - 1)(a + 2m)). */
        double even = m * (b - m) * x / ((a + two_m - 1.0) * (a + two_m));
        d = 1.0 + even * d;
        d = fabs(d) < STATS_TINY ? STATS_TINY : d;
        c = 1.0 + even / c;
        c = fabs(c) < STATS_TINY ? STATS_TINY : c;
        d = 1.0 / d;
        result *= d * c;
        /* Odd step: -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)). */
        double odd = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + two_m + 1.0));
        d = 1.0 + odd * d;
        d = fabs(d) < STATS_TINY ? STATS_TINY : d;
        c = 1.0 + odd / c;
        c = fabs(c) < STATS_TINY ? STATS_TINY : c;
        d = 1.0 / d;
        double step = d * c;
        result *= step;
        if (fabs(step - 1.0) < STATS_EPSILON) {
            break;
        }
    }
    return result;
}

/* I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1. */
static double incomplete_beta(double a, double b, double x) {
    if (x <= 0.0) {
        return 0.0;
    }
    if (x >= 1.0) {
        return 1.0;
    }
    double log_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double front = exp(log_front);
    /* The fraction converges fast below the mean a / (a + b); above it, use the symmetry. */
    if (x < (a + 1.0) / (a + b + 2.0)) {
        return front * beta_continued_fraction(a, b, x) / a;
    }
    return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double validation_student_t_cdf(double t, double df) {
    assert(df > 0.0);
    double tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    return t >= 0.0 ? 1.0 - tail : tail;
}

double validation_student_t_quantile(double p, double df) {
    assert(p > 0.0 && p < 1.0);
    double bound = 1.0;
    while (validation_student_t_cdf(bound, df) < p || validation_student_t_cdf(-bound, df) > p) {
        bound *= 2.0;
    }
    return bisect(validation_student_t_cdf, df, p, -bound, bound);
}

/* P(a, x), the regularized lower incomplete gamma function, by its series (x < a + 1). */
static double gamma_lower_series(double a, double x) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n <= STATS_ITERATIONS_MAX; n++) {
        term *= x / (a + n);
        sum += term;
        if (fabs(term) < fabs(sum) * STATS_EPSILON) {
            break;
        }
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x), the regularized upper incomplete gamma function, by its continued fraction
 * (x >= a + 1; modified Lentz). */
static double gamma_upper_fraction(double a, double x) {
    double b = x + 1.0 - a;
    double c = 1.0 / STATS_TINY;
    double d = 1.0 / b;
    double result = d;
    for (int n = 1; n <= STATS_ITERATIONS_MAX; n++) {
        double an = -n * (n - a);
        b += 2.0;
        d = an * d + b;
        d = fabs(d) < STATS_TINY ? STATS_TINY : d;
        c = b + an / c;
        c = fabs(c) < STATS_TINY ? STATS_TINY : c;
        d = 1.0 / d;
        double step = d * c;
        result *= step;
        if (fabs(step - 1.0) < STATS_EPSILON) {
            break;
        }
    }
    return exp(-x + a * log(x) - lgamma(a)) * result;
}

double validation_chi2_sf(double x, double df) {
    assert(df > 0.0);
    if (x <= 0.0) {
        return 1.0;
    }
    double a = df / 2.0;
    double half_x = x / 2.0;
    if (half_x < a + 1.0) {
        return 1.0 - gamma_lower_series(a, half_x);
    }
    return gamma_upper_fraction(a, half_x);
}

double validation_ks_pvalue(double d, int64_t n) {
    assert(n > 0);
    double root_n = sqrt((double)n);
    double lambda = (root_n + 0.12 + 0.11 / root_n) * d;
    if (lambda < 0.2) {
        return 1.0; /* the series below converges slowly there, and the answer is 1 to 1e-12 */
    }
    double sum = 0.0;
    double sign = 1.0;
    for (int k = 1; k <= 100; k++) {
        double term = sign * exp(-2.0 * k * k * lambda * lambda);
        sum += term;
        if (fabs(term) < 1e-16) {
            break;
        }
        sign = -sign;
    }
    double p = 2.0 * sum;
    return p < 0.0 ? 0.0 : (p > 1.0 ? 1.0 : p);
}

double validation_bonferroni_level(double family_confidence, int checks) {
    assert(checks >= 1);
    return 1.0 - (1.0 - family_confidence) / (double)checks;
}
