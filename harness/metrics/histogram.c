/* histogram.c - a log-linear histogram with at most 1% relative error. */
#include "harness/metrics/histogram.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define SUB_BUCKETS (1 << HISTOGRAM_SUB_BUCKET_BITS)
#define HALF_SUB_BUCKETS (SUB_BUCKETS / 2)

void histogram_reset(histogram *h) {
    if (h->total > 0 && h->touched_low <= h->touched_high) {
        memset(&h->counts[h->touched_low], 0,
               (size_t)(h->touched_high - h->touched_low + 1) * sizeof h->counts[0]);
    }
    h->total = 0;
    h->min = 0;
    h->max = 0;
    h->sum = 0.0;
    h->touched_low = HISTOGRAM_BUCKETS;
    h->touched_high = -1;
}

int histogram_bucket_of(int64_t value) {
    if (value < SUB_BUCKETS) {
        return (int)value;
    }
    if (value > HISTOGRAM_VALUE_MAX) {
        value = HISTOGRAM_VALUE_MAX;
    }
    int msb = 63 - __builtin_clzll((unsigned long long)value);
    int shift = msb - (HISTOGRAM_SUB_BUCKET_BITS - 1);
    int mantissa = (int)(value >> shift); /* in [128, 256) */
    return shift * HALF_SUB_BUCKETS + mantissa;
}

void histogram_bucket_bounds(int index, int64_t *low, int64_t *high) {
    assert(index >= 0 && index < HISTOGRAM_BUCKETS);
    if (index < SUB_BUCKETS) {
        *low = index;
        *high = index;
        return;
    }
    int shift = (index - HALF_SUB_BUCKETS) / HALF_SUB_BUCKETS;
    int64_t mantissa = index - shift * HALF_SUB_BUCKETS;
    *low = mantissa << shift;
    *high = ((mantissa + 1) << shift) - 1;
}

void histogram_record(histogram *h, int64_t value) {
    if (value < 0) {
        value = 0;
    }
    int index = histogram_bucket_of(value);
    h->counts[index]++;
    if (h->total == 0 || value < h->min) {
        h->min = value;
    }
    if (h->total == 0 || value > h->max) {
        h->max = value;
    }
    h->total++;
    h->sum += (double)value;
    if (index < h->touched_low) {
        h->touched_low = index;
    }
    if (index > h->touched_high) {
        h->touched_high = index;
    }
}

void histogram_merge(histogram *into, const histogram *from) {
    if (from->total == 0) {
        return;
    }
    for (int i = from->touched_low; i <= from->touched_high; i++) {
        into->counts[i] += from->counts[i];
    }
    if (into->total == 0 || from->min < into->min) {
        into->min = from->min;
    }
    if (into->total == 0 || from->max > into->max) {
        into->max = from->max;
    }
    into->total += from->total;
    into->sum += from->sum;
    if (from->touched_low < into->touched_low) {
        into->touched_low = from->touched_low;
    }
    if (from->touched_high > into->touched_high) {
        into->touched_high = from->touched_high;
    }
}

/* The first bucket whose running count reaches rank (1 <= rank <= total). A high rank is found
 * from the top: the first bucket from below whose count, added to those above it, exceeds
 * total - rank is the same bucket, and the walk is short (a per-bin p99 runs every 100 ms). */
static int quantile_bucket(const histogram *h, uint64_t rank) {
    if (rank > h->total / 2) {
        uint64_t above_max = h->total - rank, above = 0;
        int i = h->touched_high;
        while (i > h->touched_low && above + h->counts[i] <= above_max) {
            above += h->counts[i];
            i--;
        }
        return i;
    }
    uint64_t seen = 0;
    int i = h->touched_low;
    while (seen + h->counts[i] < rank) {
        seen += h->counts[i];
        i++;
    }
    return i;
}

int64_t histogram_quantile(const histogram *h, double q) {
    if (h->total == 0) {
        return 0;
    }
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > h->total) {
        rank = h->total;
    }
    int index = quantile_bucket(h, rank);
    int64_t low, high;
    histogram_bucket_bounds(index, &low, &high);
    int64_t mid = low + (high - low) / 2;
    if (mid < h->min) {
        mid = h->min;
    }
    if (mid > h->max) {
        mid = h->max;
    }
    return mid;
}

double histogram_mean(const histogram *h) {
    return h->total == 0 ? 0.0 : h->sum / (double)h->total;
}
