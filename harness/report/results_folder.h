/* results_folder.h - a results folder appears complete or not at all: written under a temporary
 * name beside its final place, then renamed into it. */
#ifndef RATELAB_RESULTS_FOLDER_H
#define RATELAB_RESULTS_FOLDER_H

#include <stddef.h>

#include "harness/core/rl_error.h"

#define RESULTS_PATH_BYTES 1024

/* Creates the parents of final_dir and a fresh temporary folder beside it, whose path goes into
 * tmp_dir (tmp_dir_size bytes). Returns 0 or RL_ERR_IO / RL_ERR_INVALID with a message. */
int results_folder_begin(const char *final_dir, char *tmp_dir, size_t tmp_dir_size, rl_error *err);

/* Moves tmp_dir into final_dir, replacing a previous folder there (only one that looks like a
 * ratelab results folder: it holds summary.json). Returns 0 or RL_ERR_IO with a message. */
int results_folder_commit(const char *tmp_dir, const char *final_dir, rl_error *err);

/* Removes tmp_dir and everything in it (after a failed write). */
void results_folder_abort(const char *tmp_dir);

/* Joins dir and name into out (out_size bytes). Returns 0 or RL_ERR_INVALID if it does not fit. */
int results_path_join(char *out, size_t out_size, const char *dir, const char *name, rl_error *err);

#endif
