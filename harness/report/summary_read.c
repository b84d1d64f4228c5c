/* summary_read.c - reading summary.json back with jansson. */
#include "harness/report/summary_read.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Where a read is, for messages: the file and the key being looked up. */
typedef struct summary_reader {
    const char *path;
    rl_error *err;
    int rc;
} summary_reader;

/* Follows a dotted key ("latency_us.p50") from object. NULL when a part is missing. */
static json_t *lookup(json_t *object, const char *dotted) {
    char part[64];
    const char *at = dotted;
    while (object != NULL) {
        size_t length = strcspn(at, ".");
        if (length >= sizeof part) {
            return NULL;
        }
        memcpy(part, at, length);
        part[length] = '\0';
        object = json_object_get(object, part);
        if (at[length] == '\0') {
            return object;
        }
        at += length + 1;
    }
    return NULL;
}

static void fail(summary_reader *r, const char *where, const char *key, const char *what) {
    if (r->rc == RL_OK) {
        r->rc = rl_error_set(r->err, RL_ERR_INVALID, "%s: %s%s%s %s", r->path, where,
                             where[0] != '\0' ? "." : "", key, what);
    }
}

static double number(summary_reader *r, json_t *object, const char *where, const char *key) {
    json_t *value = lookup(object, key);
    if (!json_is_number(value)) {
        fail(r, where, key, value == NULL ? "is missing" : "is not a number");
        return 0;
    }
    return json_number_value(value);
}

static int64_t whole(summary_reader *r, json_t *object, const char *where, const char *key) {
    double value = number(r, object, where, key);
    if (value < -9.2e18 || value > 9.2e18) {
        fail(r, where, key, "is out of range");
        return 0;
    }
    return (int64_t)llround(value);
}

static void text(summary_reader *r, json_t *object, const char *where, const char *key,
                 bool required, char *out, size_t size) {
    json_t *value = lookup(object, key);
    out[0] = '\0';
    if (value == NULL && !required) {
        return;
    }
    if (!json_is_string(value)) {
        fail(r, where, key, value == NULL ? "is missing" : "is not a string");
        return;
    }
    snprintf(out, size, "%s", json_string_value(value));
}

bool summary_name_is_safe(const char *name) {
    size_t length = strlen(name);
    if (length == 0 || length >= SCENARIO_NAME_BYTES || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        return false;
    }
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
           length;
}

