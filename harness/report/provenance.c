/* provenance.c - scenario.yaml and provenance.json of a results folder, written with jansson. */
#include "harness/report/provenance.h"
#include "harness/report/provenance_json.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/build_info.h"
#include "harness/core/rl_alloc.h"
#include "harness/report/output_file.h"
#include "harness/report/results_folder.h"

/* A new JSON string of text. (Not jansson's json_string: json_writer.h has a function of that
 * name, which the linker picks.) */
static json_t *text_json(const char *text) {
    return json_stringn(text, strlen(text));
}

/* The effective scenario with its seed written in, and the header that says what it is. */
static int write_scenario_yaml(const char *dir, const run_provenance *p, rl_error *err) {
    scenario_override all[SCENARIO_SWEEP_KEYS_MAX + 80];
    if (p->override_count + 1 > sizeof all / sizeof all[0]) {
        return rl_error_set(err, RL_ERR_LIMIT, "too many overrides to record");
    }
    char seed_text[32];
    snprintf(seed_text, sizeof seed_text, "%" PRIu64, p->seed_first);
    for (size_t i = 0; i < p->override_count; i++) {
        all[i] = p->overrides[i];
    }
    all[p->override_count] = (scenario_override){.path = "seed", .value = seed_text};
    char *text = NULL;
    size_t length = 0;
    int rc = scenario_effective_yaml(p->scenario_file, all, p->override_count + 1, p->sweep,
                                     p->sweep_count, &text, &length, err);
    if (rc != RL_OK) {
        return rc;
    }
    FILE *out = NULL;
    rc = output_file_open(dir, "scenario.yaml", &out, err);
    if (rc == RL_OK) {
        fprintf(out,
                "# The scenario as this run used it: %s\n# with %zu --set override%s and the "
                "seed written in (provenance.json lists them).\n# Rerun it with: ratelab run "
                "scenario.yaml",
                p->scenario_file, p->override_count, p->override_count == 1 ? "" : "s");
        if (p->seed_count > 1) {
            fprintf(out, " --replications %d", p->seed_count);
        }
        fputc('\n', out);
        fwrite(text, 1, length, out);
        rc = output_file_close(out, dir, "scenario.yaml", err);
    }
    rl_free(text);
    return rc;
}

/* "path=value" entries of the --set overrides and the swept keys, tagged by origin. */
static json_t *overrides_json(const run_provenance *p) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < p->override_count; i++) {
        /* An override's path is borrowed from "path=value": it ends at the '='. */
        const char *path = p->overrides[i].path;
        json_t *entry = json_object();
        json_object_set_new(entry, "path", json_stringn(path, strcspn(path, "=")));
        json_object_set_new(entry, "value", text_json(p->overrides[i].value));
        json_object_set_new(entry, "from", text_json("--set"));
        json_array_append_new(list, entry);
    }
    for (int k = 0; list != NULL && k < p->sweep_count; k++) {
        json_t *values = json_array();
        for (int v = 0; values != NULL && v < p->sweep[k].value_count; v++) {
            json_array_append_new(values, text_json(p->sweep[k].values[v]));
        }
        json_array_append_new(list, json_pack("{s:s, s:o, s:s}", "path", p->sweep[k].path,
                                              "values", values, "from", "sweep"));
    }
    return list;
}

static json_t *provenance_json(const run_provenance *p) {
    json_t *command = json_array();
    json_array_append_new(command, text_json("ratelab"));
    for (int i = 0; i < p->argc; i++) {
        json_array_append_new(command, text_json(p->argv[i]));
    }
    json_t *world = json_pack("{s:s}", "kind", p->world);
    if (p->redis_server != NULL) {
        json_object_set_new(world, "redis_server", text_json(p->redis_server));
    }
    if (p->redis_version != NULL) {
        json_object_set_new(world, "redis_version", text_json(p->redis_version));
    }
    json_t *seeds = json_pack("{s:I, s:i}", "first", (json_int_t)p->seed_first, "count",
                              p->seed_count);
    if (p->seed_first > (uint64_t)INT64_MAX) { /* json integers are signed: keep it exact */
        char text[32];
        snprintf(text, sizeof text, "%" PRIu64, p->seed_first);
        json_object_set_new(seeds, "first", text_json(text));
    }
    json_t *root = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:b}",
                             "ratelab_version", build_info_version(), "revision",
                             build_info_revision(), "rng_stream_version",
                             build_info_rng_stream_version(), "scenario_file", p->scenario_file,
                             "effective_scenario", "scenario.yaml", "overrides",
                             overrides_json(p), "seeds", seeds, "command", command, "world",
                             world, "description_may_differ",
                             p->override_count > 0 || p->sweep_count > 0);
    if (root != NULL && p->shard_count > 0) {
        json_object_set_new(root, "shard", json_pack("{s:i, s:i}", "index", p->shard_index,
                                                     "count", p->shard_count));
    }
    return root;
}

