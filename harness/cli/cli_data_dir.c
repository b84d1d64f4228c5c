/* cli_data_dir.c - where an installed ratelab finds its shared files (see cli_data_dir.h). */
#include "harness/cli/cli_data_dir.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Cuts path after its last '/' but one: "/usr/bin/ratelab" -> "/usr". Returns -1 when path has
 * fewer than two slashes. */
static int strip_two_components(char *path) {
    for (int i = 0; i < 2; i++) {
        char *slash = strrchr(path, '/');
        if (slash == NULL) {
            return -1;
        }
        *slash = '\0';
    }
    return 0;
}

int cli_data_path(const char *name, char *out, size_t out_bytes) {
    assert(name != NULL && out != NULL && out_bytes > 0);
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (length <= 0) {
        return -1;
    }
    exe[length] = '\0';
    if (strip_two_components(exe) != 0) {
        return -1;
    }
    int written = snprintf(out, out_bytes, "%s/share/ratelab/%s", exe, name);
    if (written < 0 || (size_t)written >= out_bytes) {
        return -1;
    }
    return access(out, F_OK) == 0 ? 0 : -1;
}
