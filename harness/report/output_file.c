/* output_file.c - writing one text file of a results folder, with every write error caught. */
#include "harness/report/output_file.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/report/results_folder.h"

int output_file_open(const char *dir, const char *name, FILE **out, rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    *out = NULL;
    int rc = results_path_join(path, sizeof path, dir, name, err);
    if (rc != RL_OK) {
        return rc;
    }
    *out = fopen(path, "w");
    if (*out == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    }
    return RL_OK;
}

int output_file_close(FILE *out, const char *dir, const char *name, rl_error *err) {
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        return rl_error_set(err, RL_ERR_IO, "cannot write %s/%s (disk full?)", dir, name);
    }
    return RL_OK;
}

int output_dir_make(const char *dir, rl_error *err) {
    char buffer[RESULTS_PATH_BYTES];
    int n = snprintf(buffer, sizeof buffer, "%s", dir);
    if (n <= 0 || (size_t)n >= sizeof buffer) {
        return rl_error_set(err, RL_ERR_INVALID, "path empty or too long: %s", dir);
    }
    for (char *slash = strchr(buffer + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL) {
            *slash = '\0';
        }
        if (mkdir(buffer, 0777) != 0 && errno != EEXIST) {
            return rl_error_set(err, RL_ERR_IO, "cannot create folder %s: %s", buffer,
                                strerror(errno));
        }
        if (slash == NULL) {
            break;
        }
        *slash = '/';
    }
    struct stat info;
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode)) {
        return rl_error_set(err, RL_ERR_IO, "%s exists and is not a folder", dir);
    }
    return RL_OK;
}
