/* experiment_shard.c - shard_runs.csv: a shard's runs, each figure as a C hex float (%a), which
 * strtod reads back to the same bits, so a merge computes the estimates from the very values one
 * machine would have had. */
#include "harness/experiment/experiment_shard.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario/figure.h"

#define SHARD_FIRST_LINE "# ratelab shard %d/%d of %" PRId64 " runs (%d points x %d replications)"

/* Reads a whole number from 1 to max at *text, moving *text past it. Returns 0 or -1. */
static int parse_count(const char **text, int max, int *out) {
    const char *p = *text;
    if (*p < '0' || *p > '9') {
        return -1;
    }
    long value = 0;
    while (*p >= '0' && *p <= '9') {
        value = value * 10 + (*p - '0');
        if (value > max) {
            return -1;
        }
        p++;
    }
    if (value < 1) {
        return -1;
    }
    *out = (int)value;
    *text = p;
    return 0;
}

int experiment_shard_parse(const char *text, int *index, int *count, rl_error *err) {
    const char *p = text;
    int k = 0, n = 0;
    if (parse_count(&p, EXPERIMENT_SHARDS_MAX, &k) != 0 || *p++ != '/' ||
        parse_count(&p, EXPERIMENT_SHARDS_MAX, &n) != 0 || *p != '\0') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "expected K/N such as 2/3: whole numbers, 1 <= K <= N <= %d",
                            EXPERIMENT_SHARDS_MAX);
    }
    if (k > n) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "shard %d of %d does not exist; K is from 1 to N (%d)", k, n, n);
    }
    *index = k;
    *count = n;
    return RL_OK;
}

/* The column names after "run": each API's figures, then each expectation's. */
static void write_header(FILE *out, const experiment *e) {
    fputs("run", out);
    for (int api = 0; api < e->api_count; api++) {
        for (int f = 0; f < FIGURE_COUNT; f++) {
            fprintf(out, ",%s:%s", e->base.apis[api].name, figure_info_of((figure_id)f)->name);
        }
    }
    for (int i = 0; i < e->expectation_count; i++) {
        fprintf(out, ",expectation_%d", i + 1);
    }
    fputc('\n', out);
}

void experiment_shard_write_runs(FILE *out, const experiment *e) {
    assert(e->shard_count > 0);
    fprintf(out, SHARD_FIRST_LINE "\n", e->shard_index, e->shard_count,
            experiment_runs_total(e), e->point_count, e->replications);
    write_header(out, e);
    for (int64_t index = 0; index < experiment_runs_total(e); index++) {
        if (!experiment_run_in_shard(e, index)) {
            continue;
        }
        int point = (int)(index / e->replications);
        int replication = (int)(index % e->replications);
        fprintf(out, "%" PRId64, index);
        for (int api = 0; api < e->api_count; api++) {
            for (int f = 0; f < FIGURE_COUNT; f++) {
                fprintf(out, ",%a", experiment_value(e, point, replication, api, (figure_id)f));
            }
        }
        for (int i = 0; i < e->expectation_count; i++) {
            fprintf(out, ",%a", e->expect_values[(size_t)index * SCENARIO_EXPECT_MAX + (size_t)i]);
        }
        fputc('\n', out);
    }
}

int experiment_shard_info_read(const char *path, experiment_shard_info *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return rl_error_set(err, errno == ENOENT ? RL_ERR_INVALID : RL_ERR_IO,
                            "%s: %s (not a shard's results folder: made by ratelab run --shard "
                            "K/N?)", path, strerror(errno));
    }
    char line[256];
    bool read = fgets(line, sizeof line, in) != NULL;
    fclose(in);
    char rest[8];
    if (!read || sscanf(line, SHARD_FIRST_LINE "%1[\n]", &out->index, &out->count,
                        &out->runs_total, &out->points, &out->replications, rest) != 6 ||
        out->count < 1 || out->index < 1 || out->index > out->count ||
        out->runs_total != (int64_t)out->points * out->replications) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:1: not a shard file's first line (\"# ratelab shard K/N of R "
                            "runs (P points x Q replications)\")", path);
    }
    return RL_OK;
}

