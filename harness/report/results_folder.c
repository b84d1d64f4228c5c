/* results_folder.c - writing a results folder atomically (temporary name, then rename), and
 * replacing only a folder ratelab wrote (results_marker.h). */
#define _GNU_SOURCE /* renameat2: RENAME_NOREPLACE and RENAME_EXCHANGE (Linux 3.15, glibc 2.28) */
#include "harness/report/results_folder.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report/results_marker.h"

/* How often a commit tries again when another process puts or takes a folder at the same place
 * between its steps. */
#define COMMIT_ATTEMPTS_MAX 4

/* How many temporary names (NAME.tmp-PID-0, -1, ...) begin tries beside one place. */
#define TMP_NAMES_MAX 100

int results_path_join(char *out, size_t out_size, const char *dir, const char *name,
                      rl_error *err) {
    int n = snprintf(out, out_size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= out_size) {
        return rl_error_set(err, RL_ERR_INVALID, "path too long: %s/%s", dir, name);
    }
    return RL_OK;
}

int results_folder_place_parse(const char *text, char *out, size_t out_size, rl_error *err) {
    size_t length = strlen(text);
    if (length == 0) {
        return rl_error_set(err, RL_ERR_INVALID, "an empty path; name a folder, such as "
                                                 "results/runs/mine");
    }
    while (length > 1 && text[length - 1] == '/') {
        length--; /* "dir/" is the folder dir, not a place inside it */
    }
    if (length >= out_size) {
        return rl_error_set(err, RL_ERR_INVALID, "path too long (at most %zu bytes)",
                            out_size - 1);
    }
    memcpy(out, text, length);
    out[length] = '\0';
    const char *last = strrchr(out, '/');
    last = last == NULL ? out : last + 1;
    if (strcmp(out, "/") == 0 || strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a folder ratelab can write whole; name a new folder "
                            "(or one ratelab wrote), such as results/runs/mine",
                            text);
    }
    return RL_OK;
}

int results_folder_place_check(const char *final_dir, bool *replaces, rl_error *err) {
    char place[RESULTS_PATH_BYTES];
    *replaces = false;
    int rc = results_folder_place_parse(final_dir, place, sizeof place, err);
    if (rc != RL_OK) {
        return rc;
    }
    struct stat info;
    if (lstat(place, &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return RL_OK; /* nothing there (ENOTDIR: begin says what is in the way) */
        }
        return rl_error_set(err, RL_ERR_INVALID, "%s: %s", place, strerror(errno));
    }
    rc = results_marker_check(place, err);
    *replaces = rc == RL_OK;
    return rc;
}

/* mkdir -p for every parent of path (not path itself). */
static int make_parents(const char *path, rl_error *err) {
    char buffer[RESULTS_PATH_BYTES];
    int n = snprintf(buffer, sizeof buffer, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buffer) {
        return rl_error_set(err, RL_ERR_INVALID, "path too long: %s", path);
    }
    for (char *slash = strchr(buffer + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(buffer, 0777) != 0 && errno != EEXIST) {
            return rl_error_set(err, RL_ERR_IO, "cannot create folder %s: %s", buffer,
                                strerror(errno));
        }
        *slash = '/';
    }
    return RL_OK;
}

int results_folder_begin(const char *final_dir, char *tmp_dir, size_t tmp_dir_size,
                         rl_error *err) {
    char place[RESULTS_PATH_BYTES];
    int rc = results_folder_place_parse(final_dir, place, sizeof place, err);
    if (rc == RL_OK) {
        rc = make_parents(place, err);
    }
    if (rc != RL_OK) {
        return rc;
    }
    /* A folder no other process holds, nor a leftover of an earlier one with the same pid:
     * mkdir fails on any existing name, so the first name it creates is this process's own. */
    for (int attempt = 0; attempt < TMP_NAMES_MAX; attempt++) {
        int n = snprintf(tmp_dir, tmp_dir_size, "%s.tmp-%ld-%d", place, (long)getpid(), attempt);
        if (n < 0 || (size_t)n >= tmp_dir_size) {
            return rl_error_set(err, RL_ERR_INVALID, "path too long: %s", final_dir);
        }
        if (mkdir(tmp_dir, 0777) == 0) {
            return RL_OK;
        }
        if (errno != EEXIST) {
            return rl_error_set(err, RL_ERR_IO, "cannot create folder %s: %s", tmp_dir,
                                strerror(errno));
        }
    }
    return rl_error_set(err, RL_ERR_IO, "cannot create a temporary folder beside %s: %d taken",
                        place, TMP_NAMES_MAX);
}

