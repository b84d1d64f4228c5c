/* provenance_merge.c - the provenance of a merged sweep: its shards must agree on everything but
 * their command lines and shard numbers, and the merged folder says how it was put together. */
#include "harness/report/provenance.h"
#include "harness/report/provenance_json.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/core/build_info.h"
#include "harness/report/output_file.h"
#include "harness/report/results_folder.h"

/* A new JSON string of text (see provenance.c: json_string is json_writer.h's). */
static json_t *text_json(const char *text) {
    return json_stringn(text, strlen(text));
}

int provenance_load_json(const char *dir, json_t **out, rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, "provenance.json", err);
    if (rc != RL_OK) {
        return rc;
    }
    json_error_t problem;
    json_t *root = json_load_file(path, 0, &problem);
    if (!json_is_object(root)) {
        json_decref(root);
        /* jansson's message can quote the offending byte: shown printable (found by fuzzing) */
        return rl_error_printable(err, rl_error_set(err, RL_ERR_INVALID, "%s:%d: %s", path,
                                                    problem.line,
                                                    root == NULL ? problem.text
                                                                 : "not a JSON object"));
    }
    *out = root;
    return RL_OK;
}

/* Reads the whole file dir/name into a new buffer (*out, *length; the caller frees it). */
static int load_file(const char *dir, const char *name, char **out, size_t *length,
                     rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, dir, name, err);
    if (rc != RL_OK) {
        return rc;
    }
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        return rl_error_set(err, errno == ENOENT ? RL_ERR_INVALID : RL_ERR_IO, "%s: %s", path,
                            strerror(errno));
    }
    char *text = NULL;
    size_t size = 0;
    FILE *copy = open_memstream(&text, &size);
    char chunk[8192];
    size_t n;
    while (copy != NULL && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
        fwrite(chunk, 1, n, copy);
    }
    bool failed = ferror(in) != 0 || copy == NULL;
    fclose(in);
    if (copy != NULL) {
        fclose(copy);
    }
    if (failed) {
        free(text);
        return rl_error_set(err, RL_ERR_IO, "%s: read error", path);
    }
    *out = text;
    *length = size;
    return RL_OK;
}

/* The first key of a whose value differs in b (or is missing there), or NULL. */
static const char *first_difference(json_t *a, json_t *b) {
    const char *key;
    json_t *value;
    json_object_foreach(a, key, value) {
        if (!json_equal(value, json_object_get(b, key))) {
            return key;
        }
    }
    json_object_foreach(b, key, value) {
        if (json_object_get(a, key) == NULL) {
            return key;
        }
    }
    return NULL;
}

/* Why a difference in key matters, for the message. */
static const char *difference_meaning(const char *key) {
    if (strcmp(key, "revision") == 0 || strcmp(key, "ratelab_version") == 0 ||
        strcmp(key, "rng_stream_version") == 0) {
        return "made by different builds of ratelab";
    }
    if (strcmp(key, "seeds") == 0) {
        return "different seeds or replications";
    }
    if (strcmp(key, "overrides") == 0) {
        return "different --set or --sweep settings";
    }
    if (strcmp(key, "scenario_file") == 0) {
        return "different scenario files";
    }
    return "different runs";
}

