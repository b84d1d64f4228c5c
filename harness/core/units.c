/* units.c - parsing and formatting the values with units that scenario files and --set use.
 *
 * Everything is parsed digit by digit in exact integer arithmetic: no strtod, no atoi, no
 * wrap-around. A value that does not fit is an error, never a smaller number. */
#include "harness/core/units.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* How much of a bad value a message quotes, so that a message stays one short line. */
#define QUOTE_BYTES_MAX 40

/* Most significant fraction digits accepted; 10^18 still fits in a uint64_t. */
#define FRACTION_DIGITS_MAX 18

#define US_PER_MS INT64_C(1000)
#define US_PER_S INT64_C(1000000)
#define US_PER_MIN (INT64_C(60) * US_PER_S)
#define US_PER_H (INT64_C(60) * US_PER_MIN)
#define US_PER_D (INT64_C(24) * US_PER_H)

#define PPM_ONE INT64_C(1000000)

typedef struct unit_entry {
    const char *name;
    int64_t us;
} unit_entry;

/* Every unit a duration or a rate's period may carry. */
static const unit_entry UNITS[] = {
    {"us", 1},           {"ms", US_PER_MS}, {"s", US_PER_S},   {"m", US_PER_MIN},
    {"min", US_PER_MIN}, {"h", US_PER_H},   {"d", US_PER_D},   {"day", US_PER_D},
};

#define UNITS_LIST "us, ms, s, m or min, h, d or day"

/* Copies text into buf as a short, printable quotation: control bytes become '?', and text
 * longer than QUOTE_BYTES_MAX is cut (at a UTF-8 character boundary) and marked with "...". */
