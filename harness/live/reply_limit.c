/* reply_limit.c - counts and caps the size of each Redis reply (see reply_limit.h). */
#include "harness/live/reply_limit.h"

#include <assert.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

/* Adds bytes to the reply task belongs to (a reply without a parent starts the count); false
 * when that takes it over the cap. */
static bool limit_add(const redisReadTask *task, int64_t bytes) {
    reply_limit *limit = task->privdata;
    assert(limit != NULL);
    if (task->parent == NULL) {
        limit->reply_bytes = 0;
    }
    limit->reply_bytes += (int64_t)sizeof(redisReply) + bytes;
    if (limit->reply_bytes > limit->bytes_max) {
        limit->exceeded = true;
        return false;
    }
    return true;
}

static void *limited_string(const redisReadTask *task, char *text, size_t length) {
    reply_limit *limit = task->privdata;
    if (!limit_add(task, (int64_t)length)) {
        return NULL; /* the reader fails with "Out of memory"; limit->exceeded says why */
    }
    return limit->inner->createString(task, text, length);
}

static void *limited_array(const redisReadTask *task, int elements) {
    reply_limit *limit = task->privdata;
    int64_t count = elements > 0 ? elements : 0;
    if (!limit_add(task, count * (int64_t)sizeof(redisReply *))) {
        return NULL;
    }
    return limit->inner->createArray(task, elements);
}

static void *limited_integer(const redisReadTask *task, long long value) {
    reply_limit *limit = task->privdata;
    if (!limit_add(task, 0)) {
        return NULL;
    }
    return limit->inner->createInteger(task, value);
}

static void *limited_nil(const redisReadTask *task) {
    reply_limit *limit = task->privdata;
    if (!limit_add(task, 0)) {
        return NULL;
    }
    return limit->inner->createNil(task);
}

/* The objects are hiredis's own (redisReply), freed as hiredis frees them. */
static void limited_free(void *reply) {
    freeReplyObject(reply);
}

/* Never written: not const only because hiredis's reader holds a pointer to non-const. */
static redisReplyObjectFunctions LIMITED_FUNCTIONS = {
    .createString = limited_string,
    .createArray = limited_array,
    .createInteger = limited_integer,
    .createNil = limited_nil,
    .freeObject = limited_free,
};

void reply_limit_attach(reply_limit *limit, redisReader *reader, int64_t bytes_max) {
    assert(bytes_max > 0);
    assert(reader->fn != &LIMITED_FUNCTIONS); /* attached once per reader */
    assert(reader->fn->freeObject == freeReplyObject); /* hiredis's objects: limited_free */
    limit->inner = reader->fn;
    limit->reply_bytes = 0;
    limit->bytes_max = bytes_max;
    limit->exceeded = false;
    reader->fn = &LIMITED_FUNCTIONS;
    reader->privdata = limit;
}

bool reply_limit_over(reply_limit *limit, const redisReader *reader) {
    int64_t unparsed = reader->len > reader->pos ? (int64_t)(reader->len - reader->pos) : 0;
    if (unparsed > limit->bytes_max) {
        limit->exceeded = true;
    }
    return limit->exceeded;
}
