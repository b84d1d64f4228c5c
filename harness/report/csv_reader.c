/* csv_reader.c - reading the CSV files of a results folder, in place, without allocation. */
#include "harness/report/csv_reader.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Reads one line of r->file into buf (CSV_LINE_BYTES) without its line end. Returns 1 when a
 * line was read, 0 at the end of the file, or an error code. */
static int read_line(csv_reader *r, char *buf, rl_error *err) {
    if (fgets(buf, CSV_LINE_BYTES, r->file) == NULL) {
        if (ferror(r->file)) {
            return rl_error_set(err, RL_ERR_IO, "%s: read error", r->path);
        }
        return 0;
    }
    r->line_number++;
    size_t length = strlen(buf);
    if (length > 0 && buf[length - 1] == '\n') {
        buf[--length] = '\0';
    } else if (!feof(r->file)) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: line longer than %d bytes", r->path,
                            (long long)r->line_number, CSV_LINE_BYTES - 2);
    }
    if (length > 0 && buf[length - 1] == '\r') {
        buf[--length] = '\0';
    }
    return 1;
}

/* Splits line in place into fields (at most CSV_FIELDS_MAX), undoing quotes. Returns the
 * number of fields or RL_ERR_INVALID. */
static int split_fields(csv_reader *r, char *line, char **fields, rl_error *err) {
    int count = 0;
    char *in = line;
    for (;;) {
        if (count == CSV_FIELDS_MAX) {
            return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: more than %d fields", r->path,
                                (long long)r->line_number, CSV_FIELDS_MAX);
        }
        char *out = in;
        fields[count++] = out;
        if (*in == '"') {
            in++;
            for (;;) {
                if (*in == '\0') {
                    return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: unclosed quote",
                                        r->path, (long long)r->line_number);
                }
                if (*in == '"' && in[1] == '"') {
                    *out++ = '"';
                    in += 2;
                } else if (*in == '"') {
                    in++;
                    break;
                } else {
                    *out++ = *in++;
                }
            }
            if (*in != ',' && *in != '\0') {
                return rl_error_set(err, RL_ERR_INVALID,
                                    "%s:%lld: text after a closing quote", r->path,
                                    (long long)r->line_number);
            }
        } else {
            while (*in != ',' && *in != '\0') {
                *out++ = *in++;
            }
        }
        bool last = *in == '\0';
        *out = '\0';
        if (last) {
            return count;
        }
        in++;
    }
}

int csv_reader_open(csv_reader *r, const char *path, rl_error *err) {
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    r->file = fopen(path, "r");
    if (r->file == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    int rc = read_line(r, r->header_line, err);
    if (rc == 0) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s: empty file (no header row)", path);
    }
    if (rc > 0) {
        rc = split_fields(r, r->header_line, r->header, err);
    }
    if (rc < 0) {
        csv_reader_close(r);
        return rc;
    }
    r->header_count = rc;
    return RL_OK;
}

int csv_reader_column(const csv_reader *r, const char *name) {
    for (int i = 0; i < r->header_count; i++) {
        if (strcmp(r->header[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

int csv_reader_require(const csv_reader *r, const char *name, int *index, rl_error *err) {
    *index = csv_reader_column(r, name);
    if (*index < 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: no column '%s' in its header", r->path,
                            name);
    }
    return RL_OK;
}

int csv_reader_next(csv_reader *r, rl_error *err) {
    for (;;) {
        int rc = read_line(r, r->line, err);
        if (rc <= 0) {
            return rc;
        }
        if (r->line[0] == '\0') {
            continue;
        }
        rc = split_fields(r, r->line, r->fields, err);
        if (rc < 0) {
            return rc;
        }
        r->field_count = rc;
        if (r->field_count < r->header_count) {
            return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: %d fields, the header has %d",
                                r->path, (long long)r->line_number, r->field_count,
                                r->header_count);
        }
        return 1;
    }
}

const char *csv_reader_field(const csv_reader *r, int index) {
    if (index < 0 || index >= r->field_count) {
        return "";
    }
    return r->fields[index];
}

static const char *column_name(const csv_reader *r, int index) {
    return index >= 0 && index < r->header_count ? r->header[index] : "?";
}

int csv_reader_int64(const csv_reader *r, int index, int64_t *out, rl_error *err) {
    const char *text = csv_reader_field(r, index);
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (text[0] == '\0' || errno != 0 || *end != '\0') {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: %s: '%s' is not a whole number",
                            r->path, (long long)r->line_number, column_name(r, index), text);
    }
    *out = (int64_t)value;
    return RL_OK;
}

int csv_reader_double(const csv_reader *r, int index, double *out, rl_error *err) {
    const char *text = csv_reader_field(r, index);
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (text[0] == '\0' || errno != 0 || *end != '\0' || !isfinite(value)) {
        return rl_error_set(err, RL_ERR_INVALID, "%s:%lld: %s: '%s' is not a number", r->path,
                            (long long)r->line_number, column_name(r, index), text);
    }
    *out = value;
    return RL_OK;
}

void csv_reader_close(csv_reader *r) {
    if (r->file != NULL) {
        fclose(r->file);
        r->file = NULL;
    }
}
