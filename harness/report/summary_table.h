/* summary_table.h - the console table a run prints: one row per API with the headline figures. */
#ifndef RATELAB_SUMMARY_TABLE_H
#define RATELAB_SUMMARY_TABLE_H

#include <stdio.h>

#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

/* Writes the table for s and its finished metrics m to out. */
void summary_table_print(FILE *out, const scenario *s, const metrics *m);

/* Describes the limiters that traffic to api goes through ("gcra@redis", "gcra@local",
 * "leaky_bucket_meter@redis_lock", "none", or several joined by '+') into buf of size bytes. */
void summary_api_limiters(const scenario *s, int api, char *buf, size_t size);

#endif
