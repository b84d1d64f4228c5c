/* redis_url.c - parse redis:// URLs; passwords are kept but never shown, and nothing from the
 * URL is repeated unless made printable. */
#include "harness/live/redis_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/live/live_text.h"

#define URL_SYNTAX "redis://[[user]:password@]host[:port][/db], host a name, an IPv4 address or " \
                   "an IPv6 address in brackets"

static int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Percent-decodes text[0..length) into out (out_size bytes, terminated). Returns 0, or
 * RL_ERR_INVALID naming part (never its text: it may be a password) when a '%' is not followed
 * by two hex digits, decodes to a NUL byte, or the result does not fit. */
static int decode_part(const char *part, const char *text, size_t length, char *out,
                       size_t out_size, rl_error *err) {
    size_t used = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '%') {
            int high = i + 2 < length ? hex_value(text[i + 1]) : -1;
            int low = high >= 0 ? hex_value(text[i + 2]) : -1;
            if (high < 0 || low < 0) {
                return rl_error_set(err, RL_ERR_INVALID,
                                    "--redis: %s: a '%%' must be followed by two hex digits "
                                    "(%%40 for '@', %%3A for ':', %%2F for '/')",
                                    part);
            }
            c = (char)(high * 16 + low);
            if (c == '\0') {
                return rl_error_set(err, RL_ERR_INVALID, "--redis: %s: %%00 is not allowed",
                                    part);
            }
            i += 2;
        }
        if (used + 1 >= out_size) {
            return rl_error_set(err, RL_ERR_INVALID, "--redis: %s too long (at most %zu bytes)",
                                part, out_size - 1);
        }
        out[used++] = c;
    }
    out[used] = '\0';
    return RL_OK;
}

/* Parses a whole decimal number in [low, high] from text. */
static bool parse_int(const char *text, long low, long high, int *out) {
    if (text[0] < '0' || text[0] > '9' || strlen(text) > 9) {
        return false;
    }
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < low || value > high) {
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
    int rc = decode_part("user", text, user_length, out->user, sizeof out->user, err);
    if (rc == RL_OK) {
        rc = decode_part("password", password, password_length, out->password,
                         sizeof out->password, err);
    }
    return rc;
}

/* True when host is a name or an IPv4 address (letters, digits, '.', '-', '_'), or, when
 * bracketed, an IPv6 address (hex digits, ':' and '.'). */
static bool host_valid(const char *host, bool bracketed) {
    for (const char *p = host; *p != '\0'; p++) {
        char c = *p;
        bool hex = hex_value(c) >= 0;
        bool ok = bracketed ? hex || c == ':' || c == '.'
                            : hex || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') ||
                                  c == '.' || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return host[0] != '\0';
}

/* Parses host[:port] or [v6]:port from text[0..length). */
static int parse_host_port(const char *text, size_t length, redis_url *out, rl_error *err) {
    const char *end = text + length;
    const char *host = text;
    const char *host_end = NULL;
    const char *after = NULL;
    bool bracketed = length > 0 && text[0] == '[';
    if (bracketed) {
        const char *close = memchr(text, ']', length);
        if (close == NULL) {
            return rl_error_set(err, RL_ERR_INVALID, "--redis: '[' without ']'; write %s",
                                URL_SYNTAX);
        }
        host = text + 1;
        host_end = close;
        after = close + 1;
        if (after < end && *after != ':') {
            return rl_error_set(err, RL_ERR_INVALID, "--redis: after ']' only ':port'; write %s",
                                URL_SYNTAX);
        }
    } else {
        const char *colon = memchr(text, ':', length);
        host_end = colon != NULL ? colon : end;
        after = host_end;
    }
    int rc = decode_part("host", host, (size_t)(host_end - host), out->host, sizeof out->host,
                         err);
    if (rc != RL_OK) {
        return rc;
    }
    if (!host_valid(out->host, bracketed)) {
        char shown[64];
        live_text_printable(shown, sizeof shown, out->host, strlen(out->host));
        return rl_error_set(err, RL_ERR_INVALID, "--redis: \"%s\" is not a host; write %s",
                            shown, URL_SYNTAX);
    }
    if (after < end) { /* ":port" */
        char port[16];
        rc = decode_part("port", after + 1, (size_t)(end - after - 1), port, sizeof port, err);
        if (rc != RL_OK || !parse_int(port, 1, 65535, &out->port)) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "--redis: port must be a number from 1 to 65535");
        }
    }
    return RL_OK;
}

int redis_url_parse(const char *text, redis_url *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    out->port = 6379;
    const char *scheme = "redis://";
    if (strncmp(text, scheme, strlen(scheme)) != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "--redis: must start with redis:// (%s)",
                            URL_SYNTAX);
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
    int rc = parse_host_port(p, (size_t)(end - p), out, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (slash != NULL && slash[1] != '\0') {
        char db[REDIS_URL_PART_BYTES];
        rc = decode_part("db", slash + 1, strlen(slash + 1), db, sizeof db, err);
        if (rc == RL_OK && !parse_int(db, 0, 1000000, &out->db)) {
            char shown[40];
            live_text_printable(shown, sizeof shown, db, strlen(db));
            rc = rl_error_set(err, RL_ERR_INVALID,
                              "--redis: db must be a whole number from 0 to 1000000 (got \"%s\")",
                              shown);
        }
        if (rc != RL_OK) {
            return rc;
        }
    }
    const char *env_password = getenv("REDISCLI_AUTH");
    if (out->password[0] == '\0' && env_password != NULL && env_password[0] != '\0') {
        size_t length = strlen(env_password);
        if (length >= sizeof out->password) {
            return rl_error_set(err, RL_ERR_INVALID, "REDISCLI_AUTH is too long");
        }
        memcpy(out->password, env_password, length + 1);
    }
    return RL_OK;
}

void redis_url_describe(const redis_url *url, char *out, size_t out_size) {
    bool v6 = strchr(url->host, ':') != NULL;
    snprintf(out, out_size, "redis://%s%s%s:%d/%d", v6 ? "[" : "", url->host, v6 ? "]" : "",
             url->port, url->db);
}
