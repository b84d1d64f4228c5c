/* experiment_write.h - an experiment's results folder: summary.json (each point's estimates),
 * points.csv (the same as a table), runs.csv (every run's figures) and expectations.csv. */
#ifndef RATELAB_EXPERIMENT_WRITE_H
#define RATELAB_EXPERIMENT_WRITE_H

#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/experiment/experiment.h"
#include "harness/report/results_writer.h"

/* Writes each point's mean and 95% half-width per API and figure as CSV with a header row. */
void experiment_write_points_csv(FILE *out, const experiment *e);

/* Writes every run's figures (point, replication, seed, api, figures) as CSV. */
void experiment_write_runs_csv(FILE *out, const experiment *e);

/* Writes the experiment's summary.json. */
void experiment_write_summary_json(FILE *out, const experiment *e);

/* Writes the files (for a shard, shard_runs.csv alone: experiment_shard.h) into a new folder dir, atomically (results_folder.h), calling fill(tmp_dir,
 * fill_context, err) (when not NULL) before the folder takes its name, as
 * results_write_folder_then does. Returns 0, fill's error, or RL_ERR_IO / RL_ERR_INVALID with
 * a message. */
int experiment_write_folder(const char *dir, const experiment *e, results_folder_fill_fn fill,
                            void *fill_context, rl_error *err);

#endif
