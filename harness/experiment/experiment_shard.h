/* experiment_shard.h - a sweep split across machines: the runs of shard K of N are those whose
 * index (point-major: point x replications + replication) mod N is K - 1, so each shard's share
 * is fixed by K and N alone, and the shards of a grid are about equal in size and mix. A shard's
 * results folder holds shard_runs.csv: its runs' figures written exactly (C hex floats), from
 * which `ratelab merge` rebuilds the folder one machine would have written. */
#ifndef RATELAB_EXPERIMENT_SHARD_H
#define RATELAB_EXPERIMENT_SHARD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/experiment/experiment.h"

#define EXPERIMENT_SHARD_FILE "shard_runs.csv"
#define EXPERIMENT_SHARDS_MAX 10000

/* What a shard file's first line says of it. Plain data. */
typedef struct experiment_shard_info {
    int index;          /* K, 1 .. count */
    int count;          /* N */
    int64_t runs_total; /* runs of the whole grid */
    int points;
    int replications;
} experiment_shard_info;

/* Parses "K/N" (1 <= K <= N <= EXPERIMENT_SHARDS_MAX) into *index and *count. Returns 0 or
 * RL_ERR_INVALID with what was wrong and what is allowed. */
int experiment_shard_parse(const char *text, int *index, int *count, rl_error *err);

/* Writes shard_runs.csv of a shard experiment e (every run of its shard, in index order). */
void experiment_shard_write_runs(FILE *out, const experiment *e);

/* Reads the first line of the shard file at path into out. Returns 0, RL_ERR_IO, or
 * RL_ERR_INVALID naming the file when it is not a shard file. */
int experiment_shard_info_read(const char *path, experiment_shard_info *out, rl_error *err);

/* Reads every run of the shard file at path (described by info) into e's figures, which must be
 * allocated, marking each in seen[run index]. Refuses (RL_ERR_INVALID, naming the file and
 * line) a header that does not match e, a run not of the shard, one already seen (overlapping
 * shards), a value that is not a number, or a file missing some of its shard's runs. Returns 0,
 * RL_ERR_IO or RL_ERR_INVALID. */
int experiment_shard_runs_read(const char *path, const experiment_shard_info *info, experiment *e,
                               bool *seen, rl_error *err);

#endif
