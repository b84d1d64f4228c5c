/* rl_alloc.c - the one allocation wrapper (jemalloc provides malloc in the binary). */
#include "harness/core/rl_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *rl_calloc(size_t count, size_t size) {
    if (count == 0 || size == 0) {
        count = 1;
        size = 1;
    }
    return calloc(count, size);
}

void *rl_reallocarray(void *ptr, size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    size_t bytes = count * size;
    return realloc(ptr, bytes == 0 ? 1 : bytes);
}

char *rl_strdup(const char *text) {
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, text, length + 1);
    }
    return copy;
}

void rl_free(void *ptr) {
    free(ptr);
}