static void quote_text(const char *text, char *buf, size_t size) {
    size_t length = strlen(text);
    bool cut = length > QUOTE_BYTES_MAX;
    if (cut) {
        length = QUOTE_BYTES_MAX;
        while (length > 0 && ((unsigned char)text[length] & 0xC0u) == 0x80u) {
            length--;
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < length && used + 1 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[used++] = (c < 0x20u || c == 0x7Fu || c == '"') ? '?' : (char)c;
    }
    for (const char *dots = cut ? "..." : ""; *dots != '\0' && used + 1 < size; dots++) {
        buf[used++] = *dots;
    }
    buf[used] = '\0';
}

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static int64_t gcd_i64(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* A decimal number "DIGITS[.DIGITS]" read exactly: the integer part (saturated flag when it
 * exceeds INT64_MAX) and the fraction as numerator / 10^fraction_digits with trailing zeros
 * dropped. end is where the number stopped. */
typedef struct decimal {
    int64_t integer;
    bool integer_overflow;
    int64_t fraction;      /* numerator */
    int fraction_digits;   /* significant digits of the fraction */
    bool fraction_too_long; /* more than FRACTION_DIGITS_MAX significant digits */
    const char *end;
} decimal;

/* Reads a decimal at text; returns false when text does not start with a digit or the '.' is
 * not followed by a digit. */
static bool decimal_read(const char *text, decimal *out) {
    memset(out, 0, sizeof *out);
    const char *p = text;
    if (!is_digit(*p)) {
        return false;
    }
    for (; is_digit(*p); p++) {
        int digit = *p - '0';
        if (out->integer > (INT64_MAX - digit) / 10) {
            out->integer_overflow = true;
        } else {
            out->integer = out->integer * 10 + digit;
        }
    }
    if (*p == '.') {
        p++;
        if (!is_digit(*p)) {
            return false;
        }
        /* Find the last non-zero digit so that trailing zeros never count. */
        const char *start = p;
        const char *last_nonzero = NULL;
        for (; is_digit(*p); p++) {
            if (*p != '0') {
                last_nonzero = p;
            }
        }
        if (last_nonzero != NULL) {
            ptrdiff_t digits = last_nonzero - start + 1;
            if (digits > FRACTION_DIGITS_MAX) {
                out->fraction_too_long = true;
            } else {
                out->fraction_digits = (int)digits;
                for (const char *q = start; q <= last_nonzero; q++) {
                    out->fraction = out->fraction * 10 + (*q - '0');
                }
            }
        }
    }
    out->end = p;
    return true;
}

static int64_t pow10_i64(int exponent) {
    int64_t value = 1;
    for (int i = 0; i < exponent; i++) {
        value *= 10;
    }
    return value;
}

/* numerator / 10^digits x scale exactly into *out; false when it is not a whole number. The
 * gcd reduction keeps every intermediate below scale, so nothing overflows. */
static bool fraction_scale_exact(int64_t numerator, int digits, int64_t scale, int64_t *out) {
    if (numerator == 0) {
        *out = 0;
        return true;
    }
    int64_t denominator = pow10_i64(digits);
    int64_t common = gcd_i64(scale, denominator);
    int64_t reduced_denominator = denominator / common;
    if (numerator % reduced_denominator != 0) {
        return false;
    }
    *out = (numerator / reduced_denominator) * (scale / common);
    return true;
}

static const unit_entry *unit_find(const char *name) {
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
        if (strcmp(UNITS[i].name, name) == 0) {
            return &UNITS[i];
        }
    }
    return NULL;
}

/* What is wrong with a duration, if anything. */
typedef enum duration_problem {
    DURATION_OK = 0,
    DURATION_NEGATIVE,
    DURATION_NOT_A_NUMBER,
    DURATION_NO_UNIT,
    DURATION_UNKNOWN_UNIT,
    DURATION_BELOW_US,
    DURATION_TOO_LONG
} duration_problem;

/* Parses text as a duration into *out_us (set only when it returns DURATION_OK). */
static duration_problem duration_parse(const char *text, int64_t *out_us) {
    if (text[0] == '-') {
        return DURATION_NEGATIVE;
    }
    decimal number;
    if (!decimal_read(text, &number)) {
        return DURATION_NOT_A_NUMBER;
    }
    if (*number.end == '\0') {
        bool zero = number.integer == 0 && !number.integer_overflow && number.fraction == 0 &&
                    !number.fraction_too_long;
        if (!zero) {
            return DURATION_NO_UNIT;
        }
        *out_us = 0;
        return DURATION_OK;
    }
    const unit_entry *unit = unit_find(number.end);
    if (unit == NULL) {
        return DURATION_UNKNOWN_UNIT;
    }
    int64_t fraction_us = 0;
    if (number.fraction_too_long ||
        !fraction_scale_exact(number.fraction, number.fraction_digits, unit->us, &fraction_us)) {
        return DURATION_BELOW_US;
    }
    if (number.integer_overflow ||
        number.integer > (UNITS_DURATION_MAX_US - fraction_us) / unit->us) {
        return DURATION_TOO_LONG;
    }
    *out_us = number.integer * unit->us + fraction_us;
    return DURATION_OK;
}

int units_parse_duration_us(const char *text, int64_t *out_us, rl_error *err) {
    char quoted[QUOTE_BYTES_MAX + 8];
    quote_text(text, quoted, sizeof quoted);
    switch (duration_parse(text, out_us)) {
    case DURATION_OK:
        return RL_OK;
    case DURATION_NEGATIVE:
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is negative; a duration is 0 or more, such as 250ms or 30s",
                            quoted);
    case DURATION_NO_UNIT:
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" has no unit; write a unit after the number (%s), such as "
                            "%sms or %ss",
                            quoted, UNITS_LIST, quoted, quoted);
    case DURATION_BELOW_US:
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a whole number of microseconds; durations are "
                            "counted in whole us",
                            quoted);
    case DURATION_TOO_LONG:
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is too long; durations are at most 2^40 us (about 12.7d)",
                            quoted);
    case DURATION_NOT_A_NUMBER:
    case DURATION_UNKNOWN_UNIT:
        break;
    }
    return rl_error_set(err, RL_ERR_INVALID,
                        "\"%s\" is not a duration; write a number and a unit (%s) such as "
                        "250us, 1.5ms or 30s",
                        quoted, UNITS_LIST);
}

