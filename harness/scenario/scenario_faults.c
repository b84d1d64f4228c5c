/* scenario_faults.c - the `faults:` list: store outages and latency, pod restarts, clock skew. */
#include "harness/scenario/scenario_blocks.h"

#include <stdio.h>
#include <string.h>

#include "harness/core/units.h"

static const enum_entry FAULT_KINDS[] = {{"store_outage", FAULT_STORE_OUTAGE},
                                         {"store_latency", FAULT_STORE_LATENCY},
                                         {"pod_restart", FAULT_POD_RESTART},
                                         {"clock_skew", FAULT_CLOCK_SKEW}};
static const enum_entry OUTAGE_MODES[] = {{"refuse", OUTAGE_REFUSE},
                                          {"blackhole", OUTAGE_BLACKHOLE}};

/* The keys each kind allows, and the ones it needs. */
static const char *const OUTAGE_KEYS[] = {"kind", "at", "for", "mode", NULL};
static const char *const LATENCY_KEYS[] = {"kind", "at", "for", "extra", NULL};
static const char *const RESTART_KEYS[] = {"kind", "at", "for", "group", "pods", NULL};
static const char *const SKEW_KEYS[] = {"kind", "group", "extra", NULL};

static const char *const *keys_of(fault_kind kind) {
    switch (kind) {
    case FAULT_STORE_OUTAGE: return OUTAGE_KEYS;
    case FAULT_STORE_LATENCY: return LATENCY_KEYS;
    case FAULT_POD_RESTART: return RESTART_KEYS;
    case FAULT_CLOCK_SKEW: return SKEW_KEYS;
    }
    return OUTAGE_KEYS;
}

/* Reads `group` (a pod group's name) into *out; -1 (every group) when absent. */
static int read_group_ref(const schema_ctx *c, const schema_map *m, const scenario *s, int *out) {
    *out = -1;
    const ytree_pair *pair = schema_get(m, "group");
    if (pair == NULL) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "group", path, sizeof path);
    const char *text = NULL;
    int status = schema_value_text(c, path, pair, "the name of a pod group", &text);
    if (status != RL_OK) {
        return status;
    }
    char names[SCHEMA_LIST_BYTES] = "";
    for (int g = 0; g < s->pod_group_count; g++) {
        if (strcmp(s->pod_groups[g].name, text) == 0) {
            *out = g;
            return RL_OK;
        }
        schema_list_append(names, sizeof names, s->pod_groups[g].name);
    }
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(text, quoted, sizeof quoted);
    return schema_fail(c, schema_value_line(pair), path, "no pod group \"%s\"; groups: %s", quoted,
                       names);
}

static int read_fault(const schema_ctx *c, const schema_map *m, const scenario *s,
                      scenario_fault *fault) {
    memset(fault, 0, sizeof *fault);
    fault->line = m->node->line;
    fault->group_index = -1;
    fault->pods = 1;
    int status = schema_require(c, m, "kind",
                                "a fault needs kind (store_outage, store_latency, pod_restart "
                                "or clock_skew)");
    int kind = FAULT_STORE_OUTAGE;
    if (status == RL_OK) {
        status = schema_read_enum(c, m, "kind", FAULT_KINDS, COUNT_OF(FAULT_KINDS), &kind);
    }
    if (status != RL_OK) {
        return status;
    }
    fault->kind = (fault_kind)kind;
    status = schema_check_keys(c, m, keys_of(fault->kind));
    if (status == RL_OK && fault->kind != FAULT_CLOCK_SKEW) {
        status = schema_require(c, m, "at", "a fault needs at (when it starts, such as 60s)");
    }
    if (status == RL_OK &&
        (fault->kind == FAULT_STORE_OUTAGE || fault->kind == FAULT_STORE_LATENCY)) {
        status = schema_require(c, m, "for", "a store fault needs for (how long, such as 30s)");
    }
    if (status == RL_OK && fault->kind != FAULT_STORE_OUTAGE && fault->kind != FAULT_POD_RESTART) {
        status = schema_require(c, m, "extra", fault->kind == FAULT_CLOCK_SKEW
                                                   ? "clock_skew needs extra (the largest "
                                                     "offset either way, such as 200ms)"
                                                   : "store_latency needs extra (the added "
                                                     "one-way delay, such as 50ms)");
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "at", 0, s->duration_us, &fault->at_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "for", 0, UNITS_DURATION_MAX_US, &fault->for_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "extra", 0, UNITS_DURATION_MAX_US, &fault->extra_us);
    }
    int mode = OUTAGE_REFUSE;
    if (status == RL_OK) {
        status = schema_read_enum(c, m, "mode", OUTAGE_MODES, COUNT_OF(OUTAGE_MODES), &mode);
    }
    fault->mode = (outage_mode)mode;
    if (status == RL_OK) {
        status = read_group_ref(c, m, s, &fault->group_index);
    }
    if (status == RL_OK) {
        status = schema_read_count(c, m, "pods", 1, SCENARIO_PODS_MAX, &fault->pods);
    }
    return status;
}

int scenario_faults_read(const schema_ctx *c, const schema_map *root, scenario *out) {
    out->fault_count = 0;
    const ytree_pair *pair = schema_get(root, "faults");
    if (pair == NULL) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(root, "faults", path, sizeof path);
    const ytree_node *list = pair->value;
    if (list->kind != YTREE_SEQUENCE || list->count > SCENARIO_FAULTS_MAX) {
        return schema_fail(c, schema_value_line(pair), path,
                           "expected a list of at most %d faults (- kind: store_outage ...)",
                           SCENARIO_FAULTS_MAX);
    }
    for (size_t i = 0; i < list->count; i++) {
        schema_map m;
        schema_sequence_item(path, list, i, &m);
        if (m.node->kind != YTREE_MAPPING) {
            return schema_fail(c, m.node->line, m.path,
                               "expected a fault (a mapping with kind, at, ...), got %s",
                               ytree_kind_phrase(m.node));
        }
        int status = read_fault(c, &m, out, &out->faults[i]);
        if (status != RL_OK) {
            return status;
        }
        out->fault_count = (int)i + 1;
    }
    return RL_OK;
}