int provenance_write(const char *dir, const run_provenance *p, rl_error *err) {
    int rc = write_scenario_yaml(dir, p, err);
    if (rc != RL_OK) {
        return rc;
    }
    json_t *root = provenance_json(p);
    if (root == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for provenance.json");
    }
    FILE *out = NULL;
    rc = output_file_open(dir, "provenance.json", &out, err);
    if (rc == RL_OK) {
        json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
        rc = output_file_close(out, dir, "provenance.json", err);
    }
    json_decref(root);
    return rc;
}

/* Copies the string at key of object into buf, or "" when it is not a string. */
static void copy_string(json_t *object, const char *key, char *buf, size_t size) {
    const char *text = json_string_value(json_object_get(object, key));
    snprintf(buf, size, "%s", text != NULL ? text : "");
}

static void read_command(json_t *root, provenance_summary *out) {
    json_t *command = json_object_get(root, "command");
    size_t i;
    json_t *word;
    size_t used = 0;
    json_array_foreach(command, i, word) {
        const char *text = json_string_value(word);
        if (text == NULL || used + strlen(text) + 2 >= sizeof out->command) {
            break;
        }
        used += (size_t)snprintf(out->command + used, sizeof out->command - used, "%s%s",
                                 used > 0 ? " " : "", text);
    }
}

static void read_overrides(json_t *root, provenance_summary *out) {
    json_t *list = json_object_get(root, "overrides");
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry) {
        out->overrides_total++;
        if (out->override_count == PROVENANCE_OVERRIDES_MAX) {
            continue;
        }
        char path[PROVENANCE_TEXT_BYTES / 2], value[PROVENANCE_TEXT_BYTES / 2] = "";
        copy_string(entry, "path", path, sizeof path);
        if (json_is_array(json_object_get(entry, "values"))) {
            size_t v;
            json_t *item;
            size_t used = 0;
            json_array_foreach(json_object_get(entry, "values"), v, item) {
                const char *text = json_string_value(item);
                if (text == NULL || used + strlen(text) + 2 >= sizeof value) {
                    break;
                }
                used += (size_t)snprintf(value + used, sizeof value - used, "%s%s",
                                         used > 0 ? "," : "", text);
            }
        } else {
            copy_string(entry, "value", value, sizeof value);
        }
        snprintf(out->overrides[out->override_count++], PROVENANCE_TEXT_BYTES, "%s%s=%s",
                 json_is_array(json_object_get(entry, "values")) ? "sweep " : "", path, value);
    }
}

int provenance_read(const char *dir, provenance_summary *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, "provenance.json", err);
    if (rc != RL_OK || access(path, F_OK) != 0) {
        return rc;
    }
    json_t *root = NULL;
    rc = provenance_load_json(dir, &root, err);
    if (rc != RL_OK) {
        return rc;
    }
    out->present = true;
    copy_string(root, "scenario_file", out->scenario_file, sizeof out->scenario_file);
    copy_string(root, "ratelab_version", out->version, sizeof out->version);
    copy_string(root, "revision", out->revision, sizeof out->revision);
    json_t *world = json_object_get(root, "world");
    char kind[32], server[128], version[32];
    copy_string(world, "kind", kind, sizeof kind);
    copy_string(world, "redis_server", server, sizeof server);
    copy_string(world, "redis_version", version, sizeof version);
    if (server[0] != '\0') {
        snprintf(out->world, sizeof out->world, "%s, Redis %s at %s", kind,
                 version[0] != '\0' ? version : "(version unknown)", server);
    } else {
        snprintf(out->world, sizeof out->world, "%s", kind);
    }
    read_command(root, out);
    read_overrides(root, out);
    json_decref(root);
    return RL_OK;
}