/* Parses the digits (with '_' between digits) of text[0..length) into *out. Returns 0, or
 * RL_ERR_INVALID with reason set to a static explanation. */
static int count_parse_span(const char *text, size_t length, int64_t *out, const char **reason) {
    if (length == 0) {
        *reason = "no digits";
        return RL_ERR_INVALID;
    }
    int64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '_') {
            if (i == 0 || i + 1 == length || !is_digit(text[i - 1]) || !is_digit(text[i + 1])) {
                *reason = "a '_' not between digits";
                return RL_ERR_INVALID;
            }
            continue;
        }
        if (!is_digit(c)) {
            *reason = "a character other than digits and '_'";
            return RL_ERR_INVALID;
        }
        int digit = c - '0';
        if (value > (INT64_MAX - digit) / 10) {
            *reason = "a number above 9223372036854775807";
            return RL_ERR_INVALID;
        }
        value = value * 10 + digit;
    }
    *out = value;
    return RL_OK;
}

int units_parse_count(const char *text, int64_t *out, rl_error *err) {
    char quoted[QUOTE_BYTES_MAX + 8];
    quote_text(text, quoted, sizeof quoted);
    if (text[0] == '-') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is negative; write a whole number 0 or more such as 20 or "
                            "1_000_000",
                            quoted);
    }
    const char *reason = NULL;
    if (count_parse_span(text, strlen(text), out, &reason) != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a count (%s); write a whole number such as 20 or "
                            "1_000_000",
                            quoted, reason);
    }
    return RL_OK;
}

int units_parse_milli(const char *text, int64_t *out_milli, rl_error *err) {
    char quoted[QUOTE_BYTES_MAX + 8];
    quote_text(text, quoted, sizeof quoted);
    int64_t value = 0;
    int decimals = -1; /* -1 before the point */
    int digits = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '.' && decimals < 0 && digits > 0) {
            decimals = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || decimals >= 3 || value > INT64_C(100000000000000)) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "\"%s\" is not a number with at most three decimals (such as "
                                "2 or 1.5)",
                                quoted);
        }
        value = value * 10 + (*p - '0');
        digits++;
        if (decimals >= 0) {
            decimals++;
        }
    }
    if (digits == 0 || decimals == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a number with at most three decimals (such as 2 or "
                            "1.5)",
                            quoted);
    }
    for (int d = decimals < 0 ? 0 : decimals; d < 3; d++) {
        value *= 10;
    }
    *out_milli = value;
    return RL_OK;
}

int units_parse_rate(const char *text, int64_t *out_count, int64_t *out_period_us, rl_error *err) {
    char quoted[QUOTE_BYTES_MAX + 8];
    quote_text(text, quoted, sizeof quoted);
    const char *slash = strchr(text, '/');
    if (slash == NULL || slash[1] == '\0') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a rate; write COUNT/PERIOD such as 120/min or 5/s",
                            quoted);
    }
    const char *reason = NULL;
    int64_t count = 0;
    if (count_parse_span(text, (size_t)(slash - text), &count, &reason) != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a rate (%s in the count); write COUNT/PERIOD such as "
                            "120/min or 5/s",
                            quoted, reason);
    }
    if (count == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" has a count of 0; a rate's count is at least 1, such as 1/s",
                            quoted);
    }
    const char *period_text = slash + 1;
    int64_t period_us = 0;
    const unit_entry *bare = unit_find(period_text);
    duration_problem problem = DURATION_OK;
    if (bare != NULL) {
        period_us = bare->us;
    } else if (!is_digit(period_text[0])) {
        problem = DURATION_NOT_A_NUMBER;
    } else {
        problem = duration_parse(period_text, &period_us);
    }
    if (problem == DURATION_TOO_LONG) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" has a period beyond 2^40 us (about 12.7d); write a shorter "
                            "period, such as 5000/d",
                            quoted);
    }
    if (problem == DURATION_BELOW_US) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" has a period that is not a whole number of microseconds; "
                            "periods are counted in whole us",
                            quoted);
    }
    if (problem != DURATION_OK) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a rate; write COUNT/PERIOD such as 120/min or 5/s",
                            quoted);
    }
    if (period_us == 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" has a period of 0; the period must be above 0, such as 5/s "
                            "or 40/10s",
                            quoted);
    }
    *out_count = count;
    *out_period_us = period_us;
    return RL_OK;
}

