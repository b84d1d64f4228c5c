/* tune_space.h - the settings `ratelab tune` searches: a limiter's rate and, optionally, its
 * burst, each over a range written as --vary rate=LO..HI,burst=LO..HI.
 *
 * The search moves in whole steps. A burst steps by one request. A rate steps by one request per
 * period, the period being the longer of the two ends' (their least common multiple): 1/s..20/s
 * steps by 1/s, 60/min..1200/min by 1/min (finer), 1/min..1/s by 1/min. To search finer, write
 * the range in a longer period. */
#ifndef RATELAB_TUNE_SPACE_H
#define RATELAB_TUNE_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

#define TUNE_TEXT_BYTES 128

/* One varied setting: the whole steps lo..hi (lo <= hi). */
typedef struct tune_axis {
    bool varied;
    int64_t lo;
    int64_t hi;
} tune_axis;

/* Where the search may go. Plain data. */
typedef struct tune_space {
    char limiter[SCENARIO_NAME_BYTES];
    int limiter_index;     /* into the scenario's limiters, once checked */
    tune_axis rate;        /* requests per period_us */
    int64_t rate_period_us;
    tune_axis burst;       /* requests; when not varied, the scenario's burst throughout */
    char rate_path[TUNE_TEXT_BYTES];  /* the --set path: limiters.NAME.rate */
    char burst_path[TUNE_TEXT_BYTES]; /* limiters.NAME.burst */
} tune_space;

/* One place in the space, in whole steps. */
typedef struct tune_point {
    int64_t rate;
    int64_t burst;
} tune_point;

/* Parses the text of --vary ("rate=1/s..20/s" or "rate=1/s..20/s,burst=1..10") for the limiter
 * called limiter into out (not yet checked against a scenario). Returns 0 or RL_ERR_INVALID with
 * what was wrong and what is allowed. */
int tune_space_parse(const char *limiter, const char *vary, tune_space *out, rl_error *err);

/* Checks the space against s: the limiter exists, some traffic goes through it, its algorithm
 * reads each varied setting, and every corner of the space is a valid setting of it. Sets
 * limiter_index; a burst that is not varied becomes the one value of its axis. Returns 0 or
 * RL_ERR_INVALID with a message. */
int tune_space_check(tune_space *space, const scenario *s, rl_error *err);

/* How many points the space holds (at least 1). */
int64_t tune_space_size(const tune_space *space);

/* Writes the rate of rate steps as a --set value ("9/s", "570/min", "7/250ms") into buf. */
void tune_space_rate_text(const tune_space *space, int64_t rate, char *buf, size_t size);

/* Writes point as a label: "rate=9/s" or "rate=9/s burst=3" into buf. */
void tune_space_point_label(const tune_space *space, const tune_point *point, char *buf,
                            size_t size);

#endif
