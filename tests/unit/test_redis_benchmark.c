/* test_redis_benchmark.c - redis-benchmark's command line is an argument vector: what a host
 * name holds reaches the program unchanged and no shell ever reads it; the rate is read from
 * its -q output. The child processes here are echo, false and a missing program. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/live/redis_benchmark.h"

static void test_parse_rate(void **state) {
    (void)state;
    assert_true(redis_benchmark_parse_rate("EVALSHA abc 1 k: 41867.92 requests per second, "
                                           "p50=1.159 msec") == 41867.92);
    assert_true(redis_benchmark_parse_rate("EVALSHA abc 1 k: rps=40000.0 (overall: 39000.0)") ==
                0);
    assert_true(redis_benchmark_parse_rate("no colon 12 requests per second") == 0);
    assert_true(redis_benchmark_parse_rate("") == 0);
}

static void test_arguments_kept_whole(void **state) {
    (void)state;
    redis_benchmark_command c;
    redis_benchmark_command_init(&c, "redis-benchmark");
    assert_true(redis_benchmark_command_add(&c, "-h"));
    assert_true(redis_benchmark_command_add(&c, "host; rm -rf x"));
    assert_true(redis_benchmark_command_add_i64(&c, -6379));
    assert_int_equal(c.count, 4);
    assert_string_equal(c.argv[0], "redis-benchmark");
    assert_string_equal(c.argv[2], "host; rm -rf x");
    assert_string_equal(c.argv[3], "-6379");
    assert_null(c.argv[4]);
    char long_arg[REDIS_BENCHMARK_ARG_BYTES + 1];
    memset(long_arg, 'a', sizeof long_arg - 1);
    long_arg[sizeof long_arg - 1] = '\0';
    assert_false(redis_benchmark_command_add(&c, long_arg));
    assert_int_equal(c.count, 4);
    while (c.count < REDIS_BENCHMARK_ARGS_MAX) {
        assert_true(redis_benchmark_command_add(&c, "x"));
    }
    assert_false(redis_benchmark_command_add(&c, "one too many"));
}

/* A host like "$(touch FILE)" or "; touch FILE" would run touch through a shell; through an
 * argument vector echo just prints it. */
static void test_no_shell(void **state) {
    (void)state;
    char marker[64];
    snprintf(marker, sizeof marker, "/tmp/ratelab-no-shell-%ld", (long)getpid());
    unlink(marker);
    char substitution[128], sequence[128];
    snprintf(substitution, sizeof substitution, "$(touch %s)", marker);
    snprintf(sequence, sizeof sequence, "; touch %s", marker);
    redis_benchmark_command c;
    redis_benchmark_command_init(&c, "echo");
    assert_true(redis_benchmark_command_add(&c, substitution));
    assert_true(redis_benchmark_command_add(&c, sequence));
    assert_true(redis_benchmark_command_add(&c, "`touch x`: 123.5 requests per second"));
    char note[REDIS_BENCHMARK_NOTE_BYTES] = "";
    assert_true(redis_benchmark_run(&c, note, sizeof note) == 123.5);
    struct stat info;
    assert_int_not_equal(stat(marker, &info), 0); /* touch never ran */
}

static void test_failures_named(void **state) {
    (void)state;
    redis_benchmark_command c;
    char note[REDIS_BENCHMARK_NOTE_BYTES] = "";
    redis_benchmark_command_init(&c, "ratelab-no-such-program");
    assert_true(redis_benchmark_run(&c, note, sizeof note) == 0);
    assert_non_null(strstr(note, "not installed"));
    redis_benchmark_command_init(&c, "false");
    assert_true(redis_benchmark_run(&c, note, sizeof note) == 0);
    assert_non_null(strstr(note, "failed (exit status 1)"));
    redis_benchmark_command_init(&c, "echo");
    assert_true(redis_benchmark_command_add(&c, "no rate here"));
    assert_true(redis_benchmark_run(&c, note, sizeof note) == 0);
    assert_non_null(strstr(note, "printed no rate"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rate),
        cmocka_unit_test(test_arguments_kept_whole),
        cmocka_unit_test(test_no_shell),
        cmocka_unit_test(test_failures_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
