/* results_marker.c - the marker that proves ratelab wrote a results folder, and removing such a
 * folder without touching anything else. */
#include "harness/report/results_marker.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/results_folder.h"

/* A marker is a list of paths: it is never larger than this. */
#define MARKER_BYTES_MAX (1024 * 1024)

/* The paths under a folder, relative to it, a folder's with a trailing '/'. Owns its strings. */
typedef struct entry_list {
    char **paths;
    size_t count;
    size_t capacity;
} entry_list;

static void entry_list_free(entry_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        rl_free(list->paths[i]);
    }
    rl_free(list->paths);
    *list = (entry_list){0};
}

static int entry_list_add(entry_list *list, const char *path, rl_error *err) {
    if (list->count == RESULTS_MARKER_ENTRIES_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT, "more than %d entries", RESULTS_MARKER_ENTRIES_MAX);
    }
    if (list->count == list->capacity) {
        size_t capacity = list->capacity == 0 ? 32 : list->capacity * 2;
        char **paths = rl_reallocarray(list->paths, capacity, sizeof *paths);
        if (paths == NULL) {
            return rl_error_set(err, RL_ERR_NOMEM, "out of memory listing a results folder");
        }
        list->paths = paths;
        list->capacity = capacity;
    }
    list->paths[list->count] = rl_strdup(path);
    if (list->paths[list->count] == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory listing a results folder");
    }
    list->count++;
    return RL_OK;
}

static int compare_paths(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool entry_list_has(const entry_list *list, const char *path) {
    return list->count > 0 &&
           bsearch(&path, list->paths, list->count, sizeof *list->paths, compare_paths) != NULL;
}

/* Adds to list every entry under dir (whose path relative to the top is prefix), links and
 * files as they are, never following a link. The top folder's marker is not listed. */
static int collect(const char *dir, const char *prefix, int depth, entry_list *list,
                   rl_error *err) {
    if (depth > RESULTS_MARKER_DEPTH_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT, "folders nested deeper than %d levels (%s)",
                            RESULTS_MARKER_DEPTH_MAX, prefix);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot read folder %s: %s", dir, strerror(errno));
    }
    int rc = RL_OK;
    struct dirent *entry;
    while (rc == RL_OK && (entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            (depth == 0 && strcmp(name, RESULTS_MARKER_NAME) == 0)) {
            continue;
        }
        if (strchr(name, '\n') != NULL) {
            rc = rl_error_set(err, RL_ERR_LIMIT, "a name with a line break in %s", dir);
            break;
        }
        char path[RESULTS_PATH_BYTES];
        char relative[RESULTS_PATH_BYTES];
        struct stat info;
        rc = results_path_join(path, sizeof path, dir, name, err);
        if (rc == RL_OK && lstat(path, &info) != 0) {
            rc = rl_error_set(err, RL_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        }
        if (rc != RL_OK) {
            break;
        }
        bool is_dir = S_ISDIR(info.st_mode);
        int n = snprintf(relative, sizeof relative, "%s%s%s", prefix, name, is_dir ? "/" : "");
        if (n < 0 || (size_t)n >= sizeof relative) {
            rc = rl_error_set(err, RL_ERR_INVALID, "path too long: %s", path);
            break;
        }
        rc = entry_list_add(list, relative, err);
        if (rc == RL_OK && is_dir) {
            rc = collect(path, relative, depth + 1, list, err);
        }
    }
    closedir(d);
    return rc;
}

/* Lists everything under dir into list, sorted. */
static int collect_sorted(const char *dir, entry_list *list, rl_error *err) {
    int rc = collect(dir, "", 0, list, err);
    if (rc == RL_OK && list->count > 1) {
        qsort(list->paths, list->count, sizeof *list->paths, compare_paths);
    }
    return rc;
}

int results_marker_write(const char *dir, rl_error *err) {
    entry_list list = {0};
    int rc = collect_sorted(dir, &list, err);
    char path[RESULTS_PATH_BYTES];
    if (rc == RL_OK) {
        rc = results_path_join(path, sizeof path, dir, RESULTS_MARKER_NAME, err);
    }
    FILE *out = rc == RL_OK ? fopen(path, "w") : NULL;
    if (rc == RL_OK && out == NULL) {
        rc = rl_error_set(err, RL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    if (out != NULL) {
        fprintf(out, "%s\n", RESULTS_MARKER_HEADER);
        for (size_t i = 0; i < list.count; i++) {
            fprintf(out, "%s\n", list.paths[i]);
        }
        bool failed = ferror(out) != 0;
        if (fclose(out) != 0 || failed) {
            rc = rl_error_set(err, RL_ERR_IO, "cannot write %s (disk full?)", path);
        }
    }
    entry_list_free(&list);
    return rc;
}

/* Reads dir's marker into list (sorted), treating it as hostile: a regular file of at most
 * MARKER_BYTES_MAX bytes, the header first, then at most RESULTS_MARKER_ENTRIES_MAX lines. */
static int marker_read(const char *dir, entry_list *list, rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    struct stat info;
    if (results_path_join(path, sizeof path, dir, RESULTS_MARKER_NAME, err) != RL_OK ||
        lstat(path, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size > MARKER_BYTES_MAX) {
        return rl_error_set(err, RL_ERR_INVALID, "no %s marker", RESULTS_MARKER_NAME);
    }
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "cannot read its %s: %s", RESULTS_MARKER_NAME,
                            strerror(errno));
    }
    char *text = rl_calloc((size_t)info.st_size + 1, 1);
    size_t length = text != NULL ? fread(text, 1, (size_t)info.st_size, in) : 0;
    fclose(in);
    if (text == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory reading %s", path);
    }
    text[length] = '\0';
    int rc = RL_OK;
    size_t header_length = strlen(RESULTS_MARKER_HEADER);
    if (strncmp(text, RESULTS_MARKER_HEADER, header_length) != 0 || text[header_length] != '\n') {
        rc = rl_error_set(err, RL_ERR_INVALID, "its %s is not one ratelab wrote",
                          RESULTS_MARKER_NAME);
    }
    char *line = text + header_length + 1;
    while (rc == RL_OK && line < text + length) {
        char *end = memchr(line, '\n', (size_t)(text + length - line));
        if (end == NULL) {
            rc = rl_error_set(err, RL_ERR_INVALID, "its %s is cut short", RESULTS_MARKER_NAME);
            break;
        }
        *end = '\0';
        rc = entry_list_add(list, line, err);
        line = end + 1;
    }
    rl_free(text);
    if (rc == RL_OK && list->count > 1) {
        qsort(list->paths, list->count, sizeof *list->paths, compare_paths);
    }
    return rc;
}

/* The marker's list, and the first entry under dir it does not list (NULL: none). */
static int check_contents(const char *dir, entry_list *listed, char *unlisted,
                          size_t unlisted_size, rl_error *err) {
    unlisted[0] = '\0';
    int rc = marker_read(dir, listed, err);
    if (rc != RL_OK) {
        return rc;
    }
    entry_list present = {0};
    rc = collect_sorted(dir, &present, err);
    for (size_t i = 0; rc == RL_OK && i < present.count; i++) {
        if (!entry_list_has(listed, present.paths[i])) {
            snprintf(unlisted, unlisted_size, "%s", present.paths[i]);
            break;
        }
    }
    entry_list_free(&present);
    return rc;
}

int results_marker_check(const char *dir, rl_error *err) {
    struct stat info;
    if (lstat(dir, &info) != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(info.st_mode)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s exists and is not a folder; not replacing it", dir);
    }
    entry_list listed = {0};
    char unlisted[RESULTS_PATH_BYTES];
    rl_error why;
    rl_error_clear(&why);
    int rc = check_contents(dir, &listed, unlisted, sizeof unlisted, &why);
    entry_list_free(&listed);
    if (rc != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s exists and is not a ratelab results folder (%s); not replacing "
                            "it: move it, or choose another --out",
                            dir, why.message);
    }
    if (unlisted[0] != '\0') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s holds %s, which ratelab did not write; not replacing it: move "
                            "that out, or choose another --out",
                            dir, unlisted);
    }
    return RL_OK;
}

