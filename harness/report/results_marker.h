/* results_marker.h - the proof that ratelab wrote a results folder: a marker file it writes into
 * every results folder it makes (.ratelab-results), listing every file and folder it put there.
 * ratelab replaces a folder only while the marker lists everything in it, so it never deletes
 * what someone else put there. */
#ifndef RATELAB_RESULTS_MARKER_H
#define RATELAB_RESULTS_MARKER_H

#include "harness/core/rl_error.h"

#define RESULTS_MARKER_NAME ".ratelab-results"

/* The marker's first line; the lines after it are the paths it lists, a folder with a '/'. */
#define RESULTS_MARKER_HEADER "ratelab results folder v1: written by ratelab, which replaces it only while it holds nothing but these"

/* At most this many entries in a results folder, and this many levels of folders. */
#define RESULTS_MARKER_ENTRIES_MAX 4096
#define RESULTS_MARKER_DEPTH_MAX 4

/* Writes dir/.ratelab-results listing everything under dir, sorted. Returns 0, RL_ERR_IO, or
 * RL_ERR_LIMIT when dir holds more (or deeper) than a results folder may. */
int results_marker_write(const char *dir, rl_error *err);

/* Whether dir is a folder ratelab wrote and may replace: a folder (not a link to one) holding a
 * marker that lists everything in it. Returns 0, or RL_ERR_INVALID with a message saying why
 * not (naming the first thing ratelab did not write). */
int results_marker_check(const char *dir, rl_error *err);

/* Removes what dir's marker lists, then the marker and dir itself; anything the marker does not
 * list is left where it is. Returns 0, or RL_ERR_IO when dir could not be removed whole (its
 * message names what is left). */
int results_marker_remove(const char *dir, rl_error *err);

/* Removes dir and everything under it, up to RESULTS_MARKER_DEPTH_MAX + 1 levels. Only for a
 * temporary folder this process created itself. */
void results_tree_remove(const char *dir);

#endif
