/* results_folder.c - writing a results folder atomically (temporary name, then rename). */
#include "harness/report/results_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int results_path_join(char *out, size_t out_size, const char *dir, const char *name,
                      rl_error *err) {
    int n = snprintf(out, out_size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= out_size) {
        return rl_error_set(err, RL_ERR_INVALID, "path too long: %s/%s", dir, name);
    }
    return RL_OK;
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
    int rc = make_parents(final_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    int n = snprintf(tmp_dir, tmp_dir_size, "%s.tmp-%ld", final_dir, (long)getpid());
    if (n < 0 || (size_t)n >= tmp_dir_size) {
        return rl_error_set(err, RL_ERR_INVALID, "path too long: %s", final_dir);
    }
    results_folder_abort(tmp_dir); /* a leftover of an earlier process with the same pid */
    if (mkdir(tmp_dir, 0777) != 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot create folder %s: %s", tmp_dir,
                            strerror(errno));
    }
    return RL_OK;
}

/* Removes dir and its contents, one level of sub-folders deep (what ratelab writes). */
static void remove_tree(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *entry;
    char path[RESULTS_PATH_BYTES];
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        if (results_path_join(path, sizeof path, dir, entry->d_name, NULL) != RL_OK) {
            continue;
        }
        struct stat info;
        if (lstat(path, &info) == 0 && S_ISDIR(info.st_mode) && depth < 2) {
            remove_tree(path, depth + 1);
        } else {
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

void results_folder_abort(const char *tmp_dir) {
    remove_tree(tmp_dir, 0);
}

int results_folder_commit(const char *tmp_dir, const char *final_dir, rl_error *err) {
    struct stat info;
    char old_dir[RESULTS_PATH_BYTES];
    old_dir[0] = '\0';
    if (lstat(final_dir, &info) == 0) {
        char marker[RESULTS_PATH_BYTES];
        if (!S_ISDIR(info.st_mode) ||
            results_path_join(marker, sizeof marker, final_dir, "summary.json", err) != RL_OK ||
            access(marker, F_OK) != 0) {
            results_folder_abort(tmp_dir);
            return rl_error_set(err, RL_ERR_IO,
                                "%s exists and is not a ratelab results folder; not replacing it",
                                final_dir);
        }
        snprintf(old_dir, sizeof old_dir, "%s.old-%ld", final_dir, (long)getpid());
        if (rename(final_dir, old_dir) != 0) {
            results_folder_abort(tmp_dir);
            return rl_error_set(err, RL_ERR_IO, "cannot move the old %s aside: %s", final_dir,
                                strerror(errno));
        }
    }
    if (rename(tmp_dir, final_dir) != 0) {
        int saved = errno;
        if (old_dir[0] != '\0') {
            rename(old_dir, final_dir);
        }
        results_folder_abort(tmp_dir);
        return rl_error_set(err, RL_ERR_IO, "cannot rename %s to %s: %s", tmp_dir, final_dir,
                            strerror(saved));
    }
    if (old_dir[0] != '\0') {
        remove_tree(old_dir, 0);
    }
    return RL_OK;
}
