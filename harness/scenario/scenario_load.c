/* scenario_load.c - reading a scenario from a file or from memory, with --set overrides.
 *
 * The steps: refuse oversized, binary and non-UTF-8 input; read the YAML into a tree
 * (yaml_tree.c); apply the overrides to the tree; turn the tree into a scenario, checking every
 * key and value (scenario_schema.c). The tree is freed on every path; nothing outlives a call.
 *
 * An override's path is borrowed from the text given to scenario_override_parse, so it is not
 * cut at the '=': a path ends at the first '=' or at its NUL, whichever comes first. */
#include "harness/scenario/scenario_load.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/scenario/scenario_schema.h"
#include "harness/scenario/yaml_tree.h"

/* Largest scenario file, and largest --set value. */
#define SCENARIO_FILE_BYTES_MAX ((size_t)1 << 20)

/* What a --set path is made of: keys and names of the format, list indexes, dots. Anything else
 * can match no key, and would make the messages that repeat the path more than one line. */
#define PATH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."

/* Stands for the file in messages when the caller gives no name. */
#define UNNAMED_SOURCE "<scenario>"

/* The length of a valid UTF-8 sequence starting at text[0] (at most length bytes), or 0. Refuses
 * overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_sequence_length(const unsigned char *text, size_t length) {
    unsigned char lead = text[0];
    if (lead < 0x80u) {
        return 1;
    }
    size_t need = 0;
    unsigned char low = 0x80u;
    unsigned char high = 0xBFu;
    if (lead >= 0xC2u && lead <= 0xDFu) {
        need = 2;
    } else if (lead >= 0xE0u && lead <= 0xEFu) {
        need = 3;
        low = lead == 0xE0u ? 0xA0u : 0x80u;
        high = lead == 0xEDu ? 0x9Fu : 0xBFu;
    } else if (lead >= 0xF0u && lead <= 0xF4u) {
        need = 4;
        low = lead == 0xF0u ? 0x90u : 0x80u;
        high = lead == 0xF4u ? 0x8Fu : 0xBFu;
    } else {
        return 0;
    }
    if (need > length || text[1] < low || text[1] > high) {
        return 0;
    }
    for (size_t i = 2; i < need; i++) {
        if (text[i] < 0x80u || text[i] > 0xBFu) {
            return 0;
        }
    }
    return need;
}

/* Whether text[0..length) is valid UTF-8; if not, *bad_offset is the first bad byte. */
static bool utf8_valid(const char *text, size_t length, size_t *bad_offset) {
    const unsigned char *bytes = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        size_t step = utf8_sequence_length(bytes + i, length - i);
        if (step == 0) {
            *bad_offset = i;
            return false;
        }
        i += step;
    }
    return true;
}

/* The 1-based line of text[offset]. */
static int line_of_offset(const char *text, size_t offset) {
    int line = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n' && line < 0x7FFFFFFF) {
            line++;
        }
    }
    return line;
}

int scenario_override_parse(const char *text, scenario_override *out, rl_error *err) {
    if (text == NULL || out == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "--set: nothing given; write PATH=VALUE such as "
                                                 "limiters.shared.rate=10/s");
    }
    const char *equals = strchr(text, '=');
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(text, quoted, sizeof quoted);
    if (equals == NULL) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set \"%s\": no '='; write PATH=VALUE such as "
                            "limiters.shared.rate=10/s",
                            quoted);
    }
    if (equals == text) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set \"%s\": no path before '='; write PATH=VALUE such as "
                            "limiters.shared.rate=10/s",
                            quoted);
    }
    out->path = text;
    out->value = equals + 1;
    return RL_OK;
}

/* The path of o (up to '=' or NUL) copied into buf; false when it does not fit or is empty. */
static bool override_path_copy(const scenario_override *o, char *buf, size_t size) {
    size_t length = strcspn(o->path, "=");
    if (length == 0 || length >= size) {
        return false;
    }
    memcpy(buf, o->path, length);
    buf[length] = '\0';
    return true;
}

