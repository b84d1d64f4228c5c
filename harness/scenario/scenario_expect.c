/* scenario_expect.c - the `expect:` list: claims on headline figures, "SUBJECT.FIGURE OP VALUE".
 *
 * SUBJECT is an API's name or `store`; FIGURE one of figure.h's names for it; OP one of
 * < <= > >= ==; VALUE a number, a percentage for ratios (0.1%), or a duration for times (2s). */
#include "harness/scenario/scenario_blocks.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/scenario/figure.h"
#include "harness/scenario/scenario_condition.h"

#define TOKEN_BYTES 96

static const struct {
    const char *text;
    expect_op op;
} OPS[] = {{"<", EXPECT_LT}, {"<=", EXPECT_LE}, {">", EXPECT_GT}, {">=", EXPECT_GE},
           {"==", EXPECT_EQ}};

/* Splits text into exactly three whitespace-separated tokens. */
static bool split3(const char *text, char tokens[3][TOKEN_BYTES]) {
    int n = 0;
    const char *p = text;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (n == 3) {
            return false;
        }
        size_t length = strcspn(p, " \t");
        if (length >= TOKEN_BYTES) {
            return false;
        }
        memcpy(tokens[n], p, length);
        tokens[n][length] = '\0';
        n++;
        p += length;
    }
    return n == 3;
}

/* Reads value as a number in the figure's unit: ratios take a trailing %, times a unit. */
static int parse_threshold(const char *value, figure_unit unit, double *out, rl_error *err) {
    if (unit == FIGURE_UNIT_TIME_US) {
        int64_t us = 0;
        if (units_parse_duration_us(value, &us, err) != RL_OK) {
            return RL_ERR_INVALID;
        }
        *out = (double)us;
        return RL_OK;
    }
    errno = 0;
    char *end = NULL;
    double number = strtod(value, &end);
    bool percent = unit == FIGURE_UNIT_RATIO && end != value && strcmp(end, "%") == 0;
    if (end == value || errno != 0 || !isfinite(number) || (*end != '\0' && !percent)) {
        char quoted[YTREE_QUOTE_BYTES];
        ytree_quote(value, quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID, "\"%s\" is not a number%s", quoted,
                            unit == FIGURE_UNIT_RATIO ? " (such as 0.001 or 0.1%)" : "");
    }
    *out = percent ? number / 100.0 : number;
    return RL_OK;
}

int scenario_condition_parse(const scenario *s, const char *text, scenario_expectation *out,
                             rl_error *err) {
    memset(out, 0, sizeof *out);
    snprintf(out->text, sizeof out->text, "%s", text);
    char tokens[3][TOKEN_BYTES];
    char quoted[YTREE_QUOTE_BYTES]; /* tokens are quoted in messages: they may hold anything */
    if (!split3(text, tokens)) {
        ytree_quote(text, quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a condition; write SUBJECT.FIGURE OP VALUE, such as "
                            "powerbi.rate_429 < 0.001",
                            quoted);
    }
    char *dot = strrchr(tokens[0], '.');
    if (dot == NULL) {
        ytree_quote(tokens[0], quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" names no figure; write API.FIGURE or store.FIGURE", quoted);
    }
    *dot = '\0';
    const char *subject = tokens[0];
    const char *figure_name = dot + 1;
    bool of_store = strcmp(subject, "store") == 0;
    out->api_index = of_store ? -1 : scenario_find_api(s, subject);
    if (!of_store && out->api_index < 0) {
        char names[SCHEMA_LIST_BYTES] = "";
        for (int i = 0; i < s->api_count; i++) {
            schema_list_append(names, sizeof names, s->apis[i].name);
        }
        ytree_quote(subject, quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID, "no API \"%s\"; subjects: %s, store", quoted,
                            names);
    }
    out->figure = figure_find(figure_name, of_store);
    if (out->figure < 0) {
        char names[SCHEMA_LIST_BYTES];
        figure_names_join(of_store, names, sizeof names);
        ytree_quote(figure_name, quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID, "no figure \"%s\" for %s; figures: %s", quoted,
                            of_store ? "the store" : "an API", names);
    }
    bool op_found = false;
    for (size_t i = 0; i < COUNT_OF(OPS); i++) {
        if (strcmp(OPS[i].text, tokens[1]) == 0) {
            out->op = OPS[i].op;
            op_found = true;
        }
    }
    if (!op_found) {
        ytree_quote(tokens[1], quoted, sizeof quoted);
        return rl_error_set(err, RL_ERR_INVALID,
                            "\"%s\" is not a comparison; write <, <=, >, >= or ==", quoted);
    }
    return parse_threshold(tokens[2], figure_info_of((figure_id)out->figure)->unit,
                           &out->threshold, err);
}

int scenario_expect_parse(const schema_ctx *c, int line, const char *path, const char *text,
                          const scenario *s, scenario_expectation *out) {
    rl_error local;
    rl_error_clear(&local);
    if (scenario_condition_parse(s, text, out, &local) != RL_OK) {
        return schema_fail(c, line, path, "%s", local.message);
    }
    out->line = line;
    return RL_OK;
}

int scenario_expect_read(const schema_ctx *c, const schema_map *root, scenario *out) {
    out->expectation_count = 0;
    const ytree_pair *pair = schema_get(root, "expect");
    if (pair == NULL) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(root, "expect", path, sizeof path);
    const ytree_node *list = pair->value;
    if (list->kind != YTREE_SEQUENCE || list->count > SCENARIO_EXPECT_MAX) {
        return schema_fail(c, schema_value_line(pair), path,
                           "expected a list of at most %d conditions (- powerbi.rate_429 < 0.001)",
                           SCENARIO_EXPECT_MAX);
    }
    for (size_t i = 0; i < list->count; i++) {
        schema_map entry;
        schema_sequence_item(path, list, i, &entry);
        const ytree_node *item = entry.node;
        const char *item_path = entry.path;
        if (item->kind != YTREE_SCALAR || item->is_null) {
            return schema_fail(c, item->line, item_path,
                               "expected a condition such as powerbi.rate_429 < 0.001, got %s",
                               ytree_kind_phrase(item));
        }
        int status =
            scenario_expect_parse(c, item->line, item_path, item->text, out, &out->expectations[i]);
        if (status != RL_OK) {
            return status;
        }
        out->expectation_count = (int)i + 1;
    }
    return RL_OK;
}
