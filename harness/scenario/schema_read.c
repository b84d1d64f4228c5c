/* schema_read.c - the scenario schema's generic readers (see schema_read.h). */
#include "harness/scenario/schema_read.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/units.h"

/* Records "FILE:LINE: PATH: message" (or "--set:PATH: message" for line 0, a value given by
 * --set) and returns RL_ERR_INVALID. */
int schema_fail(const schema_ctx *c, int line, const char *path, const char *format, ...) {
    char message[RL_ERROR_MESSAGE_BYTES];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (line > 0) {
        return rl_error_set(c->err, RL_ERR_INVALID, "%s:%d: %s: %s", c->file, line, path,
                            message);
    }
    return rl_error_set(c->err, RL_ERR_INVALID, "--set:%s: %s", path, message);
}

/* Appends item to the ", "-separated list in buf (size bytes). */
void schema_list_append(char *buf, size_t size, const char *item) {
    size_t used = strnlen(buf, size);
    if (used + 1 >= size) {
        return;
    }
    snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", item);
}

void schema_list_join(const char *const *items, char *buf, size_t size) {
    buf[0] = '\0';
    for (const char *const *item = items; *item != NULL; item++) {
        schema_list_append(buf, size, *item);
    }
}

void schema_enum_join(const enum_entry *entries, size_t count, char *buf, size_t size) {
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        schema_list_append(buf, size, entries[i].name);
    }
}

/* path of key inside m. */
void schema_key_path(const schema_map *m, const char *key, char *out, size_t size) {
    size_t length = strnlen(m->path, size - 1);
    memcpy(out, m->path, length);
    out[length] = '\0';
    ytree_path_append(out, size, key);
}

void schema_format_duration(int64_t us, char *buf) {
    units_format_duration(us, buf, SCHEMA_NUMBER_BYTES);
}

/* The line a value problem is reported on: a missing value is reported on its key's line. */
int schema_value_line(const ytree_pair *pair) {
    return pair->value->is_null ? pair->key_line : pair->value->line;
}

const ytree_pair *schema_get(const schema_map *m, const char *key) {
    return ytree_mapping_find(m->node, key);
}

bool schema_in_list(const char *const *list, const char *key) {
    for (const char *const *item = list; *item != NULL; item++) {
        if (strcmp(*item, key) == 0) {
            return true;
        }
    }
    return false;
}

/* Refuses any key of m not in allowed. */
int schema_check_keys(const schema_ctx *c, const schema_map *m, const char *const *allowed) {
    for (size_t i = 0; i < m->node->count; i++) {
        const ytree_pair *pair = &m->node->pairs[i];
        if (schema_in_list(allowed, pair->key)) {
            continue;
        }
        char path[YTREE_PATH_BYTES];
        char list[SCHEMA_LIST_BYTES];
        schema_key_path(m, pair->key, path, sizeof path);
        schema_list_join(allowed, list, sizeof list);
        return schema_fail(c, pair->key_line, path, "unknown key; allowed here: %s", list);
    }
    return RL_OK;
}

/* Refuses m without key; why says what m needs. Reported on the line m starts on. */
int schema_require(const schema_ctx *c, const schema_map *m, const char *key, const char *why) {
    if (schema_get(m, key) != NULL) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, key, path, sizeof path);
    return schema_fail(c, m->node->line, path, "missing; %s", why);
}

/* The text of pair's value, which must be a scalar; expected describes it for the message. */
int schema_value_text(const schema_ctx *c, const char *path, const ytree_pair *pair,
                      const char *expected, const char **out) {
    const ytree_node *value = pair->value;
    if (value->kind == YTREE_SCALAR && !value->is_null) {
        *out = value->text;
        return RL_OK;
    }
    if (value->kind == YTREE_SCALAR) {
        return schema_fail(c, schema_value_line(pair), path, "has no value; write %s", expected);
    }
    return schema_fail(c, schema_value_line(pair), path, "expected %s, got %s", expected,
                ytree_kind_phrase(value));
}

