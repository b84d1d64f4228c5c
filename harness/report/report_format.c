/* report_format.c - figures written for people. */
#include "harness/report/report_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void report_format_count(int64_t value, char *buf, size_t size) {
    char digits[32];
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    snprintf(digits, sizeof digits, "%" PRIu64, magnitude);
    char grouped[48];
    size_t length = strlen(digits), used = 0;
    if (value < 0) {
        grouped[used++] = '-';
    }
    for (size_t i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0) {
            grouped[used++] = ',';
        }
        grouped[used++] = digits[i];
    }
    grouped[used] = '\0';
    snprintf(buf, size, "%s", grouped);
}

void report_format_latency(int64_t us, char *buf, size_t size) {
    if (us < 1000) {
        snprintf(buf, size, "%" PRId64 " us", us);
    } else if (us < 1000000) {
        snprintf(buf, size, "%.3g ms", (double)us / 1e3);
    } else if (us < 10000000) {
        snprintf(buf, size, "%.2f s", (double)us / 1e6);
    } else {
        snprintf(buf, size, "%.1f s", (double)us / 1e6);
    }
}

void report_format_percent(double share, char *buf, size_t size) {
    double pct = share * 100.0;
    if (pct == 0) {
        snprintf(buf, size, "0%%");
    } else if (pct >= 10 || pct <= -10) {
        snprintf(buf, size, "%.1f%%", pct);
    } else {
        snprintf(buf, size, "%.2g%%", pct);
    }
}

void report_format_ratio(double ratio, char *buf, size_t size) {
    if (ratio >= 100.0) {
        snprintf(buf, size, "%.0f", ratio);
    } else if (ratio >= 10.0) {
        snprintf(buf, size, "%.1f", ratio);
    } else {
        snprintf(buf, size, "%.2f", ratio);
    }
}

void report_format_number(double value, char *buf, size_t size) {
    double magnitude = value < 0 ? -value : value;
    if (magnitude >= 1000.0 && magnitude < 9.2e18) {
        report_format_count((int64_t)(value < 0 ? value - 0.5 : value + 0.5), buf, size);
    } else if (magnitude >= 0.001 || magnitude == 0.0) {
        snprintf(buf, size, "%.3g", value);
    } else {
        snprintf(buf, size, "%.6f", value);
    }
}
