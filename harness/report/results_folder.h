/* results_folder.h - a results folder appears complete or not at all: written under a temporary
 * name beside its final place, then renamed into it. */
#ifndef RATELAB_RESULTS_FOLDER_H
#define RATELAB_RESULTS_FOLDER_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/core/rl_error.h"

#define RESULTS_PATH_BYTES 1024

/* Creates the parents of final_dir and a fresh temporary folder beside it (final_dir.tmp-PID-N,
 * the first N whose name is free), whose path goes into tmp_dir (tmp_dir_size bytes). Returns 0
 * or RL_ERR_IO / RL_ERR_INVALID with a message. */
int results_folder_begin(const char *final_dir, char *tmp_dir, size_t tmp_dir_size, rl_error *err);

/* Writes the marker (results_marker.h) into tmp_dir and moves tmp_dir into final_dir. A folder
 * already there is replaced in one step only when ratelab wrote it and it holds nothing else,
 * then removed; anything else is left untouched and refused. On failure the commit has cleaned
 * up what was its own: never call results_folder_abort after it (tmp_dir may then hold a folder
 * that is not ratelab's, kept there and named in the message). Returns 0 or RL_ERR_IO. */
int results_folder_commit(const char *tmp_dir, const char *final_dir, rl_error *err);

/* Removes tmp_dir, made by results_folder_begin, and everything in it (after a failed write). */
void results_folder_abort(const char *tmp_dir);

/* Reads a results folder's place as given (--out): strips trailing slashes into out (out_size
 * bytes); refuses "", "/", a last part of "." or "..", and a path too long. Returns 0 or
 * RL_ERR_INVALID with a message. */
int results_folder_place_parse(const char *text, char *out, size_t out_size, rl_error *err);

/* Whether a results folder may be written at final_dir: nothing is there (*replaces false), or a
 * results folder ratelab wrote and nothing else (*replaces true). Returns 0, or RL_ERR_INVALID
 * with the reason it may not. */
int results_folder_place_check(const char *final_dir, bool *replaces, rl_error *err);

/* Joins dir and name into out (out_size bytes). Returns 0 or RL_ERR_INVALID if it does not fit. */
int results_path_join(char *out, size_t out_size, const char *dir, const char *name, rl_error *err);

#endif
