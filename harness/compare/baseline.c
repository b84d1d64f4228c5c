/* baseline.c - reading, writing and checking against a baseline (jansson for the JSON). */
#include "harness/compare/baseline.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "harness/core/rl_alloc.h"

#define BASELINE_VERSION 1

/* Defaults: the simulation is deterministic, so with the same seeds an unchanged model gives the
 * same figures to the last digit; the tolerances only let small, deliberate model corrections
 * through. A 429 rate may rise by 0.2 percentage points or 10%; latencies by 5 ms or 10%;
 * wasted quota by 1 point; the burst ratio by 0.05; fairness may fall by 0.02; store commands
 * may rise by 10%. */
void baseline_default_tolerances(figure_tolerance *out) {
    memset(out, 0, sizeof *out * FIGURE_COUNT);
    out[FIGURE_RATE_429] = (figure_tolerance){true, 0.002, 0.10};
    out[FIGURE_LATENCY_P50] = (figure_tolerance){true, 5000.0, 0.10};
    out[FIGURE_LATENCY_P99] = (figure_tolerance){true, 5000.0, 0.10};
    out[FIGURE_WASTED_QUOTA] = (figure_tolerance){true, 0.01, 0.0};
    out[FIGURE_BURST_RATIO] = (figure_tolerance){true, 0.05, 0.0};
    out[FIGURE_FAIRNESS] = (figure_tolerance){true, 0.02, 0.0};
    out[FIGURE_DONE_RATIO] = (figure_tolerance){true, 0.01, 0.0};
    out[FIGURE_STORE_OPS] = (figure_tolerance){true, 10.0, 0.10};
}

/* The name of figure f in a baseline file: the compare column's, without the time unit. */
static void figure_key(int f, char *buf, size_t size) {
    const figure_info *info = figure_info_of((figure_id)f);
    snprintf(buf, size, "%s%s", info->of_store ? "store_" : "", info->name);
}

static int key_figure(const char *key) {
    for (int f = 0; f < FIGURE_COUNT; f++) {
        char name[64];
        figure_key(f, name, sizeof name);
        if (strcmp(name, key) == 0) {
            return f;
        }
    }
    return -1;
}

static int read_tolerances(const char *path, json_t *object, baseline *out, rl_error *err) {
    if (object == NULL) {
        return RL_OK;
    }
    if (!json_is_object(object)) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: tolerances: expected an object", path);
    }
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) {
        int f = key_figure(key);
        if (f < 0) {
            return rl_error_set(err, RL_ERR_INVALID, "%s: tolerances: no figure \"%s\"", path,
                                key);
        }
        if (json_is_false(value)) {
            out->tolerance[f].checked = false;
            continue;
        }
        json_error_t error;
        double absolute = 0.0, relative = 0.0;
        if (json_unpack_ex(value, &error, JSON_STRICT, "{s?F,s?F}", "absolute", &absolute,
                           "relative", &relative) != 0 ||
            absolute < 0 || relative < 0) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "%s: tolerances.%s: expected {\"absolute\": >= 0, "
                                "\"relative\": >= 0} or false",
                                path, key);
        }
        out->tolerance[f] = (figure_tolerance){true, absolute, relative};
    }
    return RL_OK;
}

static int read_row(const char *path, size_t index, json_t *item, compare_row *row,
                    rl_error *err) {
    const char *scenario_name, *variant, *api;
    json_t *figures;
    json_error_t error;
    if (json_unpack_ex(item, &error, 0, "{s:s,s:s,s:s,s:o}", "scenario", &scenario_name, "variant",
                       &variant, "api", &api, "figures", &figures) != 0 ||
        !json_is_object(figures)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s: rows[%zu]: needs scenario, variant, api and figures (%s)", path,
                            index, error.text);
    }
    memset(row, 0, sizeof *row);
    snprintf(row->scenario, sizeof row->scenario, "%s", scenario_name);
    snprintf(row->variant, sizeof row->variant, "%s", variant);
    snprintf(row->api, sizeof row->api, "%s", api);
    for (int f = 0; f < FIGURE_COUNT; f++) {
        row->mean[f] = NAN; /* not in the file: not compared */
    }
    const char *key;
    json_t *value;
    json_object_foreach(figures, key, value) {
        int f = key_figure(key);
        if (f < 0 || !json_is_number(value)) {
            return rl_error_set(err, RL_ERR_INVALID, "%s: rows[%zu].figures.%s: %s", path,
                                index, key, f < 0 ? "no such figure" : "expected a number");
        }
        row->mean[f] = json_number_value(value);
    }
    return RL_OK;
}

/* At most this many rows in a baseline (the seed scenarios' has 36). */
#define BASELINE_ROWS_MAX 10000

/* A baseline names each (scenario, variant, api) once: a second row would be compared with the
 * first one's current figures. */
static int check_row_unique(const char *path, const compare_table *rows, size_t index,
                            rl_error *err) {
    const compare_row *row = &rows->rows[index];
    for (size_t i = 0; i < index; i++) {
        const compare_row *earlier = &rows->rows[i];
        if (strcmp(earlier->scenario, row->scenario) == 0 &&
            strcmp(earlier->variant, row->variant) == 0 && strcmp(earlier->api, row->api) == 0) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "%s: rows[%zu]: the same scenario, variant and api as rows[%zu]",
                                path, index, i);
        }
    }
    return RL_OK;
}

