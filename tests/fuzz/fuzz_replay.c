/* fuzz_replay.c - runs a fuzz target over files, without libFuzzer: how the normal and
 * sanitizer builds (gcc) replay the committed corpus and every crash found so far as a test.
 *
 * usage: fuzz_TARGET FILE_OR_FOLDER ...   (a folder: every file in it). Exits 0 when every input
 * was run; a broken promise aborts in fuzz_check.c. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the file at path. Returns 0, or -1 when it cannot be read. */
static int replay_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
        return -1;
    }
    size_t capacity = 1 << 16, length = 0;
    uint8_t *data = malloc(capacity);
    while (data != NULL) {
        length += fread(data + length, 1, capacity - length, file);
        if (length < capacity) {
            break;
        }
        uint8_t *grown = realloc(data, capacity * 2);
        if (grown == NULL) {
            free(data);
            data = NULL;
            break;
        }
        data = grown;
        capacity *= 2;
    }
    int failed = ferror(file) || data == NULL;
    fclose(file);
    if (failed) {
        free(data);
        fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, length);
    free(data);
    return 0;
}

/* Runs the target on path, or on every regular file in it when it is a folder. Returns the
 * number of inputs run, or -1. */
static int replay_path(const char *path) {
    struct stat info;
    if (stat(path, &info) != 0) {
        fprintf(stderr, "fuzz_replay: no such file or folder: %s\n", path);
        return -1;
    }
    if (!S_ISDIR(info.st_mode)) {
        return replay_file(path) == 0 ? 1 : -1;
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        return -1;
    }
    int count = 0;
    struct dirent *entry;
    char child[4096];
    while (count >= 0 && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        if (stat(child, &info) == 0 && S_ISREG(info.st_mode)) {
            count = replay_file(child) == 0 ? count + 1 : -1;
        }
    }
    closedir(dir);
    return count;
}

int main(int argc, char **argv) {
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int count = replay_path(argv[i]);
        if (count < 0) {
            return 1;
        }
        total += count;
    }
    if (total == 0) {
        fprintf(stderr, "fuzz_replay: no inputs\n");
        return 1;
    }
    printf("fuzz_replay: %d inputs, none broke a promise\n", total);
    return 0;
}
