/* compare_table.c - compare's rows and the formats they are shown in. */
#include "harness/compare/compare_table.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/report/figures.h"
#include "harness/report/summary_table.h"

const figure_id COMPARE_COLUMNS[] = {FIGURE_DONE_RATIO,  FIGURE_ABANDONED_RATIO,
                                     FIGURE_RATE_429,    FIGURE_LATENCY_P50,
                                     FIGURE_LATENCY_P99, FIGURE_WASTED_QUOTA,
                                     FIGURE_BURST_RATIO, FIGURE_FAIRNESS};
const int COMPARE_COLUMN_COUNT = (int)(sizeof COMPARE_COLUMNS / sizeof COMPARE_COLUMNS[0]);
const figure_id COMPARE_STORE_COLUMNS[] = {FIGURE_STORE_OPS, FIGURE_STORE_RTT_P99,
                                           FIGURE_STORE_LOCK_RETRIES, FIGURE_STORE_ERRORS};
const int COMPARE_STORE_COLUMN_COUNT =
    (int)(sizeof COMPARE_STORE_COLUMNS / sizeof COMPARE_STORE_COLUMNS[0]);

static compare_row *row_new(compare_table *t) {
    if (t->count == t->capacity) {
        int grown = t->capacity == 0 ? 32 : t->capacity * 2;
        compare_row *rows = rl_reallocarray(t->rows, (size_t)grown, sizeof *rows);
        if (rows == NULL) {
            return NULL;
        }
        t->rows = rows;
        t->capacity = grown;
    }
    compare_row *row = &t->rows[t->count++];
    memset(row, 0, sizeof *row);
    return row;
}

int compare_table_add_experiment(compare_table *t, const experiment *e, const char *algorithm,
                                 rl_error *err) {
    for (int p = 0; p < e->point_count; p++) {
        for (int api = 0; api < e->api_count; api++) {
            compare_row *row = row_new(t);
            if (row == NULL) {
                return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for the table");
            }
            snprintf(row->scenario, sizeof row->scenario, "%s", e->base.name);
            const char *label = e->points[p].label;
            if (algorithm != NULL) {
                snprintf(row->variant, sizeof row->variant, "algorithm=%s%s%s", algorithm,
                         label[0] != '\0' ? " " : "", label);
                snprintf(row->algorithm, sizeof row->algorithm, "%s", algorithm);
            } else {
                snprintf(row->variant, sizeof row->variant, "%s",
                         label[0] != '\0' ? label : "as written");
                char limiters[96];
                summary_api_limiters(&e->base, api, limiters, sizeof limiters);
                snprintf(row->algorithm, sizeof row->algorithm, "%s%s%s", limiters,
                         label[0] != '\0' ? " " : "", label);
            }
            snprintf(row->api, sizeof row->api, "%s", e->base.apis[api].name);
            row->replications = e->replications;
            for (int f = 0; f < FIGURE_COUNT; f++) {
                const experiment_estimate *est = experiment_estimate_of(e, p, api, (figure_id)f);
                row->mean[f] = est->mean;
                row->half_width[f] = est->half_width;
            }
        }
    }
    return RL_OK;
}

const compare_row *compare_table_find(const compare_table *t, const char *scenario_name,
                                      const char *variant, const char *api) {
    for (int i = 0; i < t->count; i++) {
        const compare_row *row = &t->rows[i];
        if (strcmp(row->scenario, scenario_name) == 0 && strcmp(row->variant, variant) == 0 &&
            strcmp(row->api, api) == 0) {
            return row;
        }
    }
    return NULL;
}

/* Whether row i is the first of its scenario and variant (the store figures are a run's). */
static bool first_of_run(const compare_table *t, int i) {
    for (int j = 0; j < i; j++) {
        if (strcmp(t->rows[j].scenario, t->rows[i].scenario) == 0 &&
            strcmp(t->rows[j].variant, t->rows[i].variant) == 0) {
            return false;
        }
    }
    return true;
}

/* Writes one cell: the mean, and its interval with replications. */
static void markdown_cell(FILE *out, const compare_row *row, figure_id f) {
    char mean[32], half[32];
    figures_format(f, row->mean[f], mean, sizeof mean);
    if (row->replications >= 2) {
        figures_format(f, row->half_width[f], half, sizeof half);
        fprintf(out, " %s ± %s |", mean, half);
    } else {
        fprintf(out, " %s |", mean);
    }
}

/* The store figures, one row per scenario and variant. */
static void write_markdown_store(FILE *out, const compare_table *t) {
    fputs("\n| scenario | variant |", out);
    for (int c = 0; c < COMPARE_STORE_COLUMN_COUNT; c++) {
        fprintf(out, " store_%s |", figure_info_of(COMPARE_STORE_COLUMNS[c])->name);
    }
    fputs("\n|---|---|", out);
    for (int c = 0; c < COMPARE_STORE_COLUMN_COUNT; c++) {
        fputs("---:|", out);
    }
    fputc('\n', out);
    for (int i = 0; i < t->count; i++) {
        if (!first_of_run(t, i)) {
            continue;
        }
        const compare_row *row = &t->rows[i];
        fprintf(out, "| %s | %s |", row->scenario, row->variant);
        for (int c = 0; c < COMPARE_STORE_COLUMN_COUNT; c++) {
            markdown_cell(out, row, COMPARE_STORE_COLUMNS[c]);
        }
        fputc('\n', out);
    }
}