/* Opens pair's value as the mapping out; expected describes it for the message. */
int schema_open_map(const schema_ctx *c, const schema_map *parent, const ytree_pair *pair,
                    const char *expected, schema_map *out) {
    schema_key_path(parent, pair->key, out->path, sizeof out->path);
    out->node = pair->value;
    if (pair->value->kind == YTREE_MAPPING) {
        return RL_OK;
    }
    if (pair->value->kind == YTREE_SCALAR && pair->value->is_null) {
        return schema_fail(c, schema_value_line(pair), out->path,
                           "has no value; write %s, or leave the key out", expected);
    }
    return schema_fail(c, schema_value_line(pair), out->path, "expected %s, got %s", expected,
                ytree_kind_phrase(pair->value));
}

/* A key's value as text, where it is reported, and its path; pair is NULL when m lacks key. */
typedef struct key_scalar {
    const ytree_pair *pair;
    char path[YTREE_PATH_BYTES];
    const char *text;
    int line;
} key_scalar;

/* Finds key in m and its scalar text (expected describes it for the message). Returns 0 with
 * out->pair NULL when the key is absent, 0 with the value found, or the error of a value that
 * is not a scalar. */
static int key_scalar_find(const schema_ctx *c, const schema_map *m, const char *key,
                           const char *expected, key_scalar *out) {
    out->pair = schema_get(m, key);
    out->text = NULL;
    if (out->pair == NULL) {
        return RL_OK;
    }
    schema_key_path(m, key, out->path, sizeof out->path);
    out->line = schema_value_line(out->pair);
    return schema_value_text(c, out->path, out->pair, expected, &out->text);
}

/* Reads key of m as a duration in [min_us, max_us] into *out_us; leaves it when absent. */
int schema_read_duration(const schema_ctx *c, const schema_map *m, const char *key,
                         int64_t min_us, int64_t max_us, int64_t *out_us) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "a duration such as 250ms or 30s", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    rl_error local;
    int64_t value = 0;
    if (units_parse_duration_us(v.text, &value, &local) != RL_OK) {
        return schema_fail(c, v.line, v.path, "%s", local.message);
    }
    if (value < min_us || value > max_us) {
        char shown[SCHEMA_NUMBER_BYTES];
        char low[SCHEMA_NUMBER_BYTES];
        char high[SCHEMA_NUMBER_BYTES];
        schema_format_duration(value, shown);
        schema_format_duration(min_us, low);
        schema_format_duration(max_us, high);
        return schema_fail(c, v.line, v.path, "%s is out of range; allowed %s to %s", shown, low,
                    high);
    }
    *out_us = value;
    return RL_OK;
}

/* Reads key of m as a count in [min, max] into *out; leaves it when absent. */
int schema_read_count(const schema_ctx *c, const schema_map *m, const char *key, int64_t min,
                      int64_t max, int64_t *out) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "a whole number such as 20", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    rl_error local;
    int64_t value = 0;
    if (units_parse_count(v.text, &value, &local) != RL_OK) {
        return schema_fail(c, v.line, v.path, "%s", local.message);
    }
    if (value < min || value > max) {
        return schema_fail(c, v.line, v.path,
                    "%" PRId64 " is out of range; allowed %" PRId64 " to %" PRId64, value, min,
                    max);
    }
    *out = value;
    return RL_OK;
}

/* Reads key of m as a rate COUNT/PERIOD; leaves the outputs when absent. */
int schema_read_rate(const schema_ctx *c, const schema_map *m, const char *key,
                     int64_t *out_count, int64_t *out_period_us) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "a rate COUNT/PERIOD such as 120/min or 5/s", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    rl_error local;
    if (units_parse_rate(v.text, out_count, out_period_us, &local) != RL_OK) {
        return schema_fail(c, v.line, v.path, "%s", local.message);
    }
    return RL_OK;
}

/* Reads key of m as a probability in parts per million; leaves it when absent. */
int schema_read_ppm(const schema_ctx *c, const schema_map *m, const char *key, int64_t *out) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "a probability such as 10% or 0.1", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    rl_error local;
    if (units_parse_ppm(v.text, out, &local) != RL_OK) {
        return schema_fail(c, v.line, v.path, "%s", local.message);
    }
    return RL_OK;
}

