/* rl_alloc.h - the one allocation wrapper: every heap allocation in ratelab goes through it. */
#ifndef RATELAB_RL_ALLOC_H
#define RATELAB_RL_ALLOC_H

#include <stddef.h>

/* Allocates count elements of size bytes, zeroed; NULL on failure or overflow. Caller frees with rl_free. */
void *rl_calloc(size_t count, size_t size);

/* Resizes ptr to count elements of size bytes; NULL on failure or overflow (ptr is then untouched). */
void *rl_reallocarray(void *ptr, size_t count, size_t size);

/* Returns a heap copy of text (NULL on failure); caller frees with rl_free. */
char *rl_strdup(const char *text);

/* Frees what the functions above returned; NULL is allowed. */
void rl_free(void *ptr);

#endif
