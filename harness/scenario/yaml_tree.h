/* yaml_tree.h - a YAML document as a small mutable tree, read strictly with libyaml's event API.
 *
 * Internal to the scenario loader. The tree holds only what a scenario needs: mappings with
 * plain-text keys, sequences and scalars, each with the line it starts on. Anchors, aliases,
 * tags, complex keys, duplicate keys, NUL characters, several documents and nesting deeper than
 * YTREE_DEPTH_MAX are refused while reading, so every tree is small, acyclic and shallow. */
#ifndef RATELAB_YAML_TREE_H
#define RATELAB_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/core/rl_error.h"

#define YTREE_DEPTH_MAX 32     /* collections nested in each other, the root counting as 1 */
#define YTREE_ENTRIES_MAX 256  /* pairs of one mapping, items of one sequence */
#define YTREE_PATH_BYTES 256   /* a dotted key path in a message */
#define YTREE_QUOTE_BYTES 48   /* a value quoted in a message */

typedef enum ytree_kind {
    YTREE_SCALAR = 0,
    YTREE_MAPPING,
    YTREE_SEQUENCE
} ytree_kind;

typedef struct ytree_node ytree_node;

typedef struct ytree_pair {
    char *key;         /* NUL-terminated text, no NUL inside; owned by the tree */
    int key_line;      /* 1-based; 0 when the key was added by --set */
    ytree_node *value; /* owned by the tree; never NULL */
} ytree_pair;

struct ytree_node {
    ytree_kind kind;
    int line;            /* 1-based line the node starts on; 0 when it came from --set */
    bool is_null;        /* scalar: a plain "", "~" or "null" (a key with no value) */
    char *text;          /* scalar: NUL-terminated, no NUL inside; owned by the tree */
    size_t count;        /* mapping: pairs; sequence: items */
    size_t capacity;
    ytree_pair *pairs;   /* mapping */
    ytree_node **items;  /* sequence */
};

/* Reads the single YAML document in text[0..length) into a new tree in *out_root (NULL when the
 * stream holds no document at all). Errors are one line "NAME:LINE: ..." (name stands for the
 * file): RL_ERR_INVALID for bad YAML or a refused construct, RL_ERR_NOMEM. On error *out_root is
 * NULL and nothing stays allocated. On success the caller frees the tree with ytree_free. */
int ytree_parse(const char *text, size_t length, const char *name, ytree_node **out_root,
                rl_error *err);

/* Frees node and everything under it; NULL is allowed. */
void ytree_free(ytree_node *node);

/* The pair of mapping whose key is key, or NULL. */
ytree_pair *ytree_mapping_find(const ytree_node *mapping, const char *key);

/* A new scalar node holding a copy of text, with line (0 for --set); NULL when out of memory.
 * The caller owns it until it is linked into a tree. */
ytree_node *ytree_scalar_new(const char *text, int line);

/* A new empty mapping or sequence (kind) with line (0 when made by ratelab); NULL when out of
 * memory. The caller owns it until it is linked into a tree. */
ytree_node *ytree_collection_new(ytree_kind kind, int line);

/* Appends item to sequence, taking ownership of item (also when it fails). Returns 0 or
 * RL_ERR_NOMEM. */
int ytree_sequence_add(ytree_node *sequence, ytree_node *item);

/* Writes the tree under root as one YAML document (block style, keys in their order, text
 * that would read back as something else quoted) into a new NUL-terminated buffer in
 * *out_text, *out_length bytes. Reading it back gives the same tree, line numbers apart.
 * Returns 0 or RL_ERR_NOMEM / RL_ERR_INVALID (libyaml refused) with a message; the caller
 * frees *out_text with rl_free. */
int ytree_emit(const ytree_node *root, char **out_text, size_t *out_length, rl_error *err);

/* Appends the pair (copy of key, value) to mapping, taking ownership of value (also when it
 * fails). Returns 0 or RL_ERR_NOMEM. */
int ytree_mapping_add(ytree_node *mapping, const char *key, int key_line, ytree_node *value);

/* Replaces the text of scalar with a copy of text and sets its line. Returns 0 or RL_ERR_NOMEM
 * (scalar is then unchanged). */
int ytree_scalar_set(ytree_node *scalar, const char *text, int line);

/* Appends ".component" (or "component" to an empty path) to the NUL-terminated path in a
 * buffer of size bytes, cutting a long component and replacing control characters, so that a
 * message stays one short line. */
void ytree_path_append(char *path, size_t size, const char *component);

/* Copies text into buf (size bytes) as a short printable quotation for a message. */
void ytree_quote(const char *text, char *buf, size_t size);

/* "a mapping", "a list", "a value" or "nothing" (a null scalar): what a node is, for messages. */
const char *ytree_kind_phrase(const ytree_node *node);

#endif
