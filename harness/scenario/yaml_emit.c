/* yaml_emit.c - writing a ytree back out as YAML text, with libyaml's emitter.
 *
 * The scenario loader reads every scalar as text, so any style that gives the same text back is
 * right; libyaml picks plain where it can. Two cases need a choice: a null scalar is written as
 * `~`, and text that a plain scalar would turn into null ("", "~", "null") is double-quoted.
 * Multi-line text (descriptions) is written as a literal block, as people write it. */
#include "harness/scenario/yaml_tree.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "harness/core/rl_alloc.h"

/* Largest text written: a scenario file is at most 1 MiB, and quoting can double it. */
#define EMIT_BYTES_MAX ((size_t)4 << 20)

/* The growing buffer libyaml writes into. */
typedef struct emit_buffer {
    char *text;
    size_t length;
    size_t capacity;
    bool failed; /* out of memory or over EMIT_BYTES_MAX */
} emit_buffer;

static int emit_write(void *data, unsigned char *bytes, size_t size) {
    emit_buffer *b = data;
    if (b->length + size + 1 > EMIT_BYTES_MAX) {
        b->failed = true;
        return 0;
    }
    if (b->length + size + 1 > b->capacity) {
        size_t capacity = b->capacity == 0 ? 4096 : b->capacity;
        while (capacity < b->length + size + 1) {
            capacity *= 2;
        }
        char *text = rl_reallocarray(b->text, capacity, 1);
        if (text == NULL) {
            b->failed = true;
            return 0;
        }
        b->text = text;
        b->capacity = capacity;
    }
    memcpy(b->text + b->length, bytes, size);
    b->length += size;
    b->text[b->length] = '\0';
    return 1;
}

/* Whether a plain scalar of this text would read back as null. */
static bool reads_as_null(const char *text) {
    return strcmp(text, "") == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
           strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0;
}

static int emit_event(yaml_emitter_t *emitter, yaml_event_t *event) {
    return yaml_emitter_emit(emitter, event) ? 0 : -1;
}

static int emit_scalar(yaml_emitter_t *emitter, const ytree_node *node) {
    yaml_event_t event;
    const char *text = node->is_null ? "~" : node->text;
    yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
    if (!node->is_null && reads_as_null(text)) {
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    } else if (strchr(text, '\n') != NULL) {
        style = YAML_LITERAL_SCALAR_STYLE;
    }
    if (!yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                      1, 1, style)) {
        return -1;
    }
    return emit_event(emitter, &event);
}

static int emit_key(yaml_emitter_t *emitter, const char *key) {
    yaml_event_t event;
    yaml_scalar_style_t style =
        reads_as_null(key) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    if (!yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)key, (int)strlen(key),
                                      1, 1, style)) {
        return -1;
    }
    return emit_event(emitter, &event);
}

/* Emits node and everything under it (the tree is at most YTREE_DEPTH_MAX deep). */
static int emit_node(yaml_emitter_t *emitter, const ytree_node *node) {
    yaml_event_t event;
    if (node->kind == YTREE_SCALAR) {
        return emit_scalar(emitter, node);
    }
    if (node->kind == YTREE_MAPPING) {
        if (!yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
            emit_event(emitter, &event) != 0) {
            return -1;
        }
        for (size_t i = 0; i < node->count; i++) {
            if (emit_key(emitter, node->pairs[i].key) != 0 ||
                emit_node(emitter, node->pairs[i].value) != 0) {
                return -1;
            }
        }
        yaml_mapping_end_event_initialize(&event);
        return emit_event(emitter, &event);
    }
    if (!yaml_sequence_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
        emit_event(emitter, &event) != 0) {
        return -1;
    }
    for (size_t i = 0; i < node->count; i++) {
        if (emit_node(emitter, node->items[i]) != 0) {
            return -1;
        }
    }
    yaml_sequence_end_event_initialize(&event);
    return emit_event(emitter, &event);
}

/* The stream and document around root. */
static int emit_document(yaml_emitter_t *emitter, const ytree_node *root) {
    yaml_event_t event;
    if (!yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) ||
        emit_event(emitter, &event) != 0 ||
        !yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1) ||
        emit_event(emitter, &event) != 0 || emit_node(emitter, root) != 0 ||
        !yaml_document_end_event_initialize(&event, 1) || emit_event(emitter, &event) != 0 ||
        !yaml_stream_end_event_initialize(&event) || emit_event(emitter, &event) != 0) {
        return -1;
    }
    return 0;
}

int ytree_emit(const ytree_node *root, char **out_text, size_t *out_length, rl_error *err) {
    *out_text = NULL;
    *out_length = 0;
    yaml_emitter_t emitter;
    if (!yaml_emitter_initialize(&emitter)) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory writing YAML");
    }
    emit_buffer buffer = {.text = NULL};
    yaml_emitter_set_output(&emitter, emit_write, &buffer);
    yaml_emitter_set_unicode(&emitter, 1);
    yaml_emitter_set_width(&emitter, 100);
    yaml_emitter_set_indent(&emitter, 2);
    int status = emit_document(&emitter, root);
    if (status == 0 && !yaml_emitter_flush(&emitter)) {
        status = -1;
    }
    char problem[128];
    snprintf(problem, sizeof problem, "%s",
             emitter.problem != NULL ? emitter.problem : "out of memory");
    yaml_emitter_delete(&emitter);
    if (status != 0 || buffer.failed || buffer.text == NULL) {
        rl_free(buffer.text);
        return rl_error_set(err, buffer.failed ? RL_ERR_NOMEM : RL_ERR_INVALID,
                            "cannot write the scenario as YAML: %s", problem);
    }
    *out_text = buffer.text;
    *out_length = buffer.length;
    return RL_OK;
}
