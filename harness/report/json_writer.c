/* json_writer.c - indented JSON output with string escaping. */
#include "harness/report/json_writer.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>

void json_writer_init(json_writer *w, FILE *out) {
    w->out = out;
    w->depth = 0;
    w->first[0] = true;
}

static void write_escaped(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*c < 0x20) {
                fprintf(out, "\\u%04x", *c);
            } else {
                fputc(*c, out);
            }
        }
    }
    fputc('"', out);
}

/* Separator, newline, indentation and key of the next member. */
static void member_start(json_writer *w, const char *key) {
    if (w->depth > 0) {
        fputs(w->first[w->depth] ? "\n" : ",\n", w->out);
        for (int i = 0; i < w->depth; i++) {
            fputs("  ", w->out);
        }
    }
    w->first[w->depth] = false;
    if (key != NULL) {
        write_escaped(w->out, key);
        fputs(": ", w->out);
    }
}

void json_object_begin(json_writer *w, const char *key) {
    member_start(w, key);
    fputc('{', w->out);
    assert(w->depth + 1 < JSON_WRITER_DEPTH_MAX);
    w->depth++;
    w->first[w->depth] = true;
}

void json_object_end(json_writer *w) {
    bool empty = w->first[w->depth];
    w->depth--;
    if (!empty) {
        fputc('\n', w->out);
        for (int i = 0; i < w->depth; i++) {
            fputs("  ", w->out);
        }
    }
    fputc('}', w->out);
}

void json_string(json_writer *w, const char *key, const char *value) {
    member_start(w, key);
    write_escaped(w->out, value);
}

void json_int(json_writer *w, const char *key, int64_t value) {
    member_start(w, key);
    fprintf(w->out, "%" PRId64, value);
}

void json_uint(json_writer *w, const char *key, uint64_t value) {
    member_start(w, key);
    fprintf(w->out, "%" PRIu64, value);
}

void json_double(json_writer *w, const char *key, double value) {
    member_start(w, key);
    if (!isfinite(value)) {
        fputs("null", w->out);
        return;
    }
    fprintf(w->out, "%.9g", value);
}

void json_bool(json_writer *w, const char *key, bool value) {
    member_start(w, key);
    fputs(value ? "true" : "false", w->out);
}

void json_writer_finish(json_writer *w) {
    fputc('\n', w->out);
}
