/* csv_reader.h - reading the CSV files of a results folder: a header row naming the columns,
 * then one record per line. Fields may be quoted ("a,b" and "say ""hi"""). Lines are bounded
 * (CSV_LINE_BYTES) and so is the number of fields; the reader allocates nothing. */
#ifndef RATELAB_CSV_READER_H
#define RATELAB_CSV_READER_H

#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"

#define CSV_LINE_BYTES 4096
#define CSV_FIELDS_MAX 64
#define CSV_PATH_BYTES 1024

/* An open CSV file. Fill it with csv_reader_open; the fields of the current record point into
 * the reader and stay valid until the next csv_reader_next. */
typedef struct csv_reader {
    FILE *file;
    char path[CSV_PATH_BYTES];
    int64_t line_number; /* of the current record, from 1 (the header) */
    int header_count;
    char *header[CSV_FIELDS_MAX];
    int field_count;
    char *fields[CSV_FIELDS_MAX];
    char header_line[CSV_LINE_BYTES];
    char line[CSV_LINE_BYTES];
} csv_reader;

/* Opens path and reads its header row into r (the caller's memory). Returns 0, or
 * RL_ERR_IO when the file cannot be opened (err names it), or RL_ERR_INVALID when it is empty
 * or its header is malformed. On error nothing is left open. */
int csv_reader_open(csv_reader *r, const char *path, rl_error *err);

/* The index of the column named name in the header, or -1 when there is none. */
int csv_reader_column(const csv_reader *r, const char *name);

/* Like csv_reader_column, but a missing column is an error: RL_ERR_INVALID naming the file and
 * the column. The index goes into *index. */
int csv_reader_require(const csv_reader *r, const char *name, int *index, rl_error *err);

/* Reads the next record (blank lines are skipped). Returns 1 when a record was read, 0 at the
 * end of the file, or RL_ERR_INVALID / RL_ERR_IO with a message "PATH:LINE: what" when a line is
 * too long, malformed or has fewer fields than the header. */
int csv_reader_next(csv_reader *r, rl_error *err);

/* The field at index of the current record (index from csv_reader_column); "" when the record
 * is shorter. Points into r. */
const char *csv_reader_field(const csv_reader *r, int index);

/* Parses the field at index as a whole number into *out. Returns 0 or RL_ERR_INVALID with a
 * message "PATH:LINE: COLUMN: ...". */
int csv_reader_int64(const csv_reader *r, int index, int64_t *out, rl_error *err);

/* Parses the field at index as a finite number into *out. Returns 0 or RL_ERR_INVALID. */
int csv_reader_double(const csv_reader *r, int index, double *out, rl_error *err);

/* Closes the file of r (safe to call twice). */
void csv_reader_close(csv_reader *r);

#endif
