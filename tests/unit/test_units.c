/* test_units.c - parsing and formatting durations, rates, counts and probabilities. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "harness/core/units.h"

#define PROPERTY_SEED UINT64_C(0x5eed0f0a11)
#define PROPERTY_CASES 10000

/* ---- helpers ---- */

static uint64_t splitmix_next(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void expect_duration(const char *text, int64_t want_us) {
    rl_error err = {0};
    int64_t got = -1;
    int rc = units_parse_duration_us(text, &got, &err);
    if (rc != RL_OK) {
        print_error("\"%s\": %s\n", text, err.message);
    }
    assert_int_equal(rc, RL_OK);
    assert_int_equal(got, want_us);
}

/* Asserts that parsing fails with a message containing part. */
static void expect_duration_error(const char *text, const char *part) {
    rl_error err = {0};
    int64_t got = 77;
    assert_int_equal(units_parse_duration_us(text, &got, &err), RL_ERR_INVALID);
    assert_int_equal(err.code, RL_ERR_INVALID);
    assert_int_equal(got, 77);
    if (strstr(err.message, part) == NULL) {
        print_error("\"%s\": message \"%s\" lacks \"%s\"\n", text, err.message, part);
        fail();
    }
}

static void expect_rate(const char *text, int64_t want_count, int64_t want_period_us) {
    rl_error err = {0};
    int64_t count = -1;
    int64_t period = -1;
    int rc = units_parse_rate(text, &count, &period, &err);
    if (rc != RL_OK) {
        print_error("\"%s\": %s\n", text, err.message);
    }
    assert_int_equal(rc, RL_OK);
    assert_int_equal(count, want_count);
    assert_int_equal(period, want_period_us);
}

static void expect_rate_error(const char *text, const char *part) {
    rl_error err = {0};
    int64_t count = 0;
    int64_t period = 0;
    assert_int_equal(units_parse_rate(text, &count, &period, &err), RL_ERR_INVALID);
    if (strstr(err.message, part) == NULL) {
        print_error("\"%s\": message \"%s\" lacks \"%s\"\n", text, err.message, part);
        fail();
    }
}

static void expect_count(const char *text, int64_t want) {
    rl_error err = {0};
    int64_t got = -1;
    assert_int_equal(units_parse_count(text, &got, &err), RL_OK);
    assert_int_equal(got, want);
}

static void expect_count_error(const char *text) {
    rl_error err = {0};
    int64_t got = 0;
    assert_int_equal(units_parse_count(text, &got, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "\""));
}

static void expect_ppm(const char *text, int64_t want) {
    rl_error err = {0};
    int64_t got = -1;
    int rc = units_parse_ppm(text, &got, &err);
    if (rc != RL_OK) {
        print_error("\"%s\": %s\n", text, err.message);
    }
    assert_int_equal(rc, RL_OK);
    assert_int_equal(got, want);
}

static void expect_ppm_error(const char *text) {
    rl_error err = {0};
    int64_t got = 0;
    assert_int_equal(units_parse_ppm(text, &got, &err), RL_ERR_INVALID);
}

static void expect_format(int64_t us, const char *want) {
    char buf[48];
    units_format_duration(us, buf, (int)sizeof buf);
    assert_string_equal(buf, want);
}

/* ---- durations ---- */

static void test_duration_units(void **state) {
    (void)state;
    expect_duration("250us", 250);
    expect_duration("1.5ms", 1500);
    expect_duration("30s", 30000000);
    expect_duration("5min", 300000000);
    expect_duration("5m", 300000000);
    expect_duration("2h", INT64_C(7200000000));
    expect_duration("1d", INT64_C(86400000000));
    expect_duration("1day", INT64_C(86400000000));
    expect_duration("0", 0);
    expect_duration("00", 0);
    expect_duration("0.0", 0);
    expect_duration("0s", 0);
    expect_duration("0us", 0);
    expect_duration("007ms", 7000);
}

static void test_duration_fractions_exact(void **state) {
    (void)state;
    expect_duration("1.000001s", 1000001);
    expect_duration("0.001ms", 1);
    expect_duration("0.5min", 30000000);
    expect_duration("1.25h", INT64_C(4500000000));
    expect_duration("1.50000000000000000000000000ms", 1500); /* trailing zeros never count */
    expect_duration("0.0000000003125d", 27);                  /* 3125 x 86400e6 / 1e13 exactly */
    expect_duration_error("0.5us", "whole number of microseconds");
    expect_duration_error("1.0000001s", "whole number of microseconds");
    expect_duration_error("0.0000000000000000001d", "whole number of microseconds");
    expect_duration_error("0.00000000000000000000001s", "whole number of microseconds");
}

static void test_duration_bounds(void **state) {
    (void)state;
    expect_duration("1099511627776us", UNITS_DURATION_MAX_US);
    expect_duration("12.7d", INT64_C(1097280000000));
    expect_duration_error("1099511627777us", "at most 2^40 us");
    expect_duration_error("13d", "at most 2^40 us");
    expect_duration_error("99999999999999999999999999s", "at most 2^40 us");
    expect_duration_error("9223372036854775807d", "at most 2^40 us");
    expect_duration_error("9223372036854775808us", "at most 2^40 us");
}

static void test_duration_refusals(void **state) {
    (void)state;
    expect_duration_error("-5s", "negative");
    expect_duration_error("5", "has no unit");
    expect_duration_error("1.5", "has no unit");
    expect_duration_error("5 s", "not a duration");
    expect_duration_error(" 5s", "not a duration");
    expect_duration_error("5s ", "not a duration");
    expect_duration_error("", "not a duration");
    expect_duration_error(".5s", "not a duration");
    expect_duration_error("1.s", "not a duration");
    expect_duration_error("5sec", "not a duration");
    expect_duration_error("5S", "not a duration");
    expect_duration_error("1e3ms", "not a duration");
    expect_duration_error("0x10s", "not a duration");
    expect_duration_error("5ms5", "not a duration");
    expect_duration_error("+5s", "not a duration");
}

static void test_duration_message_quotes_short_printable(void **state) {
    (void)state;
    rl_error err = {0};
    int64_t got = 0;
    char long_text[200];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(units_parse_duration_us(long_text, &got, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "...\""));
    assert_true(strlen(err.message) < 200);
    assert_int_equal(units_parse_duration_us("5\ns", &got, &err), RL_ERR_INVALID);
    assert_null(strchr(err.message, '\n'));
}

/* ---- rates ---- */

static void test_rate_forms(void **state) {
    (void)state;
    expect_rate("5/s", 5, 1000000);
    expect_rate("120/min", 120, 60000000);
    expect_rate("120/m", 120, 60000000);
    expect_rate("5000/h", 5000, INT64_C(3600000000));
    expect_rate("10000/day", 10000, INT64_C(86400000000));
    expect_rate("10000/d", 10000, INT64_C(86400000000));
    expect_rate("40/10s", 40, 10000000);
    expect_rate("2/100ms", 2, 100000);
    expect_rate("5/1s", 5, 1000000);
    expect_rate("3/us", 3, 1);
    expect_rate("1_000/s", 1000, 1000000);
    expect_rate("7/1.5s", 7, 1500000);
    expect_rate("9223372036854775807/s", INT64_MAX, 1000000);
}

static void test_rate_refusals(void **state) {
    (void)state;
    rl_error err = {0};
    int64_t count = 0;
    int64_t period = 0;
    assert_int_equal(units_parse_rate("120/mn", &count, &period, &err), RL_ERR_INVALID);
    assert_string_equal(err.message,
                        "\"120/mn\" is not a rate; write COUNT/PERIOD such as 120/min or 5/s");
    expect_rate_error("120", "is not a rate");
    expect_rate_error("5/", "is not a rate");
    expect_rate_error("/s", "no digits in the count");
    expect_rate_error("0/s", "count of 0");
    expect_rate_error("5/0s", "period of 0");
    expect_rate_error("5/0", "period of 0");
    expect_rate_error("-5/s", "other than digits");
    expect_rate_error("5/10", "is not a rate");
    expect_rate_error("5/-1s", "is not a rate");
    expect_rate_error("1.5/s", "other than digits");
    expect_rate_error("5 /s", "other than digits");
    expect_rate_error("5/ s", "is not a rate");
    expect_rate_error("5/s/s", "is not a rate");
    expect_rate_error("99999999999999999999/s", "above 9223372036854775807");
    expect_rate_error("5/13d", "has a period beyond 2^40 us");
    expect_rate_error("5/0.5us", "not a whole number of microseconds");
}

/* ---- counts ---- */

static void test_count_forms(void **state) {
    (void)state;
    expect_count("0", 0);
    expect_count("20", 20);
    expect_count("1000000", 1000000);
    expect_count("1_000_000", 1000000);
    expect_count("1_0", 10);
    expect_count("007", 7);
    expect_count("9223372036854775807", INT64_MAX);
    expect_count("9_223_372_036_854_775_807", INT64_MAX);
}

static void test_count_refusals(void **state) {
    (void)state;
    expect_count_error("9223372036854775808");
    expect_count_error("99999999999999999999999");
    expect_count_error("");
    expect_count_error("_1");
    expect_count_error("1_");
    expect_count_error("1__0");
    expect_count_error("-1");
    expect_count_error("+1");
    expect_count_error("1.5");
    expect_count_error(" 1");
    expect_count_error("1 ");
    expect_count_error("1e6");
    expect_count_error("0x10");
    rl_error err = {0};
    int64_t got = 0;
    assert_int_equal(units_parse_count("9223372036854775808", &got, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "above 9223372036854775807"));
}

/* ---- probabilities ---- */

static void test_ppm_forms(void **state) {
    (void)state;
    expect_ppm("0", 0);
    expect_ppm("0.25", 250000);
    expect_ppm("25%", 250000);
    expect_ppm("1", 1000000);
    expect_ppm("1.0", 1000000);
    expect_ppm("1.000000000", 1000000);
    expect_ppm("100%", 1000000);
    expect_ppm("0%", 0);
    expect_ppm("0.5%", 5000);
    expect_ppm("0.0001%", 1);
    expect_ppm("0.000001", 1);
    expect_ppm("10%", 100000);
    expect_ppm("0.1", 100000);
}

static void test_ppm_refusals(void **state) {
    (void)state;
    expect_ppm_error("0.0000001");
    expect_ppm_error("0.00001%");
    expect_ppm_error("1.5");
    expect_ppm_error("1.000001");
    expect_ppm_error("2");
    expect_ppm_error("101%");
    expect_ppm_error("100.5%");
    expect_ppm_error("-0.1");
    expect_ppm_error("abc");
    expect_ppm_error("50 %");
    expect_ppm_error("%");
    expect_ppm_error("");
    expect_ppm_error("5%%");
    expect_ppm_error("99999999999999999999999%");
}

/* ---- formatting ---- */

static void test_format(void **state) {
    (void)state;
    expect_format(0, "0");
    expect_format(1, "1us");
    expect_format(250, "250us");
    expect_format(999, "999us");
    expect_format(1000, "1ms");
    expect_format(1500, "1.5ms");
    expect_format(1234567, "1234.567ms");
    expect_format(30000000, "30s");
    expect_format(1500000, "1.5s");
    expect_format(300000000, "5min");
    expect_format(90000000, "1.5min");
    expect_format(61000000, "61s");
    expect_format(INT64_C(7200000000), "2h");
    expect_format(INT64_C(86400000000), "1d");
    expect_format(INT64_C(604800000000), "7d");
    expect_format(-1500, "-1.5ms");
    expect_format(UNITS_DURATION_MAX_US, "1099511627.776ms");
    char buf[48];
    units_format_duration(INT64_MIN, buf, (int)sizeof buf);
    assert_true(buf[0] == '-');
    char small[4] = "zzz";
    units_format_duration(1234567, small, (int)sizeof small);
    assert_string_equal(small, "123");
    units_format_duration(5, small, 0); /* size 0 writes nothing */
    assert_string_equal(small, "123");
}

/* ---- properties ---- */

/* Every duration from 0 to 2^40 us formats to text that parses back to the same value. */
static void test_property_format_parse_round_trip(void **state) {
    (void)state;
    uint64_t seed = PROPERTY_SEED;
    printf("[ seed     ] round trip: 0x%llx, %d cases\n", (unsigned long long)seed, PROPERTY_CASES);
    uint64_t rng = seed;
    static const int64_t SCALES[] = {1, 1000, 1000000, 60000000, INT64_C(3600000000),
                                     INT64_C(86400000000)};
    for (int i = 0; i < PROPERTY_CASES; i++) {
        uint64_t r = splitmix_next(&rng);
        int64_t value;
        if (i % 2 == 0) {
            value = (int64_t)(r % ((uint64_t)UNITS_DURATION_MAX_US + 1));
        } else {
            /* Round values in some unit, with up to three decimals, to exercise every unit. */
            int64_t scale = SCALES[r % 6];
            int64_t step = scale >= 1000 ? scale / 1000 : 1;
            int64_t max_steps = UNITS_DURATION_MAX_US / step;
            value = (int64_t)((r >> 8) % (uint64_t)(max_steps + 1)) * step;
        }
        char text[48];
        units_format_duration(value, text, (int)sizeof text);
        rl_error err = {0};
        int64_t back = -1;
        int rc = units_parse_duration_us(text, &back, &err);
        if (rc != RL_OK || back != value) {
            print_error("case %d: %lld -> \"%s\" -> %lld (%s)\n", i, (long long)value, text,
                        (long long)back, err.message);
            fail();
        }
    }
}

/* Random short strings never crash a parser; whatever parses is within its range. */
static void test_property_random_text(void **state) {
    (void)state;
    uint64_t seed = PROPERTY_SEED ^ UINT64_C(0xabcdef);
    printf("[ seed     ] random text: 0x%llx, %d cases\n", (unsigned long long)seed,
           PROPERTY_CASES);
    static const char ALPHABET[] = "0123456789._/%-+ smuhdinaey\x01\xff";
    uint64_t rng = seed;
    for (int i = 0; i < PROPERTY_CASES; i++) {
        char text[24];
        int length = (int)(splitmix_next(&rng) % (sizeof text));
        for (int k = 0; k < length; k++) {
            text[k] = ALPHABET[splitmix_next(&rng) % (sizeof ALPHABET - 1)];
        }
        text[length] = '\0';
        rl_error err = {0};
        int64_t a = 0;
        int64_t b = 0;
        if (units_parse_duration_us(text, &a, &err) == RL_OK) {
            assert_true(a >= 0 && a <= UNITS_DURATION_MAX_US);
        } else {
            assert_int_equal(err.code, RL_ERR_INVALID);
            assert_null(strchr(err.message, '\n'));
        }
        if (units_parse_rate(text, &a, &b, &err) == RL_OK) {
            assert_true(a >= 1 && b >= 1 && b <= UNITS_DURATION_MAX_US);
        }
        if (units_parse_count(text, &a, &err) == RL_OK) {
            assert_true(a >= 0);
        }
        if (units_parse_ppm(text, &a, &err) == RL_OK) {
            assert_true(a >= 0 && a <= 1000000);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_fractions_exact),
        cmocka_unit_test(test_duration_bounds),
        cmocka_unit_test(test_duration_refusals),
        cmocka_unit_test(test_duration_message_quotes_short_printable),
        cmocka_unit_test(test_rate_forms),
        cmocka_unit_test(test_rate_refusals),
        cmocka_unit_test(test_count_forms),
        cmocka_unit_test(test_count_refusals),
        cmocka_unit_test(test_ppm_forms),
        cmocka_unit_test(test_ppm_refusals),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_property_format_parse_round_trip),
        cmocka_unit_test(test_property_random_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