static void read_api(summary_reader *r, const char *name, json_t *object, summary_api *a) {
    char where[96];
    snprintf(where, sizeof where, "apis.%s", name);
    if (!summary_name_is_safe(name)) {
        fail(r, "apis", "", "has an API name ratelab would not write (A-Z a-z 0-9 _ . - only)");
        return;
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    text(r, object, where, "limiter", false, a->limiter, sizeof a->limiter);
    text(r, object, where, "model", true, a->model, sizeof a->model);
    a->limit = whole(r, object, where, "limit");
    a->window_us = whole(r, object, where, "window_us");
    a->burst_window_us = whole(r, object, where, "burst_window_us");
    a->jobs_created = whole(r, object, where, "jobs_created");
    a->jobs_completed = whole(r, object, where, "jobs_completed");
    a->jobs_abandoned = whole(r, object, where, "jobs_abandoned.total");
    a->jobs_pending = whole(r, object, where, "jobs_pending");
    a->attempts = whole(r, object, where, "attempts");
    a->accepted = whole(r, object, where, "accepted");
    a->rejected_429 = whole(r, object, where, "rejected_429");
    a->dropped = whole(r, object, where, "dropped");
    a->rate_429 = number(r, object, where, "rate_429");
    a->latency_p50_us = whole(r, object, where, "latency_us.p50");
    a->latency_p99_us = whole(r, object, where, "latency_us.p99");
    a->latency_max_us = whole(r, object, where, "latency_us.max");
    a->wasted_quota = number(r, object, where, "wasted_quota");
    a->max_burst = whole(r, object, where, "max_burst");
    a->burst_allowance = whole(r, object, where, "burst_allowance");
    a->burst_ratio = number(r, object, where, "burst_ratio");
    a->fairness_jain = number(r, object, where, "fairness_jain");
    if (r->rc == RL_OK && (a->window_us <= 0 || a->limit <= 0)) {
        fail(r, where, "window_us", "must be above 0, as must limit");
    }
}

static void read_root(summary_reader *r, json_t *root, run_summary *out) {
    text(r, root, "", "world", true, out->world, sizeof out->world);
    json_t *partial = json_object_get(root, "partial");
    out->partial = json_is_true(partial);
    text(r, root, "", "scenario.name", true, out->name, sizeof out->name);
    text(r, root, "", "scenario.file", false, out->file, sizeof out->file);
    text(r, root, "", "scenario.description", false, out->description, sizeof out->description);
    double seed = number(r, root, "", "scenario.seed");
    if (!(seed >= 0 && seed < 18446744073709551616.0)) {
        fail(r, "scenario", "seed", "is not a seed (a whole number from 0 to 2^64-1)");
        seed = 0;
    }
    out->seed = (uint64_t)seed;
    json_t *exact_seed = lookup(root, "scenario.seed");
    if (json_is_integer(exact_seed)) {
        out->seed = (uint64_t)json_integer_value(exact_seed);
    }
    out->duration_us = whole(r, root, "", "scenario.duration_us");
    out->bin_us = whole(r, root, "", "scenario.bin_us");
    out->pods = whole(r, root, "", "scenario.pods");
    if (r->rc == RL_OK && (out->duration_us <= 0 || out->bin_us <= 0)) {
        fail(r, "scenario", "bin_us", "must be above 0, as must duration_us");
    }
    if (r->rc == RL_OK && (out->duration_us > SCENARIO_DURATION_MAX_US ||
                           out->bin_us > SCENARIO_DURATION_MAX_US)) {
        fail(r, "scenario", "duration_us", "or bin_us is longer than a scenario may run (7d)");
    }
    out->store_ops = whole(r, root, "", "store.ops");
    out->store_ops_per_s = number(r, root, "", "store.ops_per_s");
    out->store_rtt_p50_us = whole(r, root, "", "store.rtt_us.p50");
    out->store_rtt_p99_us = whole(r, root, "", "store.rtt_us.p99");
    json_t *apis = json_object_get(root, "apis");
    if (!json_is_object(apis) || json_object_size(apis) == 0) {
        fail(r, "", "apis", "is missing or empty");
        return;
    }
    const char *name;
    json_t *api;
    json_object_foreach(apis, name, api) {
        if (out->api_count == SCENARIO_APIS_MAX) {
            fail(r, "", "apis", "has more APIs than ratelab runs");
            return;
        }
        read_api(r, name, api, &out->apis[out->api_count++]);
    }
}

int summary_read_file(const char *path, run_summary *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    fclose(file);
    json_error_t json_err;
    json_t *root = json_load_file(path, 0, &json_err);
    if (root == NULL) {
        /* A seed above 2^63 is not a json_int_t: read numbers as reals then. */
        root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &json_err);
    }
    if (root == NULL) {
        return rl_error_printable(err, rl_error_set(err, RL_ERR_INVALID,
                                                    "%s:%d: not valid JSON: %s", path,
                                                    json_err.line, json_err.text));
    }
    summary_reader r = {.path = path, .err = err, .rc = RL_OK};
    if (!json_is_object(root)) {
        fail(&r, "", "(top)", "is not an object");
    } else {
        read_root(&r, root, out);
    }
    json_decref(root);
    return rl_error_printable(err, r.rc);
}

int summary_api_index(const run_summary *s, const char *name) {
    for (int i = 0; i < s->api_count; i++) {
        if (strcmp(s->apis[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}
