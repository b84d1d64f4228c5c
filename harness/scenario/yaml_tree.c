/* yaml_tree.c - reading one YAML document into a ytree, strictly, with libyaml's event API.
 *
 * The event API (rather than yaml_parser_load) lets us refuse anchors and aliases before any
 * node is shared, stop at the first node nested too deep, and keep our own mutable tree for
 * --set. Every libyaml event is deleted right after use and the parser on every path. */
#include "harness/scenario/yaml_tree.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "harness/core/rl_alloc.h"

/* How much of one path component a message shows. */
#define COMPONENT_BYTES_MAX 40

typedef struct ytree_builder {
    const char *name; /* the file, for messages */
    rl_error *err;
    ytree_node *root;
    ytree_node *stack[YTREE_DEPTH_MAX]; /* open collections, outermost first */
    int depth;
    int documents;
} ytree_builder;

void ytree_quote(const char *text, char *buf, size_t size) {
    if (size == 0) {
        return;
    }
    size_t limit = YTREE_QUOTE_BYTES - 8;
    size_t length = strlen(text);
    bool cut = length > limit;
    if (cut) {
        length = limit;
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

void ytree_path_append(char *path, size_t size, const char *component) {
    if (size == 0) {
        return;
    }
    size_t used = strnlen(path, size - 1);
    if (used > 0 && used + 1 < size) {
        path[used++] = '.';
    }
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(component, quoted, sizeof quoted);
    for (const char *p = quoted; *p != '\0' && used + 1 < size; p++) {
        path[used++] = *p;
    }
    path[used] = '\0';
}

const char *ytree_kind_phrase(const ytree_node *node) {
    switch (node->kind) {
    case YTREE_MAPPING: return "a mapping";
    case YTREE_SEQUENCE: return "a list";
    case YTREE_SCALAR: return node->is_null ? "nothing" : "a value";
    }
    return "a value";
}

void ytree_free(ytree_node *node) {
    if (node == NULL) {
        return;
    }
    for (size_t i = 0; node->kind == YTREE_MAPPING && i < node->count; i++) {
        rl_free(node->pairs[i].key);
        ytree_free(node->pairs[i].value);
    }
    for (size_t i = 0; node->kind == YTREE_SEQUENCE && i < node->count; i++) {
        ytree_free(node->items[i]);
    }
    rl_free(node->pairs);
    rl_free(node->items);
    rl_free(node->text);
    rl_free(node);
}

ytree_pair *ytree_mapping_find(const ytree_node *mapping, const char *key) {
    if (mapping == NULL || mapping->kind != YTREE_MAPPING) {
        return NULL;
    }
    for (size_t i = 0; i < mapping->count; i++) {
        if (strcmp(mapping->pairs[i].key, key) == 0) {
            return &mapping->pairs[i];
        }
    }
    return NULL;
}

/* A heap copy of text[0..length) with a terminating NUL; NULL when out of memory. */
static char *copy_span(const char *text, size_t length) {
    char *copy = rl_calloc(length + 1, 1);
    if (copy != NULL && length > 0) {
        memcpy(copy, text, length);
    }
    return copy;
}

ytree_node *ytree_scalar_new(const char *text, int line) {
    ytree_node *node = rl_calloc(1, sizeof *node);
    if (node == NULL) {
        return NULL;
    }
    node->kind = YTREE_SCALAR;
    node->line = line;
    node->text = copy_span(text, strlen(text));
    if (node->text == NULL) {
        rl_free(node);
        return NULL;
    }
    return node;
}

int ytree_scalar_set(ytree_node *scalar, const char *text, int line) {
    char *copy = copy_span(text, strlen(text));
    if (copy == NULL) {
        return RL_ERR_NOMEM;
    }
    rl_free(scalar->text);
    scalar->text = copy;
    scalar->line = line;
    scalar->is_null = false;
    return RL_OK;
}

/* Makes room for one more entry in a mapping or sequence. Returns 0 or RL_ERR_NOMEM. */
static int collection_reserve(ytree_node *node) {
    if (node->count < node->capacity) {
        return RL_OK;
    }
    size_t capacity = node->capacity == 0 ? 4 : node->capacity * 2;
    if (node->kind == YTREE_MAPPING) {
        ytree_pair *pairs = rl_reallocarray(node->pairs, capacity, sizeof *pairs);
        if (pairs == NULL) {
            return RL_ERR_NOMEM;
        }
        node->pairs = pairs;
    } else {
        ytree_node **items = rl_reallocarray(node->items, capacity, sizeof *items);
        if (items == NULL) {
            return RL_ERR_NOMEM;
        }
        node->items = items;
    }
    node->capacity = capacity;
    return RL_OK;
}

ytree_node *ytree_collection_new(ytree_kind kind, int line) {
    assert(kind == YTREE_MAPPING || kind == YTREE_SEQUENCE);
    ytree_node *node = rl_calloc(1, sizeof *node);
    if (node != NULL) {
        node->kind = kind;
        node->line = line;
    }
    return node;
}

int ytree_sequence_add(ytree_node *sequence, ytree_node *item) {
    assert(sequence->kind == YTREE_SEQUENCE);
    if (collection_reserve(sequence) != RL_OK) {
        ytree_free(item);
        return RL_ERR_NOMEM;
    }
    sequence->items[sequence->count++] = item;
    return RL_OK;
}

int ytree_mapping_add(ytree_node *mapping, const char *key, int key_line, ytree_node *value) {
    char *key_copy = copy_span(key, strlen(key));
    if (key_copy == NULL || collection_reserve(mapping) != RL_OK) {
        rl_free(key_copy);
        ytree_free(value);
        return RL_ERR_NOMEM;
    }
    ytree_pair *pair = &mapping->pairs[mapping->count++];
    pair->key = key_copy;
    pair->key_line = key_line;
    pair->value = value;
    return RL_OK;
}

/* The 1-based line of mark, saturated. */
static int mark_line(yaml_mark_t mark) {
    return mark.line >= (size_t)INT_MAX ? INT_MAX : (int)mark.line + 1;
}

/* The dotted path of the position the next node goes to, into path (size bytes). */
static void builder_path(const ytree_builder *b, char *path, size_t size) {
    path[0] = '\0';
    for (int level = 0; level < b->depth; level++) {
        const ytree_node *node = b->stack[level];
        bool top = level == b->depth - 1;
        if (node->kind == YTREE_MAPPING) {
            if (node->count == 0 || (top && node->pairs[node->count - 1].value != NULL)) {
                break; /* at a key: the path ends at the mapping */
            }
            ytree_path_append(path, size, node->pairs[node->count - 1].key);
        } else {
            char index[24];
            snprintf(index, sizeof index, "%zu", top ? node->count : node->count - 1);
            ytree_path_append(path, size, index);
        }
    }
}

/* Records "NAME:LINE: PATH: message" (PATH omitted when empty) and returns RL_ERR_INVALID. */
static int builder_fail(const ytree_builder *b, int line, const char *path, const char *message) {
    if (path[0] == '\0') {
        return rl_error_set(b->err, RL_ERR_INVALID, "%s:%d: %s", b->name, line, message);
    }
    return rl_error_set(b->err, RL_ERR_INVALID, "%s:%d: %s: %s", b->name, line, path, message);
}

/* Whether a plain scalar of this text means null (a key written with no value). */
static bool text_is_null(const char *text, size_t length) {
    static const char *const NULLS[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof NULLS / sizeof NULLS[0]; i++) {
        if (strlen(NULLS[i]) == length && memcmp(NULLS[i], text, length) == 0) {
            return true;
        }
    }
    return false;
}

/* Adds the key scalar of event to the mapping at the top of the stack. */
static int builder_key(ytree_builder *b, const yaml_event_t *event) {
    ytree_node *mapping = b->stack[b->depth - 1];
    const char *text = (const char *)event->data.scalar.value;
    size_t length = event->data.scalar.length;
    int line = mark_line(event->start_mark);
    char path[YTREE_PATH_BYTES];
    builder_path(b, path, sizeof path);
    if (memchr(text, '\0', length) != NULL) {
        return builder_fail(b, line, path, "a key holds a NUL character (\\0); keys are names");
    }
    ytree_path_append(path, sizeof path, text);
    ytree_pair *first = ytree_mapping_find(mapping, text);
    if (first != NULL) {
        char message[96];
        snprintf(message, sizeof message,
                 "duplicate key (first at line %d); each key may appear once", first->key_line);
        return builder_fail(b, line, path, message);
    }
    if (mapping->count >= YTREE_ENTRIES_MAX) {
        return builder_fail(b, line, path,
                            "one key too many; a mapping holds at most 256 keys");
    }
    char *key = copy_span(text, length);
    if (key == NULL || collection_reserve(mapping) != RL_OK) {
        rl_free(key);
        return rl_error_set(b->err, RL_ERR_NOMEM, "%s: out of memory reading YAML", b->name);
    }
    ytree_pair *pair = &mapping->pairs[mapping->count++];
    pair->key = key;
    pair->key_line = line;
    pair->value = NULL;
    return RL_OK;
}

/* Links node under the top of the stack (or as the root); frees it when that fails. */
static int builder_attach(ytree_builder *b, ytree_node *node) {
    if (b->depth == 0) {
        b->root = node;
        return RL_OK;
    }
    ytree_node *parent = b->stack[b->depth - 1];
    if (parent->kind == YTREE_MAPPING) {
        parent->pairs[parent->count - 1].value = node;
        return RL_OK;
    }
    if (parent->count >= YTREE_ENTRIES_MAX) {
        char path[YTREE_PATH_BYTES];
        builder_path(b, path, sizeof path);
        ytree_free(node);
        return builder_fail(b, node->line == 0 ? 1 : node->line, path,
                            "one item too many; a list holds at most 256 items");
    }
    if (collection_reserve(parent) != RL_OK) {
        ytree_free(node);
        return rl_error_set(b->err, RL_ERR_NOMEM, "%s: out of memory reading YAML", b->name);
    }
    parent->items[parent->count++] = node;
    return RL_OK;
}

/* Refuses what a scenario never needs on a node event: anchors, tags, complex keys, depth. */
static int builder_check_node(const ytree_builder *b, const yaml_event_t *event) {
    int line = mark_line(event->start_mark);
    const yaml_char_t *anchor = NULL;
    const yaml_char_t *tag = NULL;
    if (event->type == YAML_SCALAR_EVENT) {
        anchor = event->data.scalar.anchor;
        tag = event->data.scalar.tag;
    } else if (event->type == YAML_SEQUENCE_START_EVENT) {
        anchor = event->data.sequence_start.anchor;
        tag = event->data.sequence_start.tag;
    } else {
        anchor = event->data.mapping_start.anchor;
        tag = event->data.mapping_start.tag;
    }
    char path[YTREE_PATH_BYTES];
    builder_path(b, path, sizeof path);
    if (anchor != NULL) {
        return builder_fail(b, line, path,
                            "anchors (&name) are not allowed; write each value out in full");
    }
    if (tag != NULL) {
        return builder_fail(b, line, path,
                            "tags (!name, !!type) are not allowed; write the plain value");
    }
    const ytree_node *parent = b->depth > 0 ? b->stack[b->depth - 1] : NULL;
    bool at_key = parent != NULL && parent->kind == YTREE_MAPPING &&
                  (parent->count == 0 || parent->pairs[parent->count - 1].value != NULL);
    if (at_key && event->type != YAML_SCALAR_EVENT) {
        return builder_fail(b, line, path,
                            "a key is a mapping or a list; keys are plain names");
    }
    if (event->type != YAML_SCALAR_EVENT && b->depth >= YTREE_DEPTH_MAX) {
        return builder_fail(b, line, path,
                            "nested deeper than 32 levels; a scenario nests at most 6 deep");
    }
    return RL_OK;
}

/* Handles a scalar, sequence-start or mapping-start event. */
static int builder_node(ytree_builder *b, const yaml_event_t *event) {
    int status = builder_check_node(b, event);
    if (status != RL_OK) {
        return status;
    }
    const ytree_node *parent = b->depth > 0 ? b->stack[b->depth - 1] : NULL;
    if (parent != NULL && parent->kind == YTREE_MAPPING &&
        (parent->count == 0 || parent->pairs[parent->count - 1].value != NULL)) {
        return builder_key(b, event);
    }
    int line = mark_line(event->start_mark);
    ytree_node *node = rl_calloc(1, sizeof *node);
    if (node == NULL) {
        return rl_error_set(b->err, RL_ERR_NOMEM, "%s: out of memory reading YAML", b->name);
    }
    node->line = line;
    if (event->type == YAML_SCALAR_EVENT) {
        const char *text = (const char *)event->data.scalar.value;
        size_t length = event->data.scalar.length;
        node->kind = YTREE_SCALAR;
        node->is_null = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                        text_is_null(text, length);
        node->text = copy_span(text, length);
        if (node->text == NULL) {
            ytree_free(node);
            return rl_error_set(b->err, RL_ERR_NOMEM, "%s: out of memory reading YAML", b->name);
        }
        if (memchr(text, '\0', length) != NULL) {
            char path[YTREE_PATH_BYTES];
            builder_path(b, path, sizeof path);
            ytree_free(node);
            return builder_fail(b, line, path,
                                "the value holds a NUL character (\\0); write text without it");
        }
        return builder_attach(b, node);
    }
    node->kind = event->type == YAML_SEQUENCE_START_EVENT ? YTREE_SEQUENCE : YTREE_MAPPING;
    status = builder_attach(b, node);
    if (status != RL_OK) {
        return status;
    }
    b->stack[b->depth++] = node;
    return RL_OK;
}

/* Turns libyaml's error into one message line. */
static int builder_parser_error(const ytree_builder *b, const yaml_parser_t *parser,
                                const char *text, size_t length) {
    if (parser->error == YAML_MEMORY_ERROR) {
        return rl_error_set(b->err, RL_ERR_NOMEM, "%s: out of memory reading YAML", b->name);
    }
    const char *problem = parser->problem != NULL ? parser->problem : "unreadable YAML";
    int line = 1;
    if (parser->error == YAML_READER_ERROR) {
        size_t end = parser->problem_offset < length ? parser->problem_offset : length;
        for (size_t i = 0; i < end; i++) {
            line += text[i] == '\n';
        }
    } else {
        line = mark_line(parser->problem_mark);
    }
    if (parser->context != NULL) {
        return rl_error_set(b->err, RL_ERR_INVALID,
                            "%s:%d: invalid YAML: %s (%s at line %d); check indentation, colons "
                            "and quotes",
                            b->name, line, problem, parser->context,
                            mark_line(parser->context_mark));
    }
    return rl_error_set(b->err, RL_ERR_INVALID,
                        "%s:%d: invalid YAML: %s; check indentation, colons and quotes", b->name,
                        line, problem);
}

/* Handles one event; sets *done at the end of the stream. */
static int builder_event(ytree_builder *b, const yaml_event_t *event, bool *done) {
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        b->documents++;
        if (b->documents > 1) {
            return rl_error_set(b->err, RL_ERR_INVALID,
                                "%s:%d: a second YAML document starts here; a scenario file "
                                "holds one document",
                                b->name, mark_line(event->start_mark));
        }
        return RL_OK;
    case YAML_ALIAS_EVENT: {
        char path[YTREE_PATH_BYTES];
        builder_path(b, path, sizeof path);
        return builder_fail(b, mark_line(event->start_mark), path,
                            "aliases (*name) are not allowed; write each value out in full");
    }
    case YAML_SCALAR_EVENT:
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return builder_node(b, event);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0) {
            b->depth--;
        }
        return RL_OK;
    case YAML_STREAM_END_EVENT:
        *done = true;
        return RL_OK;
    default:
        return RL_OK;
    }
}

int ytree_parse(const char *text, size_t length, const char *name, ytree_node **out_root,
                rl_error *err) {
    *out_root = NULL;
    ytree_builder b = {.name = name, .err = err};
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        return rl_error_set(err, RL_ERR_NOMEM, "%s: out of memory reading YAML", name);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    int status = RL_OK;
    bool done = false;
    while (!done && status == RL_OK) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = builder_parser_error(&b, &parser, text, length);
            break;
        }
        status = builder_event(&b, &event, &done);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    if (status != RL_OK) {
        ytree_free(b.root);
        return status;
    }
    *out_root = b.root;
    return RL_OK;
}
