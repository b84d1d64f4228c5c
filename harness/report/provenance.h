/* provenance.h - what a results folder records about how it was made, so that it can be rerun:
 * scenario.yaml (the effective scenario, after --set, sweeps and presets) and provenance.json
 * (ratelab's version and source revision, the random-stream version, the seeds, the command
 * line, the overrides and the world). */
#ifndef RATELAB_PROVENANCE_H
#define RATELAB_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_load.h"

#define PROVENANCE_OVERRIDES_MAX 16
#define PROVENANCE_TEXT_BYTES 256

/* How a run was made. Everything is borrowed for the call. */
typedef struct run_provenance {
    const char *scenario_file;          /* as given on the command line */
    const scenario_override *overrides; /* --set, in order */
    size_t override_count;
    const scenario_sweep_key *sweep;    /* the sweep run (file's and --sweep); NULL, 0: none */
    int sweep_count;
    uint64_t seed_first;
    int seed_count;                     /* replications: seeds seed_first .. + count - 1 */
    int argc;                           /* the command line, from "run" on */
    char *const *argv;
    const char *world;                  /* "simulation" or "live" */
    const char *redis_server;           /* live: redis://host:port/db, no credentials */
    const char *redis_version;          /* live: the server's redis_version; NULL if unknown */
    int shard_index;                    /* a sweep's shard K of shard_count; 0, 0: not a shard */
    int shard_count;
} run_provenance;

/* Writes scenario.yaml and provenance.json for p into dir (a results folder being written).
 * scenario.yaml loads to the scenario the run used, with its seed written in. Returns 0, or the
 * loader's error for the scenario file, or RL_ERR_IO / RL_ERR_INVALID with a message. */
int provenance_write(const char *dir, const run_provenance *p, rl_error *err);

/* Checks that the results folders dirs[0..count) (a sweep's shards) have the same
 * scenario.yaml byte for byte and the same provenance.json but for "command" and "shard": the
 * same scenario, settings, seeds, version and revision, which must also be this build's (the
 * merge writes the files). Returns 0, or RL_ERR_INVALID naming the folder and the first thing
 * that differs, or RL_ERR_IO. */
int provenance_shards_check(const char *const *dirs, int count, rl_error *err);

/* Writes into out_dir (a results folder being written) the merge of the shards dirs[0..count):
 * dirs[0]'s scenario.yaml as it is, and its provenance.json without "shard", with "command" the
 * merge's command line (argv[0..argc), from "merge" on) and "merged_from" listing each shard's
 * folder and command. Returns 0, RL_ERR_IO or RL_ERR_INVALID. */
int provenance_write_merged(const char *out_dir, const char *const *dirs, int count, int argc,
                            char *const *argv, rl_error *err);

/* What the report page shows of provenance.json. Plain data. */
typedef struct provenance_summary {
    bool present;                 /* the folder has a provenance.json */
    char scenario_file[PROVENANCE_TEXT_BYTES];
    char version[64];
    char revision[96];
    char world[PROVENANCE_TEXT_BYTES]; /* "simulation", or "live, Redis 7.0.15 at redis://..." */
    char command[PROVENANCE_TEXT_BYTES * 2];
    int override_count;           /* --set overrides and swept keys, at most the array */
    char overrides[PROVENANCE_OVERRIDES_MAX][PROVENANCE_TEXT_BYTES]; /* "path=value" */
    int overrides_total;          /* all of them, also those past the array */
} provenance_summary;

/* Reads dir/provenance.json into out; a folder without one gives out->present false and 0.
 * Returns 0, or RL_ERR_INVALID / RL_ERR_IO with a message naming the file. */
int provenance_read(const char *dir, provenance_summary *out, rl_error *err);

#endif
