/* output_file.h - writing one text file of a results folder, with every write error caught. */
#ifndef RATELAB_OUTPUT_FILE_H
#define RATELAB_OUTPUT_FILE_H

#include <stdio.h>

#include "harness/core/rl_error.h"

/* Opens dir/name for writing (replacing it) into *out; the caller closes it with
 * output_file_close. Returns 0 or RL_ERR_INVALID (path too long) / RL_ERR_IO with a message. */
int output_file_open(const char *dir, const char *name, FILE **out, rl_error *err);

/* Closes out (opened by output_file_open as dir/name) and reports any write that failed on the
 * way (a full disk). Returns 0 or RL_ERR_IO with a message naming the file. */
int output_file_close(FILE *out, const char *dir, const char *name, rl_error *err);

/* Creates dir and any missing parent (like mkdir -p); an existing folder is fine. Returns 0 or
 * RL_ERR_IO / RL_ERR_INVALID with a message. */
int output_dir_make(const char *dir, rl_error *err);

#endif
