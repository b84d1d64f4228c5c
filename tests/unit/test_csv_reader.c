/* test_csv_reader.c - the CSV reader of results folders: header, quotes, numbers, and every
 * malformed file gets one line naming the file and the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/csv_reader.h"

/* Writes text to a fresh temporary file whose path goes into path (64 bytes). */
static void write_temp(char path[64], const char *text) {
    snprintf(path, 64, "/tmp/ratelab-test-csv-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void reads_header_and_records(void **state) {
    (void)state;
    char path[64];
    write_temp(path, "kind,target,start_s,end_s\r\nstore_outage,store,30,60\n\nx,y,1.5,2\n");
    csv_reader r;
    rl_error err;
    rl_error_clear(&err);
    assert_int_equal(csv_reader_open(&r, path, &err), RL_OK);
    assert_int_equal(r.header_count, 4);
    assert_int_equal(csv_reader_column(&r, "start_s"), 2);
    assert_int_equal(csv_reader_column(&r, "nope"), -1);
    assert_int_equal(csv_reader_next(&r, &err), 1);
    assert_string_equal(csv_reader_field(&r, 0), "store_outage");
    int64_t start;
    assert_int_equal(csv_reader_int64(&r, 2, &start, &err), RL_OK);
    assert_int_equal(start, 30);
    assert_int_equal(csv_reader_next(&r, &err), 1); /* the blank line 3 is skipped */
    double end;
    assert_int_equal(csv_reader_double(&r, 3, &end, &err), RL_OK);
    assert_true(end == 2.0);
    assert_int_equal(csv_reader_int64(&r, 2, &start, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, ":4: start_s: '1.5' is not a whole number"));
    assert_int_equal(csv_reader_next(&r, &err), 0);
    csv_reader_close(&r);
    unlink(path);
}

static void undoes_quotes(void **state) {
    (void)state;
    char path[64];
    write_temp(path, "expression,measured,passed\n\"a,b < 1\",\"say \"\"hi\"\"\",true\n");
    csv_reader r;
    rl_error err;
    assert_int_equal(csv_reader_open(&r, path, &err), RL_OK);
    assert_int_equal(csv_reader_next(&r, &err), 1);
    assert_string_equal(csv_reader_field(&r, 0), "a,b < 1");
    assert_string_equal(csv_reader_field(&r, 1), "say \"hi\"");
    assert_string_equal(csv_reader_field(&r, 2), "true");
    assert_string_equal(csv_reader_field(&r, 7), "");
    csv_reader_close(&r);
    unlink(path);
}

static void refuses_malformed_files(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {"a,b\n1\n", ":2: 1 fields, the header has 2"},
        {"a,b\n\"1,2\n", ":2: unclosed quote"},
        {"a,b\n\"1\"x,2\n", ":2: text after a closing quote"},
        {"", "empty file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64];
        write_temp(path, cases[i].text);
        csv_reader r;
        rl_error err;
        rl_error_clear(&err);
        int rc = csv_reader_open(&r, path, &err);
        if (rc == RL_OK) {
            rc = csv_reader_next(&r, &err);
            csv_reader_close(&r);
        }
        assert_int_equal(rc, RL_ERR_INVALID);
        if (strstr(err.message, cases[i].message) == NULL) {
            fail_msg("case %zu: '%s' lacks '%s'", i, err.message, cases[i].message);
        }
        unlink(path);
    }
}

static void names_missing_files_and_columns(void **state) {
    (void)state;
    csv_reader r;
    rl_error err;
    assert_int_equal(csv_reader_open(&r, "/nonexistent/x.csv", &err), RL_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/x.csv"));
    char path[64];
    write_temp(path, "a,b\n");
    assert_int_equal(csv_reader_open(&r, path, &err), RL_OK);
    int index;
    assert_int_equal(csv_reader_require(&r, "burst_max", &index, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "no column 'burst_max'"));
    csv_reader_close(&r);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_header_and_records),
        cmocka_unit_test(undoes_quotes),
        cmocka_unit_test(refuses_malformed_files),
        cmocka_unit_test(names_missing_files_and_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