int units_parse_ppm(const char *text, int64_t *out_ppm, rl_error *err) {
    char quoted[QUOTE_BYTES_MAX + 8];
    quote_text(text, quoted, sizeof quoted);
    decimal number;
    if (text[0] == '-' || !decimal_read(text, &number)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a probability; write a fraction from 0 to 1 such as "
                            "0.25, or a percentage such as 25%%",
                            quoted);
    }
    bool percent = number.end[0] == '%' && number.end[1] == '\0';
    if (!percent && number.end[0] != '\0') {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a probability; write a fraction from 0 to 1 such as "
                            "0.25, or a percentage such as 25%%",
                            quoted);
    }
    int64_t scale = percent ? PPM_ONE / 100 : PPM_ONE;
    int64_t fraction_ppm = 0;
    if (number.fraction_too_long ||
        !fraction_scale_exact(number.fraction, number.fraction_digits, scale, &fraction_ppm)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is finer than one in a million; write at most 6 decimals "
                            "(4 for a percentage)",
                            quoted);
    }
    int64_t whole_max = percent ? 100 : 1;
    if (number.integer_overflow || number.integer > whole_max) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is above 1; a probability is from 0 to 1 (0%% to 100%%)",
                            quoted);
    }
    int64_t ppm = number.integer * scale + fraction_ppm;
    if (ppm > PPM_ONE) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is above 1; a probability is from 0 to 1 (0%% to 100%%)",
                            quoted);
    }
    *out_ppm = ppm;
    return RL_OK;
}

/* The units units_format_duration picks from, largest first. */
static const unit_entry FORMAT_UNITS[] = {
    {"d", US_PER_D}, {"h", US_PER_H}, {"min", US_PER_MIN}, {"s", US_PER_S}, {"ms", US_PER_MS},
};

void units_format_duration(int64_t us, char *buf, int size) {
    if (buf == NULL || size <= 0) {
        return;
    }
    const char *sign = us < 0 ? "-" : "";
    uint64_t magnitude = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    if (magnitude == 0) {
        snprintf(buf, (size_t)size, "0");
        return;
    }
    /* The largest unit that shows the value exactly with at most three decimals. */
    for (size_t i = 0; i < sizeof FORMAT_UNITS / sizeof FORMAT_UNITS[0]; i++) {
        uint64_t unit_us = (uint64_t)FORMAT_UNITS[i].us;
        uint64_t milli_step = unit_us / 1000;
        if (magnitude < unit_us || magnitude % milli_step != 0) {
            continue;
        }
        uint64_t whole = magnitude / unit_us;
        uint64_t thousandths = (magnitude % unit_us) / milli_step;
        if (thousandths == 0) {
            snprintf(buf, (size_t)size, "%s%llu%s", sign, (unsigned long long)whole,
                     FORMAT_UNITS[i].name);
            return;
        }
        int digits = 3;
        while (thousandths % 10 == 0) {
            thousandths /= 10;
            digits--;
        }
        snprintf(buf, (size_t)size, "%s%llu.%0*llu%s", sign, (unsigned long long)whole, digits,
                 (unsigned long long)thousandths, FORMAT_UNITS[i].name);
        return;
    }
    snprintf(buf, (size_t)size, "%s%lluus", sign, (unsigned long long)magnitude);
}
