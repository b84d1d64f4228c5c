/* rl_alloc.h - the one allocation wrapper: every heap allocation in ratelab goes through it. */
#ifndef RATELAB_RL_ALLOC_H
#define RATELAB_RL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Allocates count elements of size bytes, zeroed; NULL on failure or overflow. Caller frees with rl_free. */
void *rl_calloc(size_t count, size_t size);

/* Resizes ptr to count elements of size bytes; NULL on failure or overflow (ptr is then untouched). */
void *rl_reallocarray(void *ptr, size_t count, size_t size);

/* Returns a heap copy of text (NULL on failure); caller frees with rl_free. */
char *rl_strdup(const char *text);

/* Frees what the functions above returned; NULL is allowed. */
void rl_free(void *ptr);

/* What the calling thread asked of the wrapper so far: allocations (calloc, realloc, strdup) and
 * the bytes they asked for. Statistics only (the benchmark's proof that a run's steady state
 * allocates nothing); nothing in a run reads them, so they cannot change its results. */
typedef struct rl_alloc_counts {
    uint64_t allocations;
    uint64_t bytes;
} rl_alloc_counts;

/* The calling thread's counts since it started. */
rl_alloc_counts rl_alloc_counts_get(void);

#endif
