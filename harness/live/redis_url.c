/* redis_url.c - parse redis:// URLs; passwords are kept but never shown. */
#include "harness/live/redis_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies text[0..length) into out (out_size bytes). Returns false when it does not fit. */
static bool copy_part(char *out, size_t out_size, const char *text, size_t length) {
    if (length >= out_size) {
        return false;
    }
    memcpy(out, text, length);
    out[length] = '\0';
    return true;
}

/* Parses a whole decimal number in [low, high] from text[0..length). */
static bool parse_int(const char *text, size_t length, long low, long high, int *out) {
    char buffer[16];
    if (length == 0 || length >= sizeof buffer) {
        return false;
    }
    memcpy(buffer, text, length);
    buffer[length] = '\0';
    char *end = NULL;
    errno = 0;
    long value = strtol(buffer, &end, 10);
    if (errno != 0 || *end != '\0' || buffer[0] < '0' || buffer[0] > '9' || value < low ||
        value > high) {
        return false;
    }
    *out = (int)value;
    return true;
}

static int parse_credentials(const char *text, size_t length, redis_url *out, rl_error *err) {
    const char *colon = memchr(text, ':', length);
    size_t user_length = colon != NULL ? (size_t)(colon - text) : 0;
    const char *password = colon != NULL ? colon + 1 : text;
    size_t password_length = length - (size_t)(password - text);
    if (!copy_part(out->user, sizeof out->user, text, user_length) ||
        !copy_part(out->password, sizeof out->password, password, password_length)) {
        return rl_error_set(err, RL_ERR_INVALID, "--redis: user or password too long");
    }
    return RL_OK;
}

int redis_url_parse(const char *text, redis_url *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    out->port = 6379;
    const char *scheme = "redis://";
    if (strncmp(text, scheme, strlen(scheme)) != 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--redis: must start with redis:// "
                            "(redis://[user:password@]host:port/db)");
    }
    const char *p = text + strlen(scheme);
    const char *slash = strchr(p, '/');
    const char *end = slash != NULL ? slash : p + strlen(p);
    const char *at = NULL;
    for (const char *q = p; q < end; q++) {
        if (*q == '@') {
            at = q; /* the last @ before the path: passwords may hold @ */
        }
    }
    if (at != NULL) {
        int rc = parse_credentials(p, (size_t)(at - p), out, err);
        if (rc != RL_OK) {
            return rc;
        }
        p = at + 1;
    }
    const char *colon = memchr(p, ':', (size_t)(end - p));
    const char *host_end = colon != NULL ? colon : end;
    if (host_end == p || !copy_part(out->host, sizeof out->host, p, (size_t)(host_end - p))) {
        return rl_error_set(err, RL_ERR_INVALID, "--redis: missing or too long host");
    }
    if (colon != NULL && !parse_int(colon + 1, (size_t)(end - colon - 1), 1, 65535, &out->port)) {
        return rl_error_set(err, RL_ERR_INVALID, "--redis: port must be a number from 1 to 65535");
    }
    if (slash != NULL && slash[1] != '\0' &&
        !parse_int(slash + 1, strlen(slash + 1), 0, 1000000, &out->db)) {
        return rl_error_set(err, RL_ERR_INVALID, "--redis: db must be a whole number (got '%s')",
                            slash + 1);
    }
    const char *env_password = getenv("REDISCLI_AUTH");
    if (out->password[0] == '\0' && env_password != NULL && env_password[0] != '\0' &&
        !copy_part(out->password, sizeof out->password, env_password, strlen(env_password))) {
        return rl_error_set(err, RL_ERR_INVALID, "REDISCLI_AUTH is too long");
    }
    return RL_OK;
}

void redis_url_describe(const redis_url *url, char *out, size_t out_size) {
    snprintf(out, out_size, "redis://%s:%d/%d", url->host, url->port, url->db);
}
