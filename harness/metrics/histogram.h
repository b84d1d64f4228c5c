/* histogram.h - a log-linear histogram of non-negative integers with at most 1% relative error.
 *
 * Values below 256 are exact; above, each power of two is split into 128 buckets, so a bucket's
 * width is at most 1/128 of its lower bound (0.8%). Percentiles report a bucket's midpoint;
 * min and max are exact. Values above HISTOGRAM_VALUE_MAX are counted in the top bucket. */
#ifndef RATELAB_HISTOGRAM_H
#define RATELAB_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#define HISTOGRAM_SUB_BUCKET_BITS 8
#define HISTOGRAM_VALUE_MAX ((INT64_C(1) << 41) - 1)
#define HISTOGRAM_BUCKETS 4480 /* HISTOGRAM_VALUE_MAX falls in bucket 33 x 128 + 255 = 4479 */

typedef struct histogram {
    uint64_t counts[HISTOGRAM_BUCKETS];
    uint64_t total;
    int64_t min;
    int64_t max;
    double sum; /* for the mean */
    int touched_low;  /* lowest and highest bucket used since the last reset, for a cheap reset */
    int touched_high;
} histogram;

/* Empties h. */
void histogram_reset(histogram *h);

/* Counts value (negative values count as 0). */
void histogram_record(histogram *h, int64_t value);

/* Adds every count of from into into. */
void histogram_merge(histogram *into, const histogram *from);

/* The value at quantile q in [0, 1] (q = 0.99 for p99): the midpoint of the bucket holding the
 * ceil(q x total)-th smallest value, clamped to [min, max]; 0 when h is empty. */
int64_t histogram_quantile(const histogram *h, double q);

/* Mean of the recorded values; 0 when empty. */
double histogram_mean(const histogram *h);

/* The bucket that holds value. */
int histogram_bucket_of(int64_t value);

/* The smallest and largest value bucket index holds. */
void histogram_bucket_bounds(int index, int64_t *low, int64_t *high);

#endif