void compare_table_write_markdown(FILE *out, const compare_table *t) {
    fputs("| scenario | variant | api |", out);
    for (int c = 0; c < COMPARE_COLUMN_COUNT; c++) {
        const figure_info *info = figure_info_of(COMPARE_COLUMNS[c]);
        fprintf(out, " %s%s |", info->of_store ? "store_" : "", info->name);
    }
    fputs("\n|---|---|---|", out);
    for (int c = 0; c < COMPARE_COLUMN_COUNT; c++) {
        fputs("---:|", out);
    }
    fputc('\n', out);
    for (int i = 0; i < t->count; i++) {
        const compare_row *row = &t->rows[i];
        fprintf(out, "| %s | %s | %s |", row->scenario, row->variant, row->api);
        for (int c = 0; c < COMPARE_COLUMN_COUNT; c++) {
            markdown_cell(out, row, COMPARE_COLUMNS[c]);
        }
        fputc('\n', out);
    }
    write_markdown_store(out, t);
}

/* A figure's CSV column stem: times carry their unit, store figures their subject. */
static void column_stem(figure_id f, char *buf, size_t size) {
    const figure_info *info = figure_info_of(f);
    snprintf(buf, size, "%s%s%s", info->of_store ? "store_" : "", info->name,
             info->unit == FIGURE_UNIT_TIME_US ? "_us" : "");
}

/* Writes text as one CSV field, quoted when it holds a comma or a quote. */
static void csv_field(FILE *out, const char *text) {
    if (strpbrk(text, ",\"\n") == NULL) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"') {
            fputc('"', out);
        }
        fputc(*p, out);
    }
    fputc('"', out);
}

void compare_table_write_csv(FILE *out, const compare_table *t) {
    fputs("scenario,variant,algorithm,api,replications", out);
    for (int f = 0; f < FIGURE_COUNT; f++) {
        char stem[64];
        column_stem((figure_id)f, stem, sizeof stem);
        fprintf(out, ",%s_mean,%s_ci95", stem, stem);
    }
    fputc('\n', out);
    for (int i = 0; i < t->count; i++) {
        const compare_row *row = &t->rows[i];
        const char *fields[] = {row->scenario, row->variant, row->algorithm, row->api};
        for (int k = 0; k < 4; k++) {
            if (k > 0) {
                fputc(',', out);
            }
            csv_field(out, fields[k]);
        }
        fprintf(out, ",%d", row->replications);
        for (int f = 0; f < FIGURE_COUNT; f++) {
            fprintf(out, ",%.9g,%.9g", row->mean[f], row->half_width[f]);
        }
        fputc('\n', out);
    }
}

/* The figures of row that are of_store (or not), as {"NAME": {"mean", "ci95_half_width"}}. */
static json_t *figures_json(const compare_row *row, bool of_store) {
    json_t *figures = json_object();
    for (int f = 0; f < FIGURE_COUNT; f++) {
        const figure_info *info = figure_info_of((figure_id)f);
        if (info->of_store != of_store) {
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "%s%s", info->of_store ? "store_" : "", info->name);
        json_object_set_new(figures, name,
                            json_pack("{s:f,s:f}", "mean", row->mean[f], "ci95_half_width",
                                      row->half_width[f]));
    }
    return figures;
}

/* {"file", "verdict": "pass" or "worse", "findings": [...]} of a baseline check. */
static json_t *verdicts_json(const compare_verdicts *v) {
    json_t *findings = json_array();
    for (int i = 0; i < v->count; i++) {
        const compare_verdict *x = &v->items[i];
        json_t *item = json_pack("{s:s,s:s,s:s}", "scenario", x->base->scenario, "variant",
                                 x->base->variant, "api", x->base->api);
        if (x->current == NULL) {
            json_object_set_new(item, "finding", json_stringn("missing", 7));
        } else {
            const figure_info *info = figure_info_of((figure_id)x->figure);
            char name[64];
            snprintf(name, sizeof name, "%s%s", info->of_store ? "store_" : "", info->name);
            json_object_set_new(item, "finding", json_stringn("worse", 5));
            json_object_set_new(item, "figure", json_stringn(name, strlen(name)));
            json_object_set_new(item, "baseline", json_real(x->base->mean[x->figure]));
            json_object_set_new(item, "now", json_real(x->current->mean[x->figure]));
            json_object_set_new(item, "tolerance", json_real(x->allowed));
        }
        json_array_append_new(findings, item);
    }
    return json_pack("{s:s,s:s,s:o}", "file", v->baseline_path, "verdict",
                     v->count == 0 ? "pass" : "worse", "findings", findings);
}

int compare_table_write_json(FILE *out, const compare_table *t, const compare_verdicts *verdicts,
                             rl_error *err) {
    json_t *rows = json_array();
    json_t *runs = json_array();
    for (int i = 0; i < t->count; i++) {
        const compare_row *row = &t->rows[i];
        json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:s,s:i,s:o}", "scenario",
                                              row->scenario, "variant", row->variant,
                                              "algorithm", row->algorithm, "api", row->api,
                                              "replications", row->replications, "figures",
                                              figures_json(row, false)));
        if (first_of_run(t, i)) {
            json_array_append_new(runs, json_pack("{s:s,s:s,s:i,s:o}", "scenario",
                                                  row->scenario, "variant", row->variant,
                                                  "replications", row->replications, "figures",
                                                  figures_json(row, true)));
        }
    }
    json_t *root = json_pack("{s:s,s:o,s:o}", "units", "ratios as fractions, times in us", "rows",
                             rows, "runs", runs);
    if (verdicts != NULL) {
        json_object_set_new(root, "baseline", verdicts_json(verdicts));
    }
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    fputc('\n', out);
    return rc == 0 ? RL_OK : rl_error_set(err, RL_ERR_IO, "could not write the JSON table");
}

void compare_table_free(compare_table *t) {
    rl_free(t->rows);
    memset(t, 0, sizeof *t);
}
