/* redis_url.h - where the live runner's Redis is: redis://[user:password@]host:port/db. */
#ifndef RATELAB_REDIS_URL_H
#define RATELAB_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/core/rl_error.h"

#define REDIS_URL_PART_BYTES 256

typedef struct redis_url {
    char host[REDIS_URL_PART_BYTES];
    int port;
    int db;
    char user[REDIS_URL_PART_BYTES];     /* "" for none */
    char password[REDIS_URL_PART_BYTES]; /* "" for none; never printed */
} redis_url;

/* Parses text (redis://[[user]:password@]host[:port][/db]; port 6379 and db 0 by default) into
 * out. host is a name, an IPv4 address or an IPv6 address in brackets (redis://[::1]:6379);
 * user, password, host, port and db are percent-decoded (%40 is '@'). Without a password in
 * text, takes REDISCLI_AUTH from the environment if set. Error messages never contain the user
 * or the password, and repeat other parts only made printable (control bytes as '?'). Returns 0
 * or RL_ERR_INVALID. */
int redis_url_parse(const char *text, redis_url *out, rl_error *err);

/* Writes redis://host:port/db, an IPv6 host in brackets, (no user or password) into out
 * (out_size bytes). */
void redis_url_describe(const redis_url *url, char *out, size_t out_size);

#endif
