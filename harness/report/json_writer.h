/* json_writer.h - writing JSON to a FILE with indentation and escaping (write-only, no parsing). */
#ifndef RATELAB_JSON_WRITER_H
#define RATELAB_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_DEPTH_MAX 16

typedef struct json_writer {
    FILE *out;          /* borrowed */
    int depth;
    bool first[JSON_WRITER_DEPTH_MAX]; /* no member written yet at this depth */
} json_writer;

/* Starts writing a document to out (borrowed). */
void json_writer_init(json_writer *w, FILE *out);

/* Opens an object; key is NULL at the top level or inside an array. */
void json_object_begin(json_writer *w, const char *key);
void json_object_end(json_writer *w);

/* Members of the object being written. */
void json_string(json_writer *w, const char *key, const char *value);
void json_int(json_writer *w, const char *key, int64_t value);
void json_uint(json_writer *w, const char *key, uint64_t value);
void json_double(json_writer *w, const char *key, double value);
void json_bool(json_writer *w, const char *key, bool value);

/* Ends the document with a newline. */
void json_writer_finish(json_writer *w);

#endif
