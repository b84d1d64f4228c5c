/* tune_space.c - the ranges of `ratelab tune --vary`, checked against the scenario. */
#include "harness/experiment/tune_space.h"

#include <stdio.h>
#include <string.h>

#include "algorithms/limiter.h"
#include "harness/core/units.h"

#define PART_BYTES 256
#define US_PER_S INT64_C(1000000)

/* Periods a rate is written in, longest first, for tune_space_rate_text. */
static const struct {
    const char *name;
    int64_t us;
} PERIODS[] = {{"d", 86400 * US_PER_S}, {"h", 3600 * US_PER_S}, {"min", 60 * US_PER_S},
               {"s", US_PER_S},         {"ms", 1000}};

static int64_t gcd_i64(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Splits "LO..HI" at "..": lo and hi are copied into the buffers. */
static int split_range(const char *part, const char *range, char *lo, char *hi, rl_error *err) {
    const char *dots = strstr(range, "..");
    if (dots == NULL || dots == range || dots[2] == '\0' || strstr(dots + 2, "..") != NULL ||
        (size_t)(dots - range) >= PART_BYTES || strlen(dots + 2) >= PART_BYTES) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary %s: expected a range LO..HI such as rate=1/s..20/s or "
                            "burst=1..10",
                            part);
    }
    memcpy(lo, range, (size_t)(dots - range));
    lo[dots - range] = '\0';
    snprintf(hi, PART_BYTES, "%s", dots + 2);
    return RL_OK;
}

static int parse_rate_range(const char *part, const char *range, tune_space *out,
                            rl_error *err) {
    char lo_text[PART_BYTES], hi_text[PART_BYTES];
    int rc = split_range(part, range, lo_text, hi_text, err);
    if (rc != RL_OK) {
        return rc;
    }
    int64_t lo_count, lo_period_us, hi_count, hi_period_us;
    rl_error local;
    if (units_parse_rate(lo_text, &lo_count, &lo_period_us, &local) != RL_OK ||
        units_parse_rate(hi_text, &hi_count, &hi_period_us, &local) != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID, "--vary %s: %s", part, local.message);
    }
    /* Both ends in their common period, the least common multiple of theirs. */
    int64_t g = gcd_i64(lo_period_us, hi_period_us);
    __extension__ __int128 period = (__int128)(lo_period_us / g) * hi_period_us;
    __extension__ __int128 lo = (__int128)lo_count * (period / lo_period_us);
    __extension__ __int128 hi = (__int128)hi_count * (period / hi_period_us);
    if (period > UNITS_DURATION_MAX_US || lo >= LIMITER_EXACT_MAX || hi >= LIMITER_EXACT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary %s: the two ends have no common period up to 2^40 us; write "
                            "both in the same period, such as 60/min..1200/min",
                            part);
    }
    if (lo > hi) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary %s: the range is empty (%s is above %s); write LO..HI with "
                            "LO <= HI",
                            part, lo_text, hi_text);
    }
    out->rate = (tune_axis){.varied = true, .lo = (int64_t)lo, .hi = (int64_t)hi};
    out->rate_period_us = (int64_t)period;
    return RL_OK;
}

static int parse_burst_range(const char *part, const char *range, tune_space *out,
                             rl_error *err) {
    char lo_text[PART_BYTES], hi_text[PART_BYTES];
    int rc = split_range(part, range, lo_text, hi_text, err);
    if (rc != RL_OK) {
        return rc;
    }
    int64_t lo, hi;
    rl_error local;
    if (units_parse_count(lo_text, &lo, &local) != RL_OK ||
        units_parse_count(hi_text, &hi, &local) != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID, "--vary %s: %s", part, local.message);
    }
    if (lo > hi) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary %s: the range is empty (%s is above %s); write LO..HI with "
                            "LO <= HI",
                            part, lo_text, hi_text);
    }
    out->burst = (tune_axis){.varied = true, .lo = lo, .hi = hi};
    return RL_OK;
}

/* Parses one "KEY=LO..HI" of --vary. */
static int parse_part(const char *part, tune_space *out, rl_error *err) {
    const char *equals = strchr(part, '=');
    size_t key_length = equals == NULL ? 0 : (size_t)(equals - part);
    bool is_rate = key_length == 4 && strncmp(part, "rate", 4) == 0;
    bool is_burst = key_length == 5 && strncmp(part, "burst", 5) == 0;
    if (!is_rate && !is_burst) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary %s: expected rate=LO..HI or burst=LO..HI; tune varies a "
                            "limiter's rate and burst",
                            part);
    }
    if ((is_rate && out->rate.varied) || (is_burst && out->burst.varied)) {
        return rl_error_set(err, RL_ERR_INVALID, "--vary %s: %s is given twice", part,
                            is_rate ? "rate" : "burst");
    }
    return is_rate ? parse_rate_range(part, equals + 1, out, err)
                   : parse_burst_range(part, equals + 1, out, err);
}

