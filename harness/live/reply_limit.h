/* reply_limit.h - a cap on the size of one Redis reply, for hiredis 0.14's reader.
 *
 * hiredis 0.14 has no such cap (its reader's maxbuf only says when to free an idle buffer): a
 * bulk header of 99,999,999,999 bytes makes the reader buffer bytes until that many have come,
 * and a multi-bulk header of 2^31 elements allocates that many pointers at once. reply_limit
 * wraps the reader's object functions to count what the reply being read has built so far and
 * refuse past the cap (the reader then fails: the connection is dropped), and reply_limit_over
 * adds the bytes buffered but not parsed yet (an unfinished bulk). Our replies are a few dozen
 * bytes (a script's three integers, a SHA1, a limiter state, TIME). */
#ifndef RATELAB_REPLY_LIMIT_H
#define RATELAB_REPLY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/read.h>

#define REPLY_LIMIT_BYTES_MAX (INT64_C(1) << 20) /* 1 MiB per reply */

typedef struct reply_limit {
    const redisReplyObjectFunctions *inner; /* the reader's own functions */
    int64_t reply_bytes;                    /* built so far for the reply being read */
    int64_t bytes_max;
    bool exceeded; /* a reply went over bytes_max (sticky) */
} reply_limit;

/* Makes reader build its replies through limit (borrowed: it must outlive the reader) with a cap
 * of bytes_max bytes per reply, counted as the objects' payload and pointers. */
void reply_limit_attach(reply_limit *limit, redisReader *reader, int64_t bytes_max);

/* True (and limit->exceeded set) when the reply being read is over the cap, counting the bytes
 * reader holds that are not parsed yet. */
bool reply_limit_over(reply_limit *limit, const redisReader *reader);

#endif