/* Reads the comma-separated hex floats of one run line after its index into e. Returns 0 or
 * RL_ERR_INVALID. */
static int read_values(const char *path, int line_number, const char *p, experiment *e,
                       int64_t index, rl_error *err) {
    int point = (int)(index / e->replications);
    int replication = (int)(index % e->replications);
    int columns = e->api_count * FIGURE_COUNT + e->expectation_count;
    for (int c = 0; c < columns; c++) {
        if (*p != ',') {
            return rl_error_set(err, RL_ERR_INVALID, "%s:%d: %d values expected, fewer found",
                                path, line_number, columns);
        }
        char *end = NULL;
        double value = strtod(p + 1, &end);
        if (end == p + 1) {
            return rl_error_set(err, RL_ERR_INVALID, "%s:%d: value %d is not a number", path,
                                line_number, c + 1);
        }
        p = end;
        if (c < e->api_count * FIGURE_COUNT) {
            *experiment_value_slot(e, point, replication, c / FIGURE_COUNT, c % FIGURE_COUNT) =
                value;
        } else {
            *experiment_expect_slot(e, index, c - e->api_count * FIGURE_COUNT) = value;
        }
    }
    if (*p != '\n' && *p != '\0') {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%d: more than %d values", path,
                            line_number, columns);
    }
    return RL_OK;
}

/* Checks line (the column names) against what e's shard file would have. */
static int check_header(const char *path, const char *line, const experiment *e, rl_error *err) {
    char *expected = NULL;
    size_t size = 0;
    FILE *text = open_memstream(&expected, &size);
    if (text == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory");
    }
    write_header(text, e);
    fclose(text);
    bool same = strcmp(line, expected) == 0;
    free(expected);
    if (!same) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:2: its columns (APIs, figures, expectations) are not those of "
                            "the scenario being merged", path);
    }
    return RL_OK;
}

int experiment_shard_runs_read(const char *path, const experiment_shard_info *info, experiment *e,
                               bool *seen, rl_error *err) {
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return rl_error_set(err, RL_ERR_IO, "%s: %s", path, strerror(errno));
    }
    char *line = NULL;
    size_t size = 0;
    int line_number = 0;
    int64_t runs_read = 0;
    int rc = RL_OK;
    while (rc == RL_OK && getline(&line, &size, in) >= 0) {
        line_number++;
        if (line_number == 1) {
            continue; /* read by experiment_shard_info_read */
        }
        if (line_number == 2) {
            rc = check_header(path, line, e, err);
            continue;
        }
        char *end = NULL;
        errno = 0;
        long long index = strtoll(line, &end, 10);
        if (end == line || errno != 0 || index < 0 || index >= experiment_runs_total(e)) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%d: not a run of this grid (0 to %" PRId64
                              ")", path, line_number, experiment_runs_total(e) - 1);
        } else if (index % info->count != info->index - 1) {
            rc = rl_error_set(err, RL_ERR_INVALID, "%s:%d: run %lld is not of shard %d/%d",
                              path, line_number, index, info->index, info->count);
        } else if (seen[index]) {
            rc = rl_error_set(err, RL_ERR_INVALID,
                              "%s:%d: run %lld is given twice (overlapping shards)",
                              path, line_number, index);
        } else {
            seen[index] = true;
            runs_read++;
            rc = read_values(path, line_number, end, e, (int64_t)index, err);
        }
    }
    bool failed = ferror(in) != 0;
    free(line);
    fclose(in);
    if (rc == RL_OK && failed) {
        rc = rl_error_set(err, RL_ERR_IO, "%s: read error", path);
    }
    int64_t expected = (info->runs_total - info->index + info->count) / info->count;
    if (rc == RL_OK && runs_read != expected) {
        rc = rl_error_set(err, RL_ERR_INVALID,
                          "%s: holds %" PRId64 " of its shard's %" PRId64 " runs (cut short?)",
                          path, runs_read, expected);
    }
    return rc;
}