int baseline_read(const char *path, baseline *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    baseline_default_tolerances(out->tolerance);
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (root == NULL) {
        return rl_error_printable(err, rl_error_set(err, error.line < 0 ? RL_ERR_IO
                                                                         : RL_ERR_INVALID,
                                                    "%s:%d: %s", path, error.line, error.text));
    }
    json_t *version = json_object_get(root, "ratelab_baseline");
    json_t *rows = json_object_get(root, "rows");
    int rc = RL_OK;
    if (!json_is_integer(version) || json_integer_value(version) != BASELINE_VERSION) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s: not a ratelab baseline (version %d)", path,
                          BASELINE_VERSION);
    } else if (!json_is_array(rows)) {
        rc = rl_error_set(err, RL_ERR_INVALID, "%s: rows: expected an array", path);
    }
    if (rc == RL_OK) {
        rc = read_tolerances(path, json_object_get(root, "tolerances"), out, err);
    }
    size_t count = rc == RL_OK ? json_array_size(rows) : 0;
    if (count > BASELINE_ROWS_MAX) {
        rc = rl_error_set(err, RL_ERR_LIMIT, "%s: rows: %zu rows; a baseline has at most %d", path,
                          count, BASELINE_ROWS_MAX);
        count = 0;
    }
    if (count > 0) {
        out->rows.rows = rl_calloc(count, sizeof *out->rows.rows);
        if (out->rows.rows == NULL) {
            rc = rl_error_set(err, RL_ERR_NOMEM, "%s: not enough memory", path);
        }
        out->rows.capacity = (int)count;
    }
    for (size_t i = 0; rc == RL_OK && i < count; i++) {
        rc = read_row(path, i, json_array_get(rows, i), &out->rows.rows[i], err);
        out->rows.count += rc == RL_OK ? 1 : 0;
        if (rc == RL_OK) {
            rc = check_row_unique(path, &out->rows, i, err);
        }
    }
    json_decref(root);
    if (rc != RL_OK) {
        baseline_free(out); /* on failure out holds nothing */
    }
    /* The file is not trusted: its keys and names reach the message as they are. */
    return rl_error_printable(err, rc);
}

int baseline_write(FILE *out, const compare_table *table, const figure_tolerance *tolerances,
                   rl_error *err) {
    json_t *tolerance_object = json_object();
    for (int f = 0; f < FIGURE_COUNT; f++) {
        char name[64];
        figure_key(f, name, sizeof name);
        json_object_set_new(tolerance_object, name,
                            tolerances[f].checked
                                ? json_pack("{s:f,s:f}", "absolute", tolerances[f].absolute,
                                            "relative", tolerances[f].relative)
                                : json_false());
    }
    json_t *rows = json_array();
    for (int i = 0; i < table->count; i++) {
        const compare_row *row = &table->rows[i];
        json_t *figures = json_object();
        for (int f = 0; f < FIGURE_COUNT; f++) {
            char name[64];
            figure_key(f, name, sizeof name);
            json_object_set_new(figures, name, json_real(row->mean[f]));
        }
        json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:o}", "scenario", row->scenario,
                                              "variant", row->variant, "api", row->api,
                                              "figures", figures));
    }
    json_t *root = json_pack("{s:i,s:s,s:o,s:o}", "ratelab_baseline", BASELINE_VERSION, "units",
                             "ratios as fractions, times in us", "tolerances", tolerance_object,
                             "rows", rows);
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', out);
    return rc == 0 ? RL_OK : rl_error_set(err, RL_ERR_IO, "could not write the baseline");
}

/* Whether current has any row of the scenario named scenario_name. */
static bool compared(const compare_table *current, const char *scenario_name) {
    for (int i = 0; i < current->count; i++) {
        if (strcmp(current->rows[i].scenario, scenario_name) == 0) {
            return true;
        }
    }
    return false;
}

int baseline_check(const baseline *b, const compare_table *current,
                   void (*found)(void *context, const baseline_finding *finding), void *context) {
    int findings = 0;
    for (int i = 0; i < b->rows.count; i++) {
        const compare_row *base = &b->rows.rows[i];
        if (!compared(current, base->scenario)) {
            continue; /* a scenario this comparison did not run is out of its scope */
        }
        const compare_row *now = compare_table_find(current, base->scenario, base->variant,
                                                    base->api);
        if (now == NULL) {
            baseline_finding finding = {base, NULL, -1, 0.0};
            found(context, &finding);
            findings++;
            continue;
        }
        for (int f = 0; f < FIGURE_COUNT; f++) {
            const figure_tolerance *tol = &b->tolerance[f];
            if (!tol->checked || isnan(base->mean[f])) {
                continue;
            }
            double allowed = fmax(tol->absolute, tol->relative * fabs(base->mean[f]));
            double change = now->mean[f] - base->mean[f];
            double worse_by = figure_info_of((figure_id)f)->higher_is_better ? -change : change;
            if (worse_by > allowed) {
                baseline_finding finding = {base, now, f, allowed};
                found(context, &finding);
                findings++;
            }
        }
    }
    return findings;
}

void baseline_free(baseline *b) {
    compare_table_free(&b->rows);
}