int provenance_shards_check(const char *const *dirs, int count, rl_error *err) {
    json_t *first = NULL;
    char *first_yaml = NULL;
    size_t first_length = 0;
    int rc = provenance_load_json(dirs[0], &first, err);
    if (rc == RL_OK) {
        rc = load_file(dirs[0], "scenario.yaml", &first_yaml, &first_length, err);
    }
    if (rc == RL_OK) {
        json_object_del(first, "command");
        json_object_del(first, "shard");
        /* The merge writes the files with its own code: it must be the shards' build. */
        const char *revision = json_string_value(json_object_get(first, "revision"));
        const char *version = json_string_value(json_object_get(first, "ratelab_version"));
        if (revision == NULL || version == NULL || strcmp(revision, build_info_revision()) != 0 ||
            strcmp(version, build_info_version()) != 0) {
            rc = rl_error_set(err, RL_ERR_INVALID,
                              "%s was made by ratelab %s (revision %s), this is ratelab %s "
                              "(revision %s); merge with the build that ran the shards",
                              dirs[0], version != NULL ? version : "(unknown)",
                              revision != NULL ? revision : "(unknown)", build_info_version(),
                              build_info_revision());
        }
    }
    for (int i = 1; rc == RL_OK && i < count; i++) {
        json_t *other = NULL;
        rc = provenance_load_json(dirs[i], &other, err);
        if (rc != RL_OK) {
            break;
        }
        json_object_del(other, "command");
        json_object_del(other, "shard");
        const char *key = first_difference(first, other);
        if (key != NULL) {
            rc = rl_error_set(err, RL_ERR_INVALID,
                              "%s and %s: their provenance.json differ in \"%s\" (%s); merge "
                              "only the shards of one sweep, run by one build",
                              dirs[0], dirs[i], key, difference_meaning(key));
        }
        json_decref(other);
        char *yaml = NULL;
        size_t length = 0;
        if (rc == RL_OK) {
            rc = load_file(dirs[i], "scenario.yaml", &yaml, &length, err);
        }
        if (rc == RL_OK && (length != first_length || memcmp(yaml, first_yaml, length) != 0)) {
            rc = rl_error_set(err, RL_ERR_INVALID,
                              "%s and %s: their scenario.yaml differ (different scenarios or "
                              "settings); merge only the shards of one sweep", dirs[0], dirs[i]);
        }
        free(yaml);
    }
    json_decref(first);
    free(first_yaml);
    return rc;
}

/* The command line argv[0..argc) as a JSON array starting with "ratelab". */
static json_t *command_json(int argc, char *const *argv) {
    json_t *command = json_array();
    json_array_append_new(command, text_json("ratelab"));
    for (int i = 0; i < argc; i++) {
        json_array_append_new(command, text_json(argv[i]));
    }
    return command;
}

/* Copies dirs[0]/scenario.yaml into out_dir. */
static int copy_scenario_yaml(const char *out_dir, const char *from_dir, rl_error *err) {
    char *text = NULL;
    size_t length = 0;
    int rc = load_file(from_dir, "scenario.yaml", &text, &length, err);
    FILE *out = NULL;
    if (rc == RL_OK) {
        rc = output_file_open(out_dir, "scenario.yaml", &out, err);
    }
    if (rc == RL_OK) {
        fwrite(text, 1, length, out);
        rc = output_file_close(out, out_dir, "scenario.yaml", err);
    }
    free(text);
    return rc;
}

int provenance_write_merged(const char *out_dir, const char *const *dirs, int count, int argc,
                            char *const *argv, rl_error *err) {
    int rc = copy_scenario_yaml(out_dir, dirs[0], err);
    json_t *root = NULL;
    if (rc == RL_OK) {
        rc = provenance_load_json(dirs[0], &root, err);
    }
    json_t *merged_from = json_array();
    for (int i = 0; rc == RL_OK && i < count; i++) {
        json_t *shard = NULL;
        rc = provenance_load_json(dirs[i], &shard, err);
        if (rc == RL_OK) {
            json_t *entry = json_pack("{s:s, s:O, s:O}", "folder", dirs[i], "shard",
                                      json_object_get(shard, "shard"), "command",
                                      json_object_get(shard, "command"));
            if (entry == NULL) { /* a shard's provenance without "shard" or "command" */
                rc = rl_error_set(err, RL_ERR_INVALID,
                                  "%s/provenance.json: no \"shard\" or \"command\" (not a shard)",
                                  dirs[i]);
            }
            json_array_append_new(merged_from, entry);
            json_decref(shard);
        }
    }
    if (rc == RL_OK) {
        json_object_del(root, "shard");
        json_object_set_new(root, "command", command_json(argc, argv));
        json_object_set(root, "merged_from", merged_from);
        FILE *out = NULL;
        rc = output_file_open(out_dir, "provenance.json", &out, err);
        if (rc == RL_OK) {
            json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            fputc('\n', out);
            rc = output_file_close(out, out_dir, "provenance.json", err);
        }
    }
    json_decref(merged_from);
    json_decref(root);
    return rc;
}
