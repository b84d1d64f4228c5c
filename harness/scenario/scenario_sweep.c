/* scenario_sweep.c - the `sweep:` block: --set paths and the values each takes.
 *
 *   sweep:
 *     limiters.shared.algorithm: [gcra, token_bucket]
 *     pods.workers.count: [10, 50]
 *
 * The grid is every combination; each point is the scenario loaded again with the point's values
 * as overrides, so a value is checked exactly as `--set` checks it. */
#include "harness/scenario/scenario_blocks.h"

#include <stdio.h>
#include <string.h>

int scenario_sweep_read(const schema_ctx *c, const schema_map *root, scenario *out) {
    out->sweep_key_count = 0;
    const ytree_pair *pair = schema_get(root, "sweep");
    if (pair == NULL) {
        return RL_OK;
    }
    schema_map m;
    int status =
        schema_open_map(c, root, pair, "a mapping of setting paths to lists of values", &m);
    if (status != RL_OK) {
        return status;
    }
    if (m.node->count == 0 || m.node->count > SCENARIO_SWEEP_KEYS_MAX) {
        return schema_fail(c, pair->key_line, m.path, "%zu keys; a sweep has 1 to %d",
                           m.node->count, SCENARIO_SWEEP_KEYS_MAX);
    }
    for (size_t i = 0; i < m.node->count; i++) {
        const ytree_pair *key = &m.node->pairs[i];
        scenario_sweep_key *sweep = &out->sweep[i];
        char path[YTREE_PATH_BYTES];
        schema_key_path(&m, key->key, path, sizeof path);
        if (strlen(key->key) >= sizeof sweep->path || strchr(key->key, '.') == NULL) {
            return schema_fail(c, key->key_line, path,
                               "expected a setting path such as limiters.shared.algorithm");
        }
        const ytree_node *values = key->value;
        if (values->kind != YTREE_SEQUENCE || values->count == 0 ||
            values->count > SCENARIO_SWEEP_VALUES_MAX) {
            return schema_fail(c, schema_value_line(key), path,
                               "expected a list of 1 to %d values, such as [gcra, token_bucket]",
                               SCENARIO_SWEEP_VALUES_MAX);
        }
        snprintf(sweep->path, sizeof sweep->path, "%s", key->key);
        sweep->line = key->key_line;
        for (size_t v = 0; v < values->count; v++) {
            const ytree_node *value = values->items[v];
            if (value->kind != YTREE_SCALAR || value->is_null ||
                strlen(value->text) >= sizeof sweep->values[v]) {
                return schema_fail(c, value->line, path,
                                   "expected each value as a short scalar (such as gcra or 10/s)");
            }
            snprintf(sweep->values[v], sizeof sweep->values[v], "%s", value->text);
        }
        sweep->value_count = (int)values->count;
        out->sweep_key_count = (int)i + 1;
    }
    return RL_OK;
}