/* Index of a sequence written as digits, or -1 when component is not one below count. */
static long sequence_index(const char *component, size_t count) {
    size_t length = strlen(component);
    if (length == 0 || length > 6 || strspn(component, "0123456789") != length) {
        return -1;
    }
    long index = 0;
    for (size_t i = 0; i < length; i++) {
        index = index * 10 + (component[i] - '0');
    }
    return (size_t)index < count ? index : -1;
}

/* Replaces the scalar value at the end of a path, or refuses a mapping or list there. */
static int override_set_scalar(ytree_node *node, const char *path, const char *value,
                               rl_error *err) {
    if (node->kind != YTREE_SCALAR) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set %s: is %s in the scenario; --set replaces single values, so "
                            "give the path of one value inside it",
                            path, ytree_kind_phrase(node));
    }
    if (ytree_scalar_set(node, value, 0) != RL_OK) {
        return rl_error_set(err, RL_ERR_NOMEM, "--set %s: out of memory", path);
    }
    return RL_OK;
}

/* One step of an override's path: from *node through component (the last one when last). */
static int override_step(ytree_node **node, const char *component, bool last, const char *path,
                         const char *prefix, const char *value, rl_error *err) {
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(component, quoted, sizeof quoted);
    ytree_node *here = *node;
    if (here->kind == YTREE_MAPPING) {
        ytree_pair *pair = ytree_mapping_find(here, component);
        if (pair != NULL) {
            *node = pair->value;
            return last ? override_set_scalar(pair->value, path, value, err) : RL_OK;
        }
        if (last) {
            ytree_node *scalar = ytree_scalar_new(value, 0);
            if (scalar == NULL || ytree_mapping_add(here, component, 0, scalar) != RL_OK) {
                return rl_error_set(err, RL_ERR_NOMEM, "--set %s: out of memory", path);
            }
            return RL_OK;
        }
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set %s: %s has no key \"%s\"; --set may add only the last key of "
                            "a path, inside a mapping the file has",
                            path, prefix[0] != '\0' ? prefix : "the scenario", quoted);
    }
    if (here->kind == YTREE_SEQUENCE) {
        long index = sequence_index(component, here->count);
        if (index < 0) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "--set %s: %s is a list of %zu; \"%s\" is not an index from 0 "
                                "to %zu",
                                path, prefix, here->count, quoted,
                                here->count > 0 ? here->count - 1 : 0);
        }
        *node = here->items[index];
        return last ? override_set_scalar(*node, path, value, err) : RL_OK;
    }
    return rl_error_set(err, RL_ERR_INVALID,
                        "--set %s: %s is a single value, not a mapping; shorten the path", path,
                        prefix);
}

/* Applies one override to the tree under root (a mapping). */
static int override_apply(ytree_node *root, const scenario_override *o, rl_error *err) {
    char path[YTREE_PATH_BYTES];
    if (o->path == NULL || o->value == NULL || !override_path_copy(o, path, sizeof path)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set: the path is empty or longer than %d bytes; write PATH=VALUE "
                            "such as limiters.shared.rate=10/s",
                            YTREE_PATH_BYTES - 1);
    }
    size_t path_length = strlen(path);
    size_t plain = strspn(path, PATH_CHARS);
    if (plain < path_length) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set \"%.*s\" then byte 0x%02X: not allowed in a path; write keys "
                            "of A-Z a-z 0-9 _ - separated by dots, such as pods.workers.count",
                            (int)(plain < 40 ? plain : 40), path, (unsigned char)path[plain]);
    }
    size_t value_length = strlen(o->value);
    size_t bad = 0;
    if (value_length > SCENARIO_FILE_BYTES_MAX) {
        return rl_error_set(err, RL_ERR_INVALID, "--set:%s: the value is over 1 MiB; shorten it",
                            path);
    }
    if (!utf8_valid(o->value, value_length, &bad)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set:%s: the value is not valid UTF-8 (byte %zu); give UTF-8 text",
                            path, bad);
    }
    if (path[0] == '.' || path[path_length - 1] == '.' || strstr(path, "..") != NULL) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "--set %s: an empty key in the path; write keys separated by single "
                            "dots, such as pods.workers.count",
                            path);
    }
    char components[YTREE_PATH_BYTES];
    memcpy(components, path, sizeof components);
    char prefix[YTREE_PATH_BYTES] = "";
    ytree_node *node = root;
    char *component = components;
    for (;;) {
        char *dot = strchr(component, '.');
        bool last = dot == NULL;
        if (!last) {
            *dot = '\0';
        }
        int status = override_step(&node, component, last, path, prefix, o->value, err);
        if (status != RL_OK || last) {
            return status;
        }
        ytree_path_append(prefix, sizeof prefix, component);
        component = dot + 1;
    }
}

