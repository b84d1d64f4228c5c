/* test_histogram.c - the log-linear histogram: exact small values, <1% error, quantiles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness/core/rng.h"
#include "harness/metrics/histogram.h"

static histogram *new_histogram(void) {
    histogram *h = calloc(1, sizeof *h);
    assert_non_null(h);
    histogram_reset(h);
    return h;
}

static void small_values_are_exact(void **state) {
    (void)state;
    histogram *h = new_histogram();
    for (int64_t v = 1; v <= 100; v++) {
        histogram_record(h, v);
    }
    assert_int_equal(h->total, 100);
    assert_int_equal(histogram_quantile(h, 0.50), 50);
    assert_int_equal(histogram_quantile(h, 0.99), 99);
    assert_int_equal(histogram_quantile(h, 1.0), 100);
    assert_int_equal(histogram_quantile(h, 0.0), 1);
    assert_true(histogram_mean(h) > 50.49 && histogram_mean(h) < 50.51);
    free(h);
}

static void bucket_bounds_tile_the_range(void **state) {
    (void)state;
    int64_t previous_high = -1;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        int64_t low, high;
        histogram_bucket_bounds(i, &low, &high);
        assert_int_equal(low, previous_high + 1);
        assert_true(high >= low);
        assert_int_equal(histogram_bucket_of(low), i);
        assert_int_equal(histogram_bucket_of(high), i);
        /* Width at most 1/128 of the lower bound above the exact range. */
        if (low >= 256) {
            assert_true((high - low + 1) * 128 <= low);
        }
        previous_high = high;
    }
    assert_int_equal(previous_high, HISTOGRAM_VALUE_MAX);
}

/* Property: every quantile is within 1% of the exact order statistic. */
static void quantiles_within_one_percent(void **state) {
    (void)state;
    rng r;
    rng_seed(&r, 77, 1);
    enum { N = 100000 };
    int64_t *values = calloc(N, sizeof *values);
    histogram *h = new_histogram();
    for (int i = 0; i < N; i++) {
        values[i] = (int64_t)rng_below(&r, 1u << 30);
        histogram_record(h, values[i]);
    }
    /* Counting sort is too big; sort with qsort. */
    int cmp(const void *a, const void *b);
    qsort(values, N, sizeof values[0], cmp);
    double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (int k = 0; k < 4; k++) {
        int64_t rank = (int64_t)(qs[k] * N + 0.999999);
        int64_t exact = values[rank - 1];
        int64_t got = histogram_quantile(h, qs[k]);
        double error = (double)llabs(got - exact) / (double)exact;
        if (error > 0.01) {
            fail_msg("q %.3f: got %lld, exact %lld", qs[k], (long long)got, (long long)exact);
        }
    }
    free(values);
    free(h);
}

int cmp(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The quantile as the first version computed it: a scan from the lowest bucket. */
static int64_t reference_quantile(const histogram *h, double q) {
    if (h->total == 0) {
        return 0;
    }
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    rank = rank < 1 ? 1 : rank > h->total ? h->total : rank;
    uint64_t seen = 0;
    for (int i = h->touched_low; i <= h->touched_high; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t low, high;
            histogram_bucket_bounds(i, &low, &high);
            int64_t mid = low + (high - low) / 2;
            return mid < h->min ? h->min : mid > h->max ? h->max : mid;
        }
    }
    return h->max;
}

/* Property: high quantiles, found from the top, are exactly those of a scan from the bottom,
 * for small and large histograms, ties and single buckets included. */
static void quantiles_match_a_scan_from_below(void **state) {
    (void)state;
    const uint64_t seed = 20261129;
    print_message("[ seed     ] quantile scan: %llu\n", (unsigned long long)seed);
    rng r;
    rng_seed(&r, seed, 1);
    histogram *h = new_histogram();
    const double qs[] = {0.0, 0.01, 0.25, 0.5, 0.5000001, 0.75, 0.9, 0.99, 0.999, 1.0};
    for (int trial = 0; trial < 2000; trial++) {
        histogram_reset(h);
        int n = 1 + (int)rng_below(&r, trial % 10 == 0 ? 3 : 500);
        uint64_t spread = UINT64_C(1) << rng_below(&r, 40);
        for (int i = 0; i < n; i++) {
            histogram_record(h, (int64_t)rng_below(&r, spread));
        }
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            assert_int_equal(histogram_quantile(h, qs[k]), reference_quantile(h, qs[k]));
        }
    }
    free(h);
}

static void reset_and_merge(void **state) {
    (void)state;
    histogram *a = new_histogram();
    histogram *b = new_histogram();
    histogram_record(a, 1000);
    histogram_record(b, 5);
    histogram_record(b, 100000);
    histogram_merge(a, b);
    assert_int_equal(a->total, 3);
    assert_int_equal(a->min, 5);
    assert_int_equal(a->max, 100000);
    histogram_reset(a);
    assert_int_equal(a->total, 0);
    assert_int_equal(histogram_quantile(a, 0.5), 0);
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        assert_int_equal(a->counts[i], 0);
    }
    free(a);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_are_exact),
        cmocka_unit_test(bucket_bounds_tile_the_range),
        cmocka_unit_test(quantiles_within_one_percent),
        cmocka_unit_test(quantiles_match_a_scan_from_below),
        cmocka_unit_test(reset_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
