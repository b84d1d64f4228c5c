/* units.h - parsing the values with units that scenario files and --set use ("30s", "5/s"). */
#ifndef RATELAB_UNITS_H
#define RATELAB_UNITS_H

#include <stdint.h>

#include "harness/core/rl_error.h"

/* Largest duration accepted anywhere: 2^40 us, about 12.7 days. */
#define UNITS_DURATION_MAX_US (INT64_C(1) << 40)

/* Parses a duration such as "250us", "1.5ms", "30s", "5min", "2h", "1d" or "0" into
 * microseconds. Fractions below 1 us are refused. Returns 0 or RL_ERR_INVALID with a message
 * (without the file:line prefix) in err. */
int units_parse_duration_us(const char *text, int64_t *out_us, rl_error *err);

/* Parses a rate "COUNT/PERIOD" such as "5/s", "120/min", "5000/h", "40/10s" or "2/100ms" into
 * count and period_us (both > 0; not reduced). A bare unit ("s", "min", "h", "d", "ms") means one
 * of it. Returns 0 or RL_ERR_INVALID with a message in err. */
int units_parse_rate(const char *text, int64_t *out_count, int64_t *out_period_us, rl_error *err);

/* Parses a non-negative integer ("20", "1000000", "1_000_000"). Returns 0 or RL_ERR_INVALID. */
int units_parse_count(const char *text, int64_t *out, rl_error *err);

/* Parses a probability as a fraction "0.25" or a percentage "25%" into parts per million
 * (0 to 1,000,000). Returns 0 or RL_ERR_INVALID. */
int units_parse_ppm(const char *text, int64_t *out_ppm, rl_error *err);

/* Parses a plain decimal with at most three decimals ("2", "1.5", "2.125") into thousandths
 * (2000, 1500, 2125), at most 10^15. Returns 0 or RL_ERR_INVALID with a message in err. */
int units_parse_milli(const char *text, int64_t *out_milli, rl_error *err);

/* Formats us as a short human duration ("250us", "1.5ms", "30s") into buf of size bytes. */
void units_format_duration(int64_t us, char *buf, int size);

#endif
