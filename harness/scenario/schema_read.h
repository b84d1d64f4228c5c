/* schema_read.h - the scenario schema's generic readers: one key of a mapping, checked.
 *
 * Internal to the scenario loader (scenario_schema.c, scenario_faults.c, scenario_expect.c).
 * Every reader leaves its output alone when the key is absent, and reports the first problem as
 * "FILE:LINE: KEY.PATH: what; what is allowed" through schema_fail. */
#ifndef RATELAB_SCHEMA_READ_H
#define RATELAB_SCHEMA_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_tree.h"

#define SCHEMA_LIST_BYTES 200
#define SCHEMA_NUMBER_BYTES 32
#define SCHEMA_NAME_CHARS_MAX (SCENARIO_NAME_BYTES - 1)
#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* What every reader needs: the file for messages, where errors go, the scenario filled. */
typedef struct schema_ctx {
    const char *file;
    rl_error *err;
    scenario *out;
} schema_ctx;

/* A mapping being read and its dotted path ("" for the document). */
typedef struct schema_map {
    const ytree_node *node;
    char path[YTREE_PATH_BYTES];
} schema_map;

typedef struct enum_entry {
    const char *name;
    int value;
} enum_entry;

/* How the values of a distribution (or a single quantity) are read. */
typedef struct quantity_spec {
    bool is_time;          /* durations with units; otherwise counts */
    int64_t min;           /* the smallest value allowed */
    bool scalar_is_spread; /* a single value d means uniform in [0, d], not the constant d */
} quantity_spec;


/* Records "FILE:LINE: PATH: message" (or "--set:PATH: message" for line 0, a value given by
 * --set) and returns RL_ERR_INVALID. */
int schema_fail(const schema_ctx *c, int line, const char *path, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends item to the ", "-separated list in buf (size bytes). */
void schema_list_append(char *buf, size_t size, const char *item);

/* Writes items (NULL-terminated) into buf as one ", "-separated list. */
void schema_list_join(const char *const *items, char *buf, size_t size);

/* Writes the names of entries into buf as one ", "-separated list. */
void schema_enum_join(const enum_entry *entries, size_t count, char *buf, size_t size);

/* path of key inside m. */
void schema_key_path(const schema_map *m, const char *key, char *out, size_t size);

/* Writes us as a duration with its unit into buf (SCHEMA_NUMBER_BYTES). */
void schema_format_duration(int64_t us, char *buf);

/* The line a value problem is reported on: a missing value is reported on its key's line. */
int schema_value_line(const ytree_pair *pair);

/* The pair of key in m, or NULL; borrowed from the tree. */
const ytree_pair *schema_get(const schema_map *m, const char *key);

/* Whether key is one of list (NULL-terminated). */
bool schema_in_list(const char *const *list, const char *key);

/* Refuses any key of m not in allowed. */
int schema_check_keys(const schema_ctx *c, const schema_map *m, const char *const *allowed);

/* Refuses m without key; why says what m needs. Reported on the line m starts on. */
int schema_require(const schema_ctx *c, const schema_map *m, const char *key, const char *why);

/* The text of pair's value, which must be a scalar; expected describes it for the message. */
int schema_value_text(const schema_ctx *c, const char *path, const ytree_pair *pair,
                      const char *expected, const char **out);

/* Opens pair's value as the mapping out; expected describes it for the message. */
int schema_open_map(const schema_ctx *c, const schema_map *parent, const ytree_pair *pair,
                    const char *expected, schema_map *out);

/* Reads key of m as a duration in [min_us, max_us] into *out_us; leaves it when absent. */
int schema_read_duration(const schema_ctx *c, const schema_map *m, const char *key,
                         int64_t min_us, int64_t max_us, int64_t *out_us);

/* Reads key of m as a count in [min, max] into *out; leaves it when absent. */
int schema_read_count(const schema_ctx *c, const schema_map *m, const char *key, int64_t min,
                      int64_t max, int64_t *out);

/* Reads key of m as a rate COUNT/PERIOD; leaves the outputs when absent. */
int schema_read_rate(const schema_ctx *c, const schema_map *m, const char *key,
                     int64_t *out_count, int64_t *out_period_us);

/* Reads key of m as a probability in parts per million; leaves it when absent. */
int schema_read_ppm(const schema_ctx *c, const schema_map *m, const char *key, int64_t *out);

/* Reads key of m as a decimal in thousandths, in [min_milli, max_milli], into *out_milli;
 * leaves it when absent. */
int schema_read_milli(const schema_ctx *c, const schema_map *m, const char *key,
                      int64_t min_milli, int64_t max_milli, int64_t *out_milli);

/* Reads key of m as true or false; leaves it when absent. */
int schema_read_bool(const schema_ctx *c, const schema_map *m, const char *key, bool *out);

/* Reads key of m as one of entries; leaves *out when absent. */
int schema_read_enum(const schema_ctx *c, const schema_map *m, const char *key,
                     const enum_entry *entries, size_t count, int *out);

/* Checks name: 1 to 63 characters of A-Z a-z 0-9 _ - (and '.' when allow_dot). */
int schema_check_name(const schema_ctx *c, int line, const char *path, const char *name,
                      bool allow_dot);

/* Item index of the sequence list at list_path, as a map to read: its node (borrowed from the
 * tree, whatever its kind) and its path "list_path.index". */
void schema_sequence_item(const char *list_path, const ytree_node *list, size_t index,
                          schema_map *out);

#endif