/* Refuses input that is too large, binary or not UTF-8, before libyaml sees it. */
static int check_text(const char *text, size_t length, const char *name, rl_error *err) {
    if (length > SCENARIO_FILE_BYTES_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s: the file is %zu bytes; a scenario file is at most 1 MiB "
                            "(1048576 bytes)",
                            name, length);
    }
    const char *nul = memchr(text, '\0', length);
    if (nul != NULL) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:%d: a NUL byte; a scenario file is UTF-8 text, not binary", name,
                            line_of_offset(text, (size_t)(nul - text)));
    }
    size_t bad = 0;
    if (!utf8_valid(text, length, &bad)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:%d: byte 0x%02X is not valid UTF-8; save the file as UTF-8",
                            name, line_of_offset(text, bad), (unsigned char)text[bad]);
    }
    return RL_OK;
}

/* Refuses a document that is empty or not a mapping. */
static int check_root(const ytree_node *root, const char *name, rl_error *err) {
    if (root == NULL || (root->kind == YTREE_SCALAR && root->is_null)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:1: empty file; a scenario needs name, duration, apis and pods",
                            name);
    }
    if (root->kind != YTREE_MAPPING) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s:%d: the document is %s; a scenario is a mapping of keys (name, "
                            "duration, apis, pods, ...)",
                            name, root->line, ytree_kind_phrase(root));
    }
    return RL_OK;
}

/* Reads text into a tree and applies the overrides: into *out_root (the caller frees it with
 * ytree_free), or an error with nothing allocated. */
static int load_tree(const char *text, size_t length, const char *name,
                     const scenario_override *overrides, size_t override_count,
                     ytree_node **out_root, rl_error *err) {
    *out_root = NULL;
    if (text == NULL && length > 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: no text given", name);
    }
    if (overrides == NULL && override_count > 0) {
        return rl_error_set(err, RL_ERR_INVALID, "--set: %zu overrides but no list",
                            override_count);
    }
    int status = check_text(text == NULL ? "" : text, length, name, err);
    if (status != RL_OK) {
        return status;
    }
    /* A UTF-8 byte-order mark (some editors on Windows write one) is not part of the text: was
     * "FILE:2: invalid YAML: did not find expected <document start>". */
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        length -= 3;
    }
    ytree_node *root = NULL;
    status = ytree_parse(text == NULL ? "" : text, length, name, &root, err);
    if (status == RL_OK) {
        status = check_root(root, name, err);
    }
    for (size_t i = 0; status == RL_OK && i < override_count; i++) {
        status = override_apply(root, &overrides[i], err);
    }
    if (status != RL_OK) {
        ytree_free(root);
        return status;
    }
    *out_root = root;
    return RL_OK;
}

int scenario_load_text(const char *text, size_t length, const char *name,
                       const scenario_override *overrides, size_t override_count, scenario *out,
                       rl_error *err) {
    if (name == NULL) {
        name = UNNAMED_SOURCE;
    }
    ytree_node *root = NULL;
    int status = load_tree(text, length, name, overrides, override_count, &root, err);
    if (status == RL_OK) {
        snprintf(out->source_path, sizeof out->source_path, "%s", name);
        status = scenario_schema_read(root, name, out, err);
    }
    ytree_free(root);
    return status;
}

/* Reads all of path (at most SCENARIO_FILE_BYTES_MAX + 1 bytes) into a new buffer in *out_text.
 * The caller frees it with rl_free. */