/* Reads key of m as a decimal in thousandths, in [min_milli, max_milli]; leaves it when
 * absent. */
int schema_read_milli(const schema_ctx *c, const schema_map *m, const char *key,
                      int64_t min_milli, int64_t max_milli, int64_t *out_milli) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "a number such as 2 or 1.5", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    rl_error local;
    int64_t value = 0;
    if (units_parse_milli(v.text, &value, &local) != RL_OK) {
        return schema_fail(c, v.line, v.path, "%s", local.message);
    }
    if (value < min_milli || value > max_milli) {
        return schema_fail(c, v.line, v.path, "%s is out of range; allowed %" PRId64 ".%03" PRId64
                           " to %" PRId64 ".%03" PRId64, v.text, min_milli / 1000,
                           min_milli % 1000, max_milli / 1000, max_milli % 1000);
    }
    *out_milli = value;
    return RL_OK;
}

/* Reads key of m as true or false; leaves it when absent. */
int schema_read_bool(const schema_ctx *c, const schema_map *m, const char *key, bool *out) {
    key_scalar v;
    int status = key_scalar_find(c, m, key, "true or false", &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    if (strcmp(v.text, "true") == 0 || strcmp(v.text, "false") == 0) {
        *out = v.text[0] == 't';
        return RL_OK;
    }
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(v.text, quoted, sizeof quoted);
    return schema_fail(c, v.line, v.path, "\"%s\" is not a boolean; write true or false",
                quoted);
}

/* Reads key of m as one of entries; leaves *out when absent. */
int schema_read_enum(const schema_ctx *c, const schema_map *m, const char *key,
                     const enum_entry *entries, size_t count, int *out) {
    char list[SCHEMA_LIST_BYTES];
    schema_enum_join(entries, count, list, sizeof list);
    char expected[SCHEMA_LIST_BYTES + 16];
    snprintf(expected, sizeof expected, "one of %s", list);
    key_scalar v;
    int status = key_scalar_find(c, m, key, expected, &v);
    if (status != RL_OK || v.pair == NULL) {
        return status;
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(entries[i].name, v.text) == 0) {
            *out = entries[i].value;
            return RL_OK;
        }
    }
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(v.text, quoted, sizeof quoted);
    return schema_fail(c, v.line, v.path, "\"%s\" is not allowed; write %s", quoted, expected);
}

/* Checks name: 1 to 63 characters of A-Z a-z 0-9 _ - (and '.' when allow_dot). */
int schema_check_name(const schema_ctx *c, int line, const char *path, const char *name,
                      bool allow_dot) {
    const char *allowed = allow_dot ? "A-Z a-z 0-9 _ . -" : "A-Z a-z 0-9 _ -";
    size_t length = strlen(name);
    if (length == 0) {
        return schema_fail(c, line, path, "the name is empty; write 1 to %d characters of %s",
                    SCHEMA_NAME_CHARS_MAX, allowed);
    }
    if (length > SCHEMA_NAME_CHARS_MAX) {
        return schema_fail(c, line, path, "the name is %zu bytes long; at most %d characters of %s",
                    length, SCHEMA_NAME_CHARS_MAX, allowed);
    }
    for (size_t i = 0; i < length; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || (allow_dot && ch == '.');
        if (!ok) {
            char quoted[YTREE_QUOTE_BYTES];
            ytree_quote(name, quoted, sizeof quoted);
            return schema_fail(c, line, path, "\"%s\" is not a valid name; use only %s", quoted,
                        allowed);
        }
    }
    return RL_OK;
}


void schema_sequence_item(const char *list_path, const ytree_node *list, size_t index,
                          schema_map *out) {
    char number[SCHEMA_NUMBER_BYTES];
    snprintf(number, sizeof number, "%zu", index);
    snprintf(out->path, sizeof out->path, "%s", list_path);
    ytree_path_append(out->path, sizeof out->path, number);
    out->node = list->items[index];
}
