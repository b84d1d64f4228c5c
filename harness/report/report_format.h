/* report_format.h - figures written for people: counts with separators, latencies with a unit,
 * shares in percent. Used by the figures' titles and the report page. */
#ifndef RATELAB_REPORT_FORMAT_H
#define RATELAB_REPORT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Formats value with thousands separators ("3,086") into buf of size bytes. */
void report_format_count(int64_t value, char *buf, size_t size);

/* Formats a latency in us as "850 us", "12.3 ms", "4.21 s" or "65.9 s" into buf. */
void report_format_latency(int64_t us, char *buf, size_t size);

/* Formats a share (0.733) as a percentage with enough digits to tell small values apart
 * ("73.3%", "0.12%", "0%") into buf. */
void report_format_percent(double share, char *buf, size_t size);

/* Formats a ratio (a burst ratio, a peak over a limit) as people read it, never in scientific
 * notation: "320", "18.0", "1.20", "0.50" into buf. */
void report_format_ratio(double ratio, char *buf, size_t size);

/* Formats a rate or any other plain number with three significant digits, never in scientific
 * notation: "12,346", "545", "8.33", "0.278" into buf. */
void report_format_number(double value, char *buf, size_t size);

#endif
