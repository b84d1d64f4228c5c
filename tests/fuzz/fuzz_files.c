/* fuzz_files.c - the scratch folder, summaries and oracle of the file readers' fuzz targets. */
#include "tests/fuzz/fuzz_files.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The scratch folder's path: set once, on first use. libFuzzer calls a target through one entry
 * point without a context, so this is the one piece of state that outlives a call. */
static char scratch_dir[64];

static void remove_scratch(void) {
    DIR *d = opendir(scratch_dir);
    if (d != NULL) {
        struct dirent *entry;
        char path[sizeof scratch_dir + sizeof entry->d_name + 1];
        while ((entry = readdir(d)) != NULL) {
            if (entry->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", scratch_dir, entry->d_name);
                unlink(path);
            }
        }
        closedir(d);
    }
    rmdir(scratch_dir);
}

void fuzz_files_broken(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_check: %s: %s\n", what, detail);
    abort();
}

const char *fuzz_files_dir(void) {
    if (scratch_dir[0] == '\0') {
        snprintf(scratch_dir, sizeof scratch_dir, "/tmp/ratelab-fuzz-XXXXXX");
        if (mkdtemp(scratch_dir) == NULL) {
            fuzz_files_broken("set-up", "cannot make a scratch folder in /tmp");
        }
        atexit(remove_scratch);
    }
    return scratch_dir;
}

void fuzz_files_write(const char *name, const uint8_t *data, size_t size, char *path) {
    snprintf(path, FUZZ_PATH_BYTES, "%s/%s", fuzz_files_dir(), name);
    FILE *out = fopen(path, "wb");
    if (out == NULL || fwrite(data, 1, size, out) != size || fclose(out) != 0) {
        fuzz_files_broken("set-up", "cannot write the input to the scratch folder");
    }
}

void fuzz_files_summary(uint8_t shape, run_summary *out) {
    static const int64_t week_us = INT64_C(7) * 24 * 3600 * 1000000;
    memset(out, 0, sizeof *out);
    out->api_count = 1;
    out->duration_us = 10000000;
    out->bin_us = 100000;
    switch (shape % 4) {
    case 1:
        out->api_count = 2;
        out->duration_us = week_us;
        break;
    case 2:
        out->duration_us = 1;
        out->bin_us = 1;
        break;
    case 3:
        out->duration_us = week_us;
        out->bin_us = week_us;
        break;
    default: break;
    }
    for (int i = 0; i < out->api_count; i++) {
        summary_api *a = &out->apis[i];
        snprintf(a->name, sizeof a->name, "%c", 'a' + i);
        a->limit = 10;
        a->window_us = 1000000;
        a->burst_allowance = 10;
        a->jobs_created = 100;
    }
}

void fuzz_check_read_error(int rc, const rl_error *err, const char *file_name) {
    if (rc != RL_ERR_INVALID && rc != RL_ERR_IO && rc != RL_ERR_LIMIT && rc != RL_ERR_NOMEM) {
        fuzz_files_broken("an unexpected error code", err->message);
    }
    const char *m = err->message;
    size_t length = strnlen(m, sizeof err->message);
    if (length == 0 || length == sizeof err->message) {
        fuzz_files_broken("an error without a message, or one not terminated", m);
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c < 0x20u || c == 0x7Fu) {
            fuzz_files_broken("a control character in the message", m);
        }
    }
    if (err->code != rc) {
        fuzz_files_broken("err->code differs from the returned code", m);
    }
    if (strstr(m, file_name) == NULL) {
        fuzz_files_broken("the message does not name the file", m);
    }
}