static int read_file(const char *path, char **out_text, size_t *out_length, rl_error *err) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return rl_error_set(err, RL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    char *text = rl_calloc(SCENARIO_FILE_BYTES_MAX + 2, 1);
    if (text == NULL) {
        fclose(file);
        return rl_error_set(err, RL_ERR_NOMEM, "%s: out of memory reading the file", path);
    }
    size_t length = fread(text, 1, SCENARIO_FILE_BYTES_MAX + 1, file);
    int failed = ferror(file);
    int saved_errno = errno;
    fclose(file);
    if (failed) {
        rl_free(text);
        return rl_error_set(err, RL_ERR_IO, "%s: cannot read: %s", path, strerror(saved_errno));
    }
    *out_text = text;
    *out_length = length;
    return RL_OK;
}

int scenario_load_file(const char *path, const scenario_override *overrides, size_t override_count,
                       scenario *out, rl_error *err) {
    if (path == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "no scenario file given");
    }
    char *text = NULL;
    size_t length = 0;
    int status = read_file(path, &text, &length, err);
    if (status != RL_OK) {
        return status;
    }
    if (length > SCENARIO_FILE_BYTES_MAX) {
        status = rl_error_set(err, RL_ERR_INVALID,
                              "%s: the file is over 1 MiB; a scenario file is at most 1 MiB "
                              "(1048576 bytes)",
                              path);
    } else {
        status = scenario_load_text(text, length, path, overrides, override_count, out, err);
    }
    rl_free(text);
    return status;
}

/* A `sweep:` mapping holding the keys of sweep[0..count), or NULL when out of memory. */
static ytree_node *sweep_tree_new(const scenario_sweep_key *sweep, int count) {
    ytree_node *mapping = ytree_collection_new(YTREE_MAPPING, 0);
    for (int k = 0; mapping != NULL && k < count; k++) {
        ytree_node *values = ytree_collection_new(YTREE_SEQUENCE, 0);
        for (int v = 0; values != NULL && v < sweep[k].value_count; v++) {
            ytree_node *value = ytree_scalar_new(sweep[k].values[v], 0);
            if (value == NULL || ytree_sequence_add(values, value) != RL_OK) {
                ytree_free(values);
                values = NULL;
            }
        }
        if (values == NULL || ytree_mapping_add(mapping, sweep[k].path, 0, values) != RL_OK) {
            ytree_free(mapping);
            mapping = NULL;
        }
    }
    return mapping;
}

/* Replaces the root's `sweep:` by sweep[0..count), or removes it when count is 0. */
static int sweep_replace(ytree_node *root, const scenario_sweep_key *sweep, int count) {
    for (size_t i = 0; i < root->count; i++) {
        if (strcmp(root->pairs[i].key, "sweep") == 0) {
            rl_free(root->pairs[i].key);
            ytree_free(root->pairs[i].value);
            memmove(&root->pairs[i], &root->pairs[i + 1],
                    (root->count - i - 1) * sizeof root->pairs[0]);
            root->count--;
            break;
        }
    }
    if (count == 0) {
        return RL_OK;
    }
    ytree_node *mapping = sweep_tree_new(sweep, count);
    if (mapping == NULL) {
        return RL_ERR_NOMEM;
    }
    return ytree_mapping_add(root, "sweep", 0, mapping);
}

int scenario_effective_yaml(const char *path, const scenario_override *overrides,
                            size_t override_count, const scenario_sweep_key *sweep,
                            int sweep_count, char **out_text, size_t *out_length, rl_error *err) {
    *out_text = NULL;
    *out_length = 0;
    char *text = NULL;
    size_t length = 0;
    int status = read_file(path, &text, &length, err);
    if (status != RL_OK) {
        return status;
    }
    ytree_node *root = NULL;
    if (length > SCENARIO_FILE_BYTES_MAX) {
        status = rl_error_set(err, RL_ERR_INVALID, "%s: the file is over 1 MiB", path);
    } else {
        status = load_tree(text, length, path, overrides, override_count, &root, err);
    }
    rl_free(text);
    if (status == RL_OK && sweep_replace(root, sweep, sweep_count) != RL_OK) {
        status = rl_error_set(err, RL_ERR_NOMEM, "%s: out of memory writing the sweep", path);
    }
    if (status == RL_OK) {
        status = ytree_emit(root, out_text, out_length, err);
    }
    ytree_free(root);
    return status;
}
