/* rl_alloc.c - the one allocation wrapper (jemalloc provides malloc in the binary). */
#include "harness/core/rl_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The one piece of mutable state outside a caller's structs: counters per thread, written here
 * and read only by rl_alloc_counts_get (see rl_alloc.h). */
static _Thread_local rl_alloc_counts counts;

static void counts_add(size_t bytes) {
    counts.allocations++;
    counts.bytes += bytes;
}

void *rl_calloc(size_t count, size_t size) {
    if (count == 0 || size == 0) {
        count = 1;
        size = 1;
    }
    counts_add(count <= SIZE_MAX / size ? count * size : SIZE_MAX);
    return calloc(count, size);
}

void *rl_reallocarray(void *ptr, size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    size_t bytes = count * size;
    counts_add(bytes);
    return realloc(ptr, bytes == 0 ? 1 : bytes);
}

char *rl_strdup(const char *text) {
    size_t length = strlen(text);
    counts_add(length + 1);
    char *copy = malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, text, length + 1);
    }
    return copy;
}

void rl_free(void *ptr) {
    free(ptr);
}

rl_alloc_counts rl_alloc_counts_get(void) {
    return counts;
}