int results_marker_remove(const char *dir, rl_error *err) {
    entry_list listed = {0};
    entry_list present = {0};
    rl_error why;
    rl_error_clear(&why);
    int rc = marker_read(dir, &listed, &why);
    if (rc == RL_OK) {
        rc = collect_sorted(dir, &present, &why);
    }
    /* In reverse order a folder's entries come before the folder itself. */
    for (size_t i = present.count; rc == RL_OK && i > 0; i--) {
        const char *relative = present.paths[i - 1];
        if (!entry_list_has(&listed, relative)) {
            continue; /* not ratelab's: it stays, and so do the folders above it */
        }
        char path[RESULTS_PATH_BYTES];
        if (results_path_join(path, sizeof path, dir, relative, NULL) != RL_OK) {
            continue;
        }
        size_t length = strlen(path);
        if (path[length - 1] == '/') {
            path[length - 1] = '\0';
            rmdir(path);
        } else {
            unlink(path);
        }
    }
    entry_list_free(&listed);
    entry_list_free(&present);
    if (rc != RL_OK) {
        return rl_error_set(err, RL_ERR_IO, "%s kept: %s", dir, why.message);
    }
    char marker[RESULTS_PATH_BYTES];
    if (results_path_join(marker, sizeof marker, dir, RESULTS_MARKER_NAME, err) == RL_OK) {
        unlink(marker);
    }
    if (rmdir(dir) != 0) {
        return rl_error_set(err, RL_ERR_IO,
                            "%s kept: it holds what ratelab did not write (%s)", dir,
                            strerror(errno));
    }
    return RL_OK;
}

static void remove_all(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        char path[RESULTS_PATH_BYTES];
        struct stat info;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0 ||
            results_path_join(path, sizeof path, dir, entry->d_name, NULL) != RL_OK ||
            lstat(path, &info) != 0) {
            continue;
        }
        if (S_ISDIR(info.st_mode) && depth < RESULTS_MARKER_DEPTH_MAX) {
            remove_all(path, depth + 1);
        } else if (!S_ISDIR(info.st_mode)) {
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
}

void results_tree_remove(const char *dir) {
    remove_all(dir, 0);
}