void results_folder_abort(const char *tmp_dir) {
    results_tree_remove(tmp_dir);
}

/* Puts tmp_dir at place when nothing is there. Returns 0, -EEXIST when something is, or another
 * negative errno. */
static int move_into_empty_place(const char *tmp_dir, const char *place) {
    if (renameat2(AT_FDCWD, tmp_dir, AT_FDCWD, place, RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return -errno;
    }
    /* A file system without RENAME_NOREPLACE: rename() would replace only an empty folder. */
    struct stat info;
    if (lstat(place, &info) == 0) {
        return -EEXIST;
    }
    return rename(tmp_dir, place) == 0 ? 0 : -errno;
}

/* Replaces the ratelab results folder at place by tmp_dir, in one step (the two swap names),
 * then removes the earlier folder, now at tmp_dir, as far as its marker lists. Returns 0,
 * -ENOENT when place was emptied in between (try again), or RL_ERR_IO with a message; sets
 * *tmp_is_new false when what is left at tmp_dir is not the new folder (and must stay). */
static int swap_into_place(const char *tmp_dir, const char *place, bool *tmp_is_new,
                           rl_error *err) {
    *tmp_is_new = true;
    int rc = results_marker_check(place, err);
    if (rc != RL_OK) {
        return RL_ERR_IO; /* err says why */
    }
    if (renameat2(AT_FDCWD, tmp_dir, AT_FDCWD, place, RENAME_EXCHANGE) != 0) {
        if (errno == ENOENT) {
            return -ENOENT;
        }
        return rl_error_set(err, RL_ERR_IO, "cannot replace %s: %s", place, strerror(errno));
    }
    *tmp_is_new = false;
    /* What was swapped out is what another process may have put there after the check: check
     * again, and give it back its place if it is not a ratelab results folder. */
    if (results_marker_check(tmp_dir, err) != RL_OK) {
        *tmp_is_new = renameat2(AT_FDCWD, tmp_dir, AT_FDCWD, place, RENAME_EXCHANGE) == 0;
        return rl_error_set(err, RL_ERR_IO,
                            "%s changed while the results were written; not replacing it", place);
    }
    return results_marker_remove(tmp_dir, err);
}

int results_folder_commit(const char *tmp_dir, const char *final_dir, rl_error *err) {
    char place[RESULTS_PATH_BYTES];
    int rc = results_folder_place_parse(final_dir, place, sizeof place, err);
    if (rc == RL_OK) {
        rc = results_marker_write(tmp_dir, err);
    }
    for (int attempt = 0; rc == RL_OK && attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
        int moved = move_into_empty_place(tmp_dir, place);
        if (moved == 0) {
            return RL_OK;
        }
        if (moved != -EEXIST && moved != -ENOTEMPTY) {
            rc = rl_error_set(err, RL_ERR_IO, "cannot rename %s to %s: %s", tmp_dir, place,
                              strerror(-moved));
            break;
        }
        bool tmp_is_new = true;
        int swapped = swap_into_place(tmp_dir, place, &tmp_is_new, err);
        if (swapped == RL_OK) {
            return RL_OK;
        }
        if (swapped != -ENOENT) {
            if (tmp_is_new) {
                results_folder_abort(tmp_dir);
            }
            return swapped;
        }
    }
    if (rc == RL_OK) {
        rc = rl_error_set(err, RL_ERR_IO, "%s kept changing while the results were written",
                          place);
    }
    results_folder_abort(tmp_dir);
    return rc;
}
