/* test_redis_url.c - parsing --redis URLs: IPv6 in brackets, percent-decoding, and messages that
 * repeat nothing raw (no control bytes, never a user or password). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/live/redis_url.h"

static redis_url parse_ok(const char *text) {
    redis_url url;
    rl_error err;
    rl_error_clear(&err);
    if (redis_url_parse(text, &url, &err) != RL_OK) {
        fail_msg("%s: %s", text, err.message);
    }
    return url;
}

/* The message of a refused URL: one printable line. */
static const char *parse_refused(const char *text, rl_error *err) {
    redis_url url;
    rl_error_clear(err);
    assert_int_equal(redis_url_parse(text, &url, err), RL_ERR_INVALID);
    for (const char *p = err->message; *p != '\0'; p++) {
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7F);
    }
    return err->message;
}

static void test_ipv6(void **state) {
    (void)state;
    redis_url url = parse_ok("redis://[::1]:6380/2");
    assert_string_equal(url.host, "::1");
    assert_int_equal(url.port, 6380);
    assert_int_equal(url.db, 2);
    char text[96];
    redis_url_describe(&url, text, sizeof text);
    assert_string_equal(text, "redis://[::1]:6380/2");
    url = parse_ok("redis://:pw@[fe80::1:2]");
    assert_string_equal(url.host, "fe80::1:2");
    assert_int_equal(url.port, 6379);
    assert_string_equal(url.password, "pw");
    url = parse_ok("redis://127.0.0.1:7000/3");
    redis_url_describe(&url, text, sizeof text);
    assert_string_equal(text, "redis://127.0.0.1:7000/3");
    rl_error err;
    assert_non_null(strstr(parse_refused("redis://[::1:6379/0", &err), "'[' without ']'"));
    assert_non_null(strstr(parse_refused("redis://[::1]x/0", &err), "after ']' only ':port'"));
    assert_non_null(strstr(parse_refused("redis://[localhost]/0", &err), "is not a host"));
}

static void test_percent_decoding(void **state) {
    (void)state;
    redis_url url = parse_ok("redis://us%40er:p%3As%2Fs%25@h%2Dost:6%33%37%39/%31%32");
    assert_string_equal(url.user, "us@er");
    assert_string_equal(url.password, "p:s/s%");
    assert_string_equal(url.host, "h-ost");
    assert_int_equal(url.port, 6379);
    assert_int_equal(url.db, 12);
    url = parse_ok("redis://:a@b@host/0"); /* the last '@' ends the credentials */
    assert_string_equal(url.password, "a@b");
    rl_error err;
    const char *message = parse_refused("redis://:sec%zzret@host/0", &err);
    assert_non_null(strstr(message, "password: a '%' must be followed by two hex digits"));
    assert_null(strstr(message, "sec"));
    assert_non_null(strstr(parse_refused("redis://host/%0", &err), "db: a '%'"));
    assert_non_null(strstr(parse_refused("redis://:x%00y@host/0", &err), "%00 is not allowed"));
    assert_null(strstr(err.message, "x"));
}

/* Hostile text in each part comes back printable, cut, and never as the password. */
static void test_messages_printable(void **state) {
    (void)state;
    rl_error err;
    const char *message = parse_refused("redis://host/1\n\x1b[31mred", &err);
    static const char DB_MUST[] = "--redis: db must be a whole number from 0 to 1000000";
    assert_non_null(strstr(message, DB_MUST));
    assert_non_null(strstr(message, "(got \"1??[31mred\")"));
    message = parse_refused("redis://host/%0A%1B%5B2J", &err);
    assert_non_null(strstr(message, DB_MUST));
    assert_non_null(strstr(message, "(got \"??[2J\")"));
    message = parse_refused("redis://ho%0Ast/0", &err);
    assert_non_null(strstr(message, "\"ho?st\" is not a host"));
    message = parse_refused("redis://host/9999999999999999999999999999999999999999999999", &err);
    assert_non_null(strstr(message, "...\")"));
    message = parse_refused("redis://user:hunter2@host:0/0", &err);
    assert_null(strstr(message, "hunter2"));
    assert_null(strstr(message, "user"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_messages_printable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