int tune_space_parse(const char *limiter, const char *vary, tune_space *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    out->limiter_index = -1;
    if (strlen(limiter) >= sizeof out->limiter) {
        return rl_error_set(err, RL_ERR_INVALID, "--limiter: the name is longer than %zu bytes",
                            sizeof out->limiter - 1);
    }
    snprintf(out->limiter, sizeof out->limiter, "%s", limiter);
    snprintf(out->rate_path, sizeof out->rate_path, "limiters.%s.rate", limiter);
    snprintf(out->burst_path, sizeof out->burst_path, "limiters.%s.burst", limiter);
    const char *p = vary;
    while (*p != '\0') {
        size_t length = strcspn(p, ",");
        char part[PART_BYTES];
        if (length == 0 || length >= sizeof part) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "--vary \"%s\": expected rate=LO..HI[,burst=LO..HI]", vary);
        }
        memcpy(part, p, length);
        part[length] = '\0';
        int rc = parse_part(part, out, err);
        if (rc != RL_OK) {
            return rc;
        }
        p += length;
        p += *p == ',' ? 1 : 0;
    }
    if (!out->rate.varied && !out->burst.varied) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary: nothing to vary; write rate=LO..HI[,burst=LO..HI]");
    }
    return RL_OK;
}

/* True when some traffic of s goes through its limiter index. */
static bool limiter_in_use(const scenario *s, int index) {
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            if (s->pod_groups[g].traffic[t].limiter_index == index) {
                return true;
            }
        }
    }
    return false;
}

/* Checks the setting at (rate, burst) with the limiter's algorithm. */
static int check_corner(const tune_space *space, const scenario_limiter *l, int64_t rate,
                        int64_t burst, rl_error *err) {
    limiter_config cfg = l->config;
    cfg.limit = rate;
    cfg.period_us = space->rate_period_us;
    cfg.burst = burst;
    rl_error local;
    if (limiter_config_validate(&cfg, &local) == RL_OK) {
        return RL_OK;
    }
    char label[TUNE_TEXT_BYTES];
    tune_point corner = {rate, burst};
    tune_space_point_label(space, &corner, label, sizeof label);
    return rl_error_set(err, RL_ERR_INVALID, "--vary: %s is not a valid setting of %s (%s): %s",
                        label, l->name, cfg.algorithm->name, local.message);
}

int tune_space_check(tune_space *space, const scenario *s, rl_error *err) {
    int index = scenario_find_limiter(s, space->limiter);
    if (index < 0) {
        char names[512] = "";
        size_t used = 0;
        for (int i = 0; i < s->limiter_count && used < sizeof names; i++) {
            int n = snprintf(names + used, sizeof names - used, "%s%s", i > 0 ? ", " : "",
                             s->limiters[i].name);
            used += n > 0 ? (size_t)n : 0;
        }
        return rl_error_set(err, RL_ERR_INVALID, "--limiter: no limiter \"%s\" in %s; limiters: %s",
                            space->limiter, s->name, s->limiter_count > 0 ? names : "(none)");
    }
    const scenario_limiter *l = &s->limiters[index];
    if (!limiter_in_use(s, index)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--limiter: no traffic goes through limiter \"%s\"; varying it would "
                            "change nothing",
                            space->limiter);
    }
    const limiter_algorithm *a = l->config.algorithm;
    if (space->rate.varied && (a->params & LIMITER_PARAM_RATE) == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary rate: limiter \"%s\" (%s) has no rate to vary", l->name,
                            a->name);
    }
    if (space->burst.varied && (a->params & LIMITER_PARAM_BURST) == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--vary burst: limiter \"%s\" (%s) reads no burst; vary rate only",
                            l->name, a->name);
    }
    if (!space->rate.varied) {
        space->rate = (tune_axis){.varied = false, .lo = l->config.limit, .hi = l->config.limit};
        space->rate_period_us = l->config.period_us;
    }
    if (!space->burst.varied) {
        space->burst = (tune_axis){.varied = false, .lo = l->config.burst, .hi = l->config.burst};
    }
    const int64_t rates[2] = {space->rate.lo, space->rate.hi};
    const int64_t bursts[2] = {space->burst.lo, space->burst.hi};
    for (int r = 0; r < 2; r++) {
        for (int b = 0; b < 2; b++) {
            int rc = check_corner(space, l, rates[r], bursts[b], err);
            if (rc != RL_OK) {
                return rc;
            }
        }
    }
    space->limiter_index = index;
    return RL_OK;
}

int64_t tune_space_size(const tune_space *space) {
    return (space->rate.hi - space->rate.lo + 1) * (space->burst.hi - space->burst.lo + 1);
}

void tune_space_rate_text(const tune_space *space, int64_t rate, char *buf, size_t size) {
    int64_t period_us = space->rate_period_us;
    for (size_t i = 0; i < sizeof PERIODS / sizeof PERIODS[0]; i++) {
        if (period_us % PERIODS[i].us != 0) {
            continue;
        }
        int64_t n = period_us / PERIODS[i].us;
        if (n == 1) {
            snprintf(buf, size, "%lld/%s", (long long)rate, PERIODS[i].name);
        } else {
            snprintf(buf, size, "%lld/%lld%s", (long long)rate, (long long)n, PERIODS[i].name);
        }
        return;
    }
    snprintf(buf, size, "%lld/%lldus", (long long)rate, (long long)period_us);
}

void tune_space_point_label(const tune_space *space, const tune_point *point, char *buf,
                            size_t size) {
    char rate[64];
    tune_space_rate_text(space, point->rate, rate, sizeof rate);
    if (space->burst.varied) {
        snprintf(buf, size, "rate=%s burst=%lld", rate, (long long)point->burst);
    } else {
        snprintf(buf, size, "rate=%s", rate);
    }
}
