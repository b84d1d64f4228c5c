/* scenario_schema.c - turning a YAML tree into a scenario, checking every key and value.
 *
 * Each mapping of the format has a reader: it refuses unknown keys (listing the allowed ones),
 * then keys that do not apply (to the API model, limiter algorithm, workload kind or
 * distribution chosen), then missing required keys, then reads each value with its unit and
 * range. Defaults are written first, so a scenario is complete whatever the file leaves out.
 * The first problem found is reported and reading stops. */
#include "harness/scenario/scenario_schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/scenario/scenario_blocks.h"
#include "harness/scenario/schema_read.h"
#include "mock_api/api_presets.h"

#define DEFAULT_SEED 1
#define DEFAULT_BIN_US INT64_C(100000)
#define DEFAULT_NETWORK_MEDIAN_US INT64_C(250)
#define DEFAULT_NETWORK_P99_US INT64_C(1000)
#define DEFAULT_COMMAND_US INT64_C(10)
#define DEFAULT_SCRIPT_US INT64_C(25)
#define DEFAULT_STORE_TIMEOUT_US INT64_C(1000000)
#define DEFAULT_STORE_RETRY_US INT64_C(1000000)
#define DEFAULT_LOCK_TTL_US INT64_C(100000)
#define DEFAULT_LOCK_RETRY_US INT64_C(10000)
#define DEFAULT_API_LATENCY_US INT64_C(50000)
#define DEFAULT_BURST_WINDOW_US INT64_C(1000000)
#define DEFAULT_LIMITER_BURST 1
#define DEFAULT_LIMITER_QUEUE 100
#define DEFAULT_LIMITER_K_MILLI 2000              /* K = 2, the SRE book's choice */
#define DEFAULT_LIMITER_WINDOW_US INT64_C(120000000) /* the SRE book's two minutes */
#define LIMITER_K_MILLI_MAX INT64_C(1000000)       /* K = 1000, as sre_throttle allows */
#define DEFAULT_RETRY_MAX 3
#define DEFAULT_RETRY_BASE_US INT64_C(100000)
#define DEFAULT_RETRY_CAP_US INT64_C(10000000)
/* A limiter whose algorithm reads no rate still carries a valid one (1 per second). */
#define PLACEHOLDER_PERIOD_US INT64_C(1000000)
#define WORKLOAD_CONCURRENCY_MAX 1000000
#define DESCRIPTION_BYTES_MAX (SCENARIO_DESCRIPTION_BYTES - 1)
/* The limiter value that means "no limiter" (so that --set can remove one). */
#define NO_LIMITER "none"

static const char *const ROOT_KEYS[] = {"name",     "description", "claim",    "duration", "seed",
                                        "bin",      "store",       "apis",     "limiters",
                                        "pods",     "faults",      "expect",   "sweep",
                                        NULL};
static const char *const STORE_KEYS[] = {"network", "command", "script", "timeout", NULL};
static const char *const API_KEYS[] = {"model", "limit",   "burst", "burst_window",
                                       "drop",  "penalty", "tokens", "cost",
                                       "quota", "latency", "preset", "bucket", NULL};
static const char *const QUOTA_BOUND_KEYS[] = {"tokens", "cost", "quota", NULL};
static const char *const LEAKY_BUCKET_KEYS[] = {"bucket", NULL};
/* Keys of the other models that a leaky_bucket API refuses: its bucket is its burst. */
static const char *const NOT_LEAKY_BUCKET_KEYS[] = {"burst", NULL};
#define API_MODEL_NAMES "burst_intolerant, quota_bound or leaky_bucket"
static const char *const LIMITER_KEYS[] = {"algorithm", "scope",      "rate",
                                           "burst",     "max_wait",   "queue",
                                           "on_store_failure", "store_retry", "lock_ttl",
                                           "lock_retry", "k", "window", NULL};
/* Keys that apply only to shared limiters, and only to redis_lock. */
static const char *const SHARED_ONLY_KEYS[] = {"on_store_failure", "store_retry", NULL};
static const char *const LOCK_ONLY_KEYS[] = {"lock_ttl", "lock_retry", NULL};
static const char *const GROUP_KEYS[] = {"count", "start", "jitter", "traffic", NULL};
static const char *const TRAFFIC_KEYS[] = {"api", "limiter", "workload", "retry",
                                           "ttl", "start", "stop", NULL};
static const char *const WORKLOAD_KEYS[] = {"kind", "requests", "every", "rate", "concurrency",
                                            "first", NULL};
static const char *const RETRY_KEYS[] = {"max", "base", "cap", "jitter", "retry_after", NULL};
static const char *const DIST_KEYS[] = {"dist", "value", "min", "max", "mean", "median", "p99",
                                        NULL};

static const enum_entry SCOPES[] = {{"local", LIMITER_SCOPE_LOCAL},
                                    {"redis", LIMITER_SCOPE_STORE},
                                    {"redis_lock", LIMITER_SCOPE_STORE_LOCK}};
static const enum_entry STORE_FAILURE_MODES[] = {{"fail_closed", STORE_FAILURE_FAIL_CLOSED},
                                                 {"fail_open", STORE_FAILURE_FAIL_OPEN},
                                                 {"local_fallback", STORE_FAILURE_LOCAL_FALLBACK}};
static const enum_entry WORKLOAD_KINDS[] = {
    {"gather", WORKLOAD_GATHER}, {"poisson", WORKLOAD_POISSON}, {"constant", WORKLOAD_CONSTANT}};
static const enum_entry WORKLOAD_FIRSTS[] = {{"now", WORKLOAD_FIRST_NOW},
                                             {"random", WORKLOAD_FIRST_RANDOM}};
static const enum_entry JITTERS[] = {{"full", JITTER_FULL},
                                     {"equal", JITTER_EQUAL},
                                     {"decorrelated", JITTER_DECORRELATED},
                                     {"none", JITTER_NONE}};
static const enum_entry DIST_KINDS[] = {{"constant", DIST_CONSTANT},
                                        {"uniform", DIST_UNIFORM},
                                        {"exponential", DIST_EXPONENTIAL},
                                        {"lognormal", DIST_LOGNORMAL}};

/* Which distribution each parameter key belongs to. */
static const enum_entry DIST_PARAMS[] = {{"value", DIST_CONSTANT},   {"min", DIST_UNIFORM},
                                         {"max", DIST_UNIFORM},      {"mean", DIST_EXPONENTIAL},
                                         {"median", DIST_LOGNORMAL}, {"p99", DIST_LOGNORMAL}};

/* Which limiter setting each key is. */
typedef struct limiter_param_key {
    const char *key;
    unsigned param;
} limiter_param_key;

static const limiter_param_key LIMITER_PARAM_KEYS[] = {{"rate", LIMITER_PARAM_RATE},
                                                       {"burst", LIMITER_PARAM_BURST},
                                                       {"max_wait", LIMITER_PARAM_MAX_WAIT},
                                                       {"queue", LIMITER_PARAM_QUEUE},
                                                       {"k", LIMITER_PARAM_K},
                                                       {"window", LIMITER_PARAM_WINDOW}};

/* A scenario-wide seed: a uint64 ("_" allowed between digits). */
static int read_seed(const schema_ctx *c, const schema_map *m, uint64_t *out) {
    const ytree_pair *pair = schema_get(m, "seed");
    if (pair == NULL) {
        return RL_OK;
    }
    const char *text = NULL;
    int status = schema_value_text(c, "seed", pair, "a whole number such as 42", &text);
    if (status != RL_OK) {
        return status;
    }
    uint64_t value = 0;
    size_t length = strlen(text);
    bool ok = length > 0;
    for (size_t i = 0; ok && i < length; i++) {
        char ch = text[i];
        if (ch == '_' && i > 0 && i + 1 < length && text[i - 1] != '_' && text[i + 1] != '_') {
            continue;
        }
        if (ch < '0' || ch > '9' || value > (UINT64_MAX - (uint64_t)(ch - '0')) / 10) {
            ok = false;
            break;
        }
        value = value * 10 + (uint64_t)(ch - '0');
    }
    if (!ok) {
        char quoted[YTREE_QUOTE_BYTES];
        ytree_quote(text, quoted, sizeof quoted);
        return schema_fail(c, schema_value_line(pair), "seed",
                    "\"%s\" is not a seed; write a whole number from 0 to %" PRIu64, quoted,
                    UINT64_MAX);
    }
    *out = value;
    return RL_OK;
}

/* ---- distributions ---- */

/* Reads text as one quantity of spec (a duration or a count) into *out. */
static int read_quantity_text(const schema_ctx *c, int line, const char *path, const char *text,
                              const quantity_spec *spec, int64_t *out) {
    rl_error local;
    int status = spec->is_time ? units_parse_duration_us(text, out, &local)
                               : units_parse_count(text, out, &local);
    if (status != RL_OK) {
        return schema_fail(c, line, path, "%s", local.message);
    }
    if (*out >= spec->min && *out <= DIST_VALUE_MAX) {
        return RL_OK;
    }
    if (spec->is_time) {
        char shown[SCHEMA_NUMBER_BYTES];
        char low[SCHEMA_NUMBER_BYTES];
        schema_format_duration(*out, shown);
        schema_format_duration(spec->min, low);
        return schema_fail(c, line, path, "%s is out of range; allowed %s to 2^40us", shown, low);
    }
    return schema_fail(c, line, path,
                       "%" PRId64 " is out of range; allowed %" PRId64 " to %" PRId64, *out,
                       spec->min, DIST_VALUE_MAX);
}

/* Reads the parameter key of the distribution mapping m into *out (it must be present). */
static int read_dist_param(const schema_ctx *c, const schema_map *m, const char *key,
                           const quantity_spec *spec, int64_t min, int64_t *out) {
    const ytree_pair *pair = schema_get(m, key);
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, key, path, sizeof path);
    const char *text = NULL;
    int status = schema_value_text(c, path, pair,
                            spec->is_time ? "a duration such as 250ms"
                                          : "a whole number such as 100",
                            &text);
    if (status != RL_OK) {
        return status;
    }
    quantity_spec bounded = *spec;
    bounded.min = min > spec->min ? min : spec->min;
    return read_quantity_text(c, schema_value_line(pair), path, text, &bounded, out);
}

/* Refuses a distribution parameter that belongs to another kind than kind. */
static int check_dist_params(const schema_ctx *c, const schema_map *m, int kind) {
    for (size_t i = 0; i < COUNT_OF(DIST_PARAMS); i++) {
        const ytree_pair *pair = schema_get(m, DIST_PARAMS[i].name);
        if (pair == NULL || DIST_PARAMS[i].value == kind) {
            continue;
        }
        char path[YTREE_PATH_BYTES];
        schema_key_path(m, pair->key, path, sizeof path);
        return schema_fail(c, pair->key_line, path, "only for dist %s; this distribution is %s",
                    dist_kind_name((dist_kind)DIST_PARAMS[i].value),
                    dist_kind_name((dist_kind)kind));
    }
    return RL_OK;
}

/* Reads a distribution written as a mapping {dist: KIND, ...}. */
static int read_dist_map(const schema_ctx *c, const schema_map *m, const quantity_spec *spec,
                         dist *out) {
    int status = schema_check_keys(c, m, DIST_KEYS);
    if (status == RL_OK) {
        status = schema_require(c, m, "dist",
                         "write dist: constant (value), uniform (min, max), exponential (mean) "
                         "or lognormal (median, p99)");
    }
    int kind = DIST_CONSTANT;
    if (status == RL_OK) {
        status = schema_read_enum(c, m, "dist", DIST_KINDS, COUNT_OF(DIST_KINDS), &kind);
    }
    if (status == RL_OK) {
        status = check_dist_params(c, m, kind);
    }
    for (size_t i = 0; status == RL_OK && i < COUNT_OF(DIST_PARAMS); i++) {
        if (DIST_PARAMS[i].value == kind) {
            char why[64];
            snprintf(why, sizeof why, "a %s distribution needs it",
                     dist_kind_name((dist_kind)kind));
            status = schema_require(c, m, DIST_PARAMS[i].name, why);
        }
    }
    if (status != RL_OK) {
        return status;
    }
    dist result = {.kind = (dist_kind)kind};
    switch ((dist_kind)kind) {
    case DIST_CONSTANT:
        status = read_dist_param(c, m, "value", spec, spec->min, &result.a);
        result.b = result.a;
        break;
    case DIST_UNIFORM:
        status = read_dist_param(c, m, "min", spec, spec->min, &result.a);
        if (status == RL_OK) {
            status = read_dist_param(c, m, "max", spec, result.a, &result.b);
        }
        break;
    case DIST_EXPONENTIAL:
        status = read_dist_param(c, m, "mean", spec, spec->min, &result.a);
        break;
    case DIST_LOGNORMAL:
        status = read_dist_param(c, m, "median", spec, 1, &result.a);
        if (status == RL_OK) {
            status = read_dist_param(c, m, "p99", spec, result.a, &result.b);
        }
        break;
    }
    if (status == RL_OK) {
        *out = result;
    }
    return status;
}

/* Reads key of m as a distribution: a single value or a {dist: ...} mapping. Leaves *out when
 * absent. */
static int read_dist(const schema_ctx *c, const schema_map *m, const char *key,
                     const quantity_spec *spec, dist *out) {
    const ytree_pair *pair = schema_get(m, key);
    if (pair == NULL) {
        return RL_OK;
    }
    const char *expected = spec->is_time
                               ? "a duration such as 5ms, or a map such as {dist: lognormal, "
                                 "median: 80ms, p99: 400ms}"
                               : "a whole number such as 100, or a map such as {dist: uniform, "
                                 "min: 200, max: 2000}";
    if (pair->value->kind == YTREE_MAPPING) {
        schema_map dm = {.node = pair->value};
        schema_key_path(m, key, dm.path, sizeof dm.path);
        return read_dist_map(c, &dm, spec, out);
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, key, path, sizeof path);
    const char *text = NULL;
    int status = schema_value_text(c, path, pair, expected, &text);
    if (status != RL_OK) {
        return status;
    }
    int64_t value = 0;
    status = read_quantity_text(c, schema_value_line(pair), path, text, spec, &value);
    if (status != RL_OK) {
        return status;
    }
    if (spec->scalar_is_spread && value > 0) {
        *out = (dist){.kind = DIST_UNIFORM, .a = 0, .b = value};
    } else {
        *out = dist_constant(value);
    }
    return RL_OK;
}

/* ---- the store ---- */

static int read_store(const schema_ctx *c, const schema_map *root, store_config *store) {
    store->network_us = (dist){
        .kind = DIST_LOGNORMAL, .a = DEFAULT_NETWORK_MEDIAN_US, .b = DEFAULT_NETWORK_P99_US};
    store->service_command_us = DEFAULT_COMMAND_US;
    store->service_script_us = DEFAULT_SCRIPT_US;
    store->timeout_us = DEFAULT_STORE_TIMEOUT_US;
    const ytree_pair *pair = schema_get(root, "store");
    if (pair == NULL) {
        return RL_OK;
    }
    schema_map m;
    int status =
        schema_open_map(c, root, pair, "a mapping of network, command, script and timeout", &m);
    if (status == RL_OK) {
        status = schema_check_keys(c, &m, STORE_KEYS);
    }
    const quantity_spec time = {.is_time = true, .min = 0};
    if (status == RL_OK) {
        status = read_dist(c, &m, "network", &time, &store->network_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "command", 0, UNITS_DURATION_MAX_US,
                               &store->service_command_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "script", 0, UNITS_DURATION_MAX_US,
                               &store->service_script_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "timeout", 1, UNITS_DURATION_MAX_US,
                                      &store->timeout_us);
    }
    return status;
}

/* ---- APIs ---- */

/* Refuses the first key of keys found in m, saying why. */
static int refuse_keys(const schema_ctx *c, const schema_map *m, const char *const *keys,
                       const char *why, api_model_kind kind) {
    for (const char *const *key = keys; *key != NULL; key++) {
        const ytree_pair *pair = schema_get(m, *key);
        if (pair != NULL) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(m, *key, path, sizeof path);
            return schema_fail(c, pair->key_line, path, "%s; this API is %s", why,
                               api_model_kind_name(kind));
        }
    }
    return RL_OK;
}

/* Refuses the keys of one model in an API of another. */
static int check_api_model_keys(const schema_ctx *c, const schema_map *m, api_model_kind kind) {
    int status = RL_OK;
    if (kind != API_MODEL_QUOTA_BOUND) {
        status = refuse_keys(c, m, QUOTA_BOUND_KEYS, "only for model quota_bound", kind);
    }
    if (status == RL_OK && kind != API_MODEL_LEAKY_BUCKET) {
        status = refuse_keys(c, m, LEAKY_BUCKET_KEYS, "only for model leaky_bucket", kind);
    }
    if (status == RL_OK && kind == API_MODEL_LEAKY_BUCKET) {
        status = refuse_keys(c, m, NOT_LEAKY_BUCKET_KEYS,
                             "not for model leaky_bucket, whose bucket is the burst it allows "
                             "(burst_window sets where max_burst is measured)",
                             kind);
    }
    return status;
}

/* Reads model (required) into *kind. */
static int read_api_model(const schema_ctx *c, const schema_map *m, api_model_kind *kind) {
    const ytree_pair *pair = schema_get(m, "model");
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "model", path, sizeof path);
    const char *text = NULL;
    int status = schema_value_text(c, path, pair, API_MODEL_NAMES, &text);
    if (status != RL_OK) {
        return status;
    }
    if (api_model_kind_parse(text, kind) != RL_OK) {
        char quoted[YTREE_QUOTE_BYTES];
        ytree_quote(text, quoted, sizeof quoted);
        return schema_fail(c, schema_value_line(pair), path,
                    "\"%s\" is not a model; write " API_MODEL_NAMES, quoted);
    }
    return RL_OK;
}

/* Reads burst and burst_window (at most one of them) into cfg. */
static int read_api_burst(const schema_ctx *c, const schema_map *m, bool has_preset,
                          api_config *cfg) {
    if (!has_preset) {
        cfg->burst_window_us =
            cfg->kind == API_MODEL_QUOTA_BOUND ? cfg->window_us : DEFAULT_BURST_WINDOW_US;
    }
    const ytree_pair *window = schema_get(m, "burst_window");
    if (window != NULL && schema_get(m, "burst") != NULL) {
        char path[YTREE_PATH_BYTES];
        schema_key_path(m, "burst_window", path, sizeof path);
        return schema_fail(c, window->key_line, path,
                    "not together with burst, whose period is the burst window; give one of them");
    }
    int status = schema_read_rate(c, m, "burst", &cfg->burst_limit, &cfg->burst_window_us);
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "burst_window", 1, UNITS_DURATION_MAX_US,
                               &cfg->burst_window_us);
    }
    return status;
}

/* Reads tokens, whose period must be the limit's window. */
static int read_api_tokens(const schema_ctx *c, const schema_map *m, api_config *cfg) {
    int64_t period_us = cfg->window_us;
    int status = schema_read_rate(c, m, "tokens", &cfg->tokens_limit, &period_us);
    if (status != RL_OK || period_us == cfg->window_us) {
        return status;
    }
    const ytree_pair *pair = schema_get(m, "tokens");
    char path[YTREE_PATH_BYTES];
    char period[SCHEMA_NUMBER_BYTES];
    char window[SCHEMA_NUMBER_BYTES];
    schema_key_path(m, "tokens", path, sizeof path);
    schema_format_duration(period_us, period);
    schema_format_duration(cfg->window_us, window);
    return schema_fail(c, schema_value_line(pair), path,
                "the period %s differs from the window of limit (%s); give tokens per %s", period,
                window, window);
}

/* Reads the settings of an API into cfg, over its defaults or its preset's settings. */
static int read_api_fields(const schema_ctx *c, const schema_map *m, bool has_preset,
                           api_config *cfg) {
    int status = schema_read_rate(c, m, "limit", &cfg->limit, &cfg->window_us);
    if (status == RL_OK) {
        status = read_api_burst(c, m, has_preset, cfg);
    }
    if (status == RL_OK) {
        status = schema_read_ppm(c, m, "drop", &cfg->drop_ppm);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "penalty", 0, UNITS_DURATION_MAX_US, &cfg->penalty_us);
    }
    if (status == RL_OK) {
        status = read_api_tokens(c, m, cfg);
    }
    const quantity_spec tokens = {.is_time = false, .min = 1};
    if (status == RL_OK) {
        status = read_dist(c, m, "cost", &tokens, &cfg->cost_tokens);
    }
    if (status == RL_OK) {
        status = schema_read_rate(c, m, "quota", &cfg->quota_limit, &cfg->quota_window_us);
    }
    if (status == RL_OK) {
        status = schema_read_count(c, m, "bucket", 1, API_BUCKET_SIZE_MAX, &cfg->bucket_size);
    }
    const quantity_spec time = {.is_time = true, .min = 0};
    if (status == RL_OK) {
        status = read_dist(c, m, "latency", &time, &cfg->latency_us);
    }
    return status;
}

/* Reads preset (optional) into cfg: the preset's settings, which the keys beside it override;
 * *found says whether there was one. An unknown name fails with the list of presets. */
static int read_api_preset(const schema_ctx *c, const schema_map *m, api_config *cfg,
                           bool *found) {
    *found = false;
    const ytree_pair *pair = schema_get(m, "preset");
    if (pair == NULL) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "preset", path, sizeof path);
    char names[256] = "";
    for (int i = 0; i < api_preset_count(); i++) {
        schema_list_append(names, sizeof names, api_preset_at(i)->name);
    }
    const char *text = NULL;
    int status = schema_value_text(c, path, pair, names, &text);
    if (status != RL_OK) {
        return status;
    }
    const api_preset *preset = api_preset_find(text);
    if (preset == NULL) {
        char quoted[YTREE_QUOTE_BYTES];
        ytree_quote(text, quoted, sizeof quoted);
        return schema_fail(c, schema_value_line(pair), path,
                           "\"%s\" is not a preset; allowed: %s (ratelab list --presets)", quoted,
                           names);
    }
    *cfg = preset->config;
    *found = true;
    return RL_OK;
}

/* Checks that a model given beside a preset is the preset's own (a preset's settings belong to
 * its model; another model starts from no preset). */
static int check_preset_model(const schema_ctx *c, const schema_map *m, api_model_kind preset_kind,
                              api_model_kind kind) {
    if (kind == preset_kind) {
        return RL_OK;
    }
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "model", path, sizeof path);
    return schema_fail(c, schema_value_line(schema_get(m, "model")), path,
                       "the preset is model %s; leave model out or write %s (another model "
                       "takes no preset)",
                       api_model_kind_name(preset_kind), api_model_kind_name(preset_kind));
}

/* Reads model into cfg->kind: required without a preset, else the preset's own if given. */
static int read_api_kind(const schema_ctx *c, const schema_map *m, bool has_preset,
                         api_config *cfg) {
    if (!has_preset) {
        int status = schema_require(c, m, "model",
                                    "an API needs model (" API_MODEL_NAMES ") or preset");
        if (status == RL_OK) {
            status = schema_require(c, m, "limit",
                                    "an API needs limit (COUNT/PERIOD such as 120/min) or preset");
        }
        if (status == RL_OK) {
            status = read_api_model(c, m, &cfg->kind);
        }
        if (status == RL_OK && cfg->kind == API_MODEL_LEAKY_BUCKET) {
            status = schema_require(c, m, "bucket",
                                    "a leaky_bucket API needs bucket (the requests it holds, "
                                    "such as 40)");
        }
        return status;
    }
    if (schema_get(m, "model") == NULL) {
        return RL_OK;
    }
    api_model_kind preset_kind = cfg->kind;
    int status = read_api_model(c, m, &cfg->kind);
    if (status == RL_OK) {
        status = check_preset_model(c, m, preset_kind, cfg->kind);
    }
    return status;
}

static int read_api(const schema_ctx *c, const schema_map *apis, const ytree_pair *entry,
                    scenario_api *api) {
    schema_map m;
    char path[YTREE_PATH_BYTES];
    schema_key_path(apis, entry->key, path, sizeof path);
    int status = schema_check_name(c, entry->key_line, path, entry->key, false);
    if (status == RL_OK) {
        status = schema_open_map(c, apis, entry,
                                 "a mapping of API settings (preset, model, limit, ...)", &m);
    }
    if (status == RL_OK) {
        status = schema_check_keys(c, &m, API_KEYS);
    }
    api_config *cfg = &api->config;
    bool has_preset = false;
    if (status == RL_OK) {
        status = read_api_preset(c, &m, cfg, &has_preset);
    }
    if (status == RL_OK) {
        status = read_api_kind(c, &m, has_preset, cfg);
    }
    if (status == RL_OK) {
        status = check_api_model_keys(c, &m, cfg->kind);
    }
    if (status != RL_OK) {
        return status;
    }
    snprintf(api->name, sizeof api->name, "%s", entry->key);
    const ytree_pair *limit = schema_get(&m, "limit");
    api->limit_line = schema_value_line(limit != NULL ? limit : schema_get(&m, "preset"));
    if (!has_preset) {
        /* api_config_validate wants a burst_intolerant API's cost left at the constant 0. */
        cfg->cost_tokens = dist_constant(cfg->kind == API_MODEL_QUOTA_BOUND ? 1 : 0);
        cfg->latency_us = dist_constant(DEFAULT_API_LATENCY_US);
    }
    status = read_api_fields(c, &m, has_preset, cfg);
    if (status != RL_OK) {
        return status;
    }
    rl_error local;
    if (api_config_validate(cfg, &local) != RL_OK) {
        return schema_fail(c, entry->key_line, m.path, "%s", local.message);
    }
    return RL_OK;
}

static int read_apis(const schema_ctx *c, const schema_map *root, scenario *out) {
    const ytree_pair *pair = schema_get(root, "apis");
    schema_map m;
    int status = schema_open_map(c, root, pair, "a mapping of API names to APIs", &m);
    if (status != RL_OK) {
        return status;
    }
    if (m.node->count == 0) {
        return schema_fail(c, schema_value_line(pair), m.path, "no APIs; define 1 to %d",
                           SCENARIO_APIS_MAX);
    }
    for (size_t i = 0; i < m.node->count; i++) {
        const ytree_pair *entry = &m.node->pairs[i];
        if (i >= SCENARIO_APIS_MAX) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(&m, entry->key, path, sizeof path);
            return schema_fail(c, entry->key_line, path, "one API too many; a scenario has 1 to %d",
                        SCENARIO_APIS_MAX);
        }
        status = read_api(c, &m, entry, &out->apis[i]);
        if (status != RL_OK) {
            return status;
        }
        out->api_count = (int)i + 1;
    }
    return RL_OK;
}

/* ---- limiters ---- */

/* Reads algorithm (required) into *out. */
static int read_limiter_algorithm(const schema_ctx *c, const schema_map *m,
                                  const limiter_algorithm **out) {
    const ytree_pair *pair = schema_get(m, "algorithm");
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "algorithm", path, sizeof path);
    const char *text = NULL;
    int status = schema_value_text(c, path, pair, "an algorithm name such as gcra", &text);
    if (status != RL_OK) {
        return status;
    }
    *out = limiter_algorithm_find(text);
    if (*out != NULL) {
        return RL_OK;
    }
    char list[SCHEMA_LIST_BYTES] = "";
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        schema_list_append(list, sizeof list, limiter_algorithm_at(i)->name);
    }
    char quoted[YTREE_QUOTE_BYTES];
    ytree_quote(text, quoted, sizeof quoted);
    return schema_fail(c, schema_value_line(pair), path,
                       "\"%s\" is not a known algorithm; write one of %s", quoted, list);
}

/* Refuses settings the algorithm does not read. */
static int check_limiter_params(const schema_ctx *c, const schema_map *m,
                                const limiter_algorithm *algorithm) {
    char reads[SCHEMA_LIST_BYTES] = "";
    for (size_t i = 0; i < COUNT_OF(LIMITER_PARAM_KEYS); i++) {
        if ((algorithm->params & LIMITER_PARAM_KEYS[i].param) != 0) {
            schema_list_append(reads, sizeof reads, LIMITER_PARAM_KEYS[i].key);
        }
    }
    for (size_t i = 0; i < COUNT_OF(LIMITER_PARAM_KEYS); i++) {
        const ytree_pair *pair = schema_get(m, LIMITER_PARAM_KEYS[i].key);
        if (pair == NULL || (algorithm->params & LIMITER_PARAM_KEYS[i].param) != 0) {
            continue;
        }
        char path[YTREE_PATH_BYTES];
        schema_key_path(m, pair->key, path, sizeof path);
        return schema_fail(c, pair->key_line, path, "%s does not read %s; it reads %s",
                           algorithm->name, pair->key, reads[0] != '\0' ? reads : "no settings");
    }
    if ((algorithm->params & LIMITER_PARAM_RATE) != 0) {
        char why[128];
        snprintf(why, sizeof why, "%s reads rate: write COUNT/PERIOD such as 5/s",
                 algorithm->name);
        return schema_require(c, m, "rate", why);
    }
    return RL_OK;
}

/* Refuses keys that do not apply to scope: store settings in a local limiter, lock settings
 * outside redis_lock. */
static int check_scope_keys(const schema_ctx *c, const schema_map *m, limiter_scope scope) {
    for (const char *const *key = SHARED_ONLY_KEYS; *key != NULL; key++) {
        const ytree_pair *pair = schema_get(m, *key);
        if (pair != NULL && scope == LIMITER_SCOPE_LOCAL) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(m, *key, path, sizeof path);
            return schema_fail(c, pair->key_line, path,
                               "applies only to a shared limiter (scope redis or redis_lock)");
        }
    }
    for (const char *const *key = LOCK_ONLY_KEYS; *key != NULL; key++) {
        const ytree_pair *pair = schema_get(m, *key);
        if (pair != NULL && scope != LIMITER_SCOPE_STORE_LOCK) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(m, *key, path, sizeof path);
            return schema_fail(c, pair->key_line, path, "applies only to scope redis_lock");
        }
    }
    return RL_OK;
}

/* Refuses a limiter that learns from the API's answers under redis_lock: the pods would have to
 * take the lock again for every outcome, which the lock protocol does not do. */
static int check_learning_scope(const schema_ctx *c, const schema_map *m,
                                const limiter_algorithm *algorithm, limiter_scope scope) {
    if (algorithm->observe == NULL || scope != LIMITER_SCOPE_STORE_LOCK) {
        return RL_OK;
    }
    const ytree_pair *pair = schema_get(m, "scope");
    char path[YTREE_PATH_BYTES];
    schema_key_path(m, "scope", path, sizeof path);
    return schema_fail(c, schema_value_line(pair), path,
                       "%s learns from the API's answers, which redis_lock cannot pass to the "
                       "shared state; write local or redis",
                       algorithm->name);
}

/* Reads what a shared limiter does without its store, and the lock protocol's timings. */
static int read_store_settings(const schema_ctx *c, const schema_map *m,
                               scenario_limiter *limiter) {
    int mode = STORE_FAILURE_FAIL_CLOSED;
    limiter->store_retry_us = DEFAULT_STORE_RETRY_US;
    limiter->lock_ttl_us = DEFAULT_LOCK_TTL_US;
    limiter->lock_retry_us = DEFAULT_LOCK_RETRY_US;
    int status = schema_read_enum(c, m, "on_store_failure", STORE_FAILURE_MODES,
                                  COUNT_OF(STORE_FAILURE_MODES), &mode);
    limiter->on_store_failure = (store_failure_mode)mode;
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "store_retry", 1, UNITS_DURATION_MAX_US,
                                      &limiter->store_retry_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "lock_ttl", 1, UNITS_DURATION_MAX_US,
                                      &limiter->lock_ttl_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "lock_retry", 0, UNITS_DURATION_MAX_US,
                                      &limiter->lock_retry_us);
    }
    return status;
}

static int read_limiter(const schema_ctx *c, const schema_map *limiters, const ytree_pair *entry,
                        scenario_limiter *limiter) {
    schema_map m;
    char path[YTREE_PATH_BYTES];
    schema_key_path(limiters, entry->key, path, sizeof path);
    int status = schema_check_name(c, entry->key_line, path, entry->key, false);
    if (status == RL_OK && strcmp(entry->key, NO_LIMITER) == 0) {
        status = schema_fail(c, entry->key_line, path,
                      "\"none\" is reserved (it means no limiter); choose another name");
    }
    if (status == RL_OK) {
        status = schema_open_map(c, limiters, entry,
                                 "a mapping of limiter settings (algorithm, ...)", &m);
    }
    if (status == RL_OK) {
        status = schema_check_keys(c, &m, LIMITER_KEYS);
    }
    if (status == RL_OK) {
        status = schema_require(c, &m, "algorithm", "a limiter needs algorithm (such as gcra)");
    }
    if (status == RL_OK) {
        status = schema_require(c, &m, "scope",
                                "a limiter needs scope (local, redis or redis_lock)");
    }
    limiter_config *cfg = &limiter->config;
    if (status == RL_OK) {
        status = read_limiter_algorithm(c, &m, &cfg->algorithm);
    }
    int scope = LIMITER_SCOPE_LOCAL;
    if (status == RL_OK) {
        status = schema_read_enum(c, &m, "scope", SCOPES, COUNT_OF(SCOPES), &scope);
    }
    if (status == RL_OK) {
        status = check_limiter_params(c, &m, cfg->algorithm);
    }
    if (status == RL_OK) {
        status = check_scope_keys(c, &m, (limiter_scope)scope);
    }
    if (status == RL_OK) {
        status = read_store_settings(c, &m, limiter);
    }
    if (status != RL_OK) {
        return status;
    }
    snprintf(limiter->name, sizeof limiter->name, "%s", entry->key);
    limiter->scope = (limiter_scope)scope;
    cfg->limit = 1;
    cfg->period_us = PLACEHOLDER_PERIOD_US;
    cfg->burst = DEFAULT_LIMITER_BURST;
    cfg->max_wait_us = 0;
    cfg->queue_max = DEFAULT_LIMITER_QUEUE;
    cfg->k_milli = DEFAULT_LIMITER_K_MILLI;
    cfg->window_us = DEFAULT_LIMITER_WINDOW_US;
    status = schema_read_rate(c, &m, "rate", &cfg->limit, &cfg->period_us);
    if (status == RL_OK) {
        status = schema_read_count(c, &m, "burst", 1, INT64_MAX, &cfg->burst);
    }
    if (status == RL_OK) {
        status =
            schema_read_duration(c, &m, "max_wait", 0, UNITS_DURATION_MAX_US, &cfg->max_wait_us);
    }
    if (status == RL_OK) {
        status = schema_read_count(c, &m, "queue", 1, INT64_MAX, &cfg->queue_max);
    }
    if (status == RL_OK) {
        status = schema_read_milli(c, &m, "k", 1000, LIMITER_K_MILLI_MAX, &cfg->k_milli);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "window", 1, UNITS_DURATION_MAX_US, &cfg->window_us);
    }
    if (status == RL_OK) {
        status = check_learning_scope(c, &m, cfg->algorithm, (limiter_scope)scope);
    }
    if (status != RL_OK) {
        return status;
    }
    rl_error local;
    if (limiter_config_validate(cfg, &local) != RL_OK) {
        return schema_fail(c, entry->key_line, m.path, "%s", local.message);
    }
    return RL_OK;
}

static int read_limiters(const schema_ctx *c, const schema_map *root, scenario *out) {
    const ytree_pair *pair = schema_get(root, "limiters");
    if (pair == NULL) {
        return RL_OK;
    }
    schema_map m;
    int status = schema_open_map(c, root, pair, "a mapping of limiter names to limiters", &m);
    for (size_t i = 0; status == RL_OK && i < m.node->count; i++) {
        const ytree_pair *entry = &m.node->pairs[i];
        if (i >= SCENARIO_LIMITERS_MAX) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(&m, entry->key, path, sizeof path);
            return schema_fail(c, entry->key_line, path,
                               "one limiter too many; a scenario has 0 to %d",
                               SCENARIO_LIMITERS_MAX);
        }
        status = read_limiter(c, &m, entry, &out->limiters[i]);
        if (status == RL_OK) {
            out->limiter_count = (int)i + 1;
        }
    }
    return status;
}

/* ---- pods and their traffic ---- */

static int read_workload(const schema_ctx *c, const schema_map *m, workload_config *w) {
    int status = schema_check_keys(c, m, WORKLOAD_KEYS);
    if (status == RL_OK) {
        status =
            schema_require(c, m, "kind", "a workload needs kind (gather, poisson or constant)");
    }
    int kind = WORKLOAD_GATHER;
    if (status == RL_OK) {
        status = schema_read_enum(c, m, "kind", WORKLOAD_KINDS, COUNT_OF(WORKLOAD_KINDS), &kind);
    }
    if (status != RL_OK) {
        return status;
    }
    w->kind = (workload_kind)kind;
    const char *misplaced = NULL;
    const char *only_for = NULL;
    if (w->kind == WORKLOAD_GATHER) {
        misplaced = schema_get(m, "rate") != NULL    ? "rate"
                    : schema_get(m, "first") != NULL ? "first"
                                                     : NULL;
        only_for = "only for kinds poisson and constant";
    } else {
        misplaced = schema_get(m, "requests") != NULL ? "requests"
                    : schema_get(m, "every") != NULL  ? "every"
                                               : NULL;
        only_for = "only for kind gather";
    }
    if (misplaced != NULL) {
        char path[YTREE_PATH_BYTES];
        schema_key_path(m, misplaced, path, sizeof path);
        return schema_fail(c, schema_get(m, misplaced)->key_line, path, "%s; this workload is %s",
                           only_for, workload_kind_name(w->kind));
    }
    if (w->kind == WORKLOAD_GATHER) {
        status =
            schema_require(c, m, "requests", "a gather workload needs requests (1 to 1000000)");
        if (status == RL_OK) {
            status =
                schema_read_count(c, m, "requests", 1, SCENARIO_GATHER_REQUESTS_MAX, &w->requests);
        }
        if (status == RL_OK) {
            status = schema_read_duration(c, m, "every", 0, UNITS_DURATION_MAX_US, &w->repeat_us);
        }
    } else {
        status =
            schema_require(c, m, "rate", "this workload needs rate (COUNT/PERIOD such as 5/s)");
        if (status == RL_OK) {
            status = schema_read_rate(c, m, "rate", &w->rate_count, &w->rate_period_us);
        }
        /* Time steps by 1 us: faster, jobs pile up at one instant and the run never advances
         * (1e12/s grew memory at 150 MB/s without progress). */
        if (status == RL_OK && w->rate_count > w->rate_period_us) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(m, "rate", path, sizeof path);
            return schema_fail(c, schema_get(m, "rate")->key_line, path,
                               "more than one job per microsecond per pod; at most 1000000/s "
                               "(time steps by 1 us): spread the traffic over more pods");
        }
        int first = WORKLOAD_FIRST_NOW;
        if (status == RL_OK && schema_get(m, "first") != NULL) {
            status = schema_read_enum(c, m, "first", WORKLOAD_FIRSTS, COUNT_OF(WORKLOAD_FIRSTS),
                                      &first);
        }
        w->first = (workload_first)first;
    }
    if (status == RL_OK) {
        status =
            schema_read_count(c, m, "concurrency", 0, WORKLOAD_CONCURRENCY_MAX, &w->concurrency);
    }
    return status;
}

static int read_retry(const schema_ctx *c, const schema_map *traffic, retry_config *r) {
    r->max_retries = DEFAULT_RETRY_MAX;
    r->backoff_base_us = DEFAULT_RETRY_BASE_US;
    r->backoff_cap_us = DEFAULT_RETRY_CAP_US;
    r->jitter = JITTER_FULL;
    r->honour_retry_after = true;
    const ytree_pair *pair = schema_get(traffic, "retry");
    if (pair == NULL) {
        return RL_OK;
    }
    schema_map m;
    int status =
        schema_open_map(c, traffic, pair, "a mapping of max, base, cap, jitter, retry_after", &m);
    if (status == RL_OK) {
        status = schema_check_keys(c, &m, RETRY_KEYS);
    }
    if (status == RL_OK) {
        status = schema_read_count(c, &m, "max", 0, SCENARIO_RETRIES_MAX, &r->max_retries);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "base", 0, UNITS_DURATION_MAX_US, &r->backoff_base_us);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, &m, "cap", 0, UNITS_DURATION_MAX_US, &r->backoff_cap_us);
    }
    int jitter = JITTER_FULL;
    if (status == RL_OK) {
        status = schema_read_enum(c, &m, "jitter", JITTERS, COUNT_OF(JITTERS), &jitter);
    }
    if (status == RL_OK) {
        status = schema_read_bool(c, &m, "retry_after", &r->honour_retry_after);
    }
    if (status != RL_OK) {
        return status;
    }
    r->jitter = (jitter_kind)jitter;
    if (r->backoff_cap_us >= r->backoff_base_us) {
        return RL_OK;
    }
    char cap[SCHEMA_NUMBER_BYTES];
    char base[SCHEMA_NUMBER_BYTES];
    schema_format_duration(r->backoff_cap_us, cap);
    schema_format_duration(r->backoff_base_us, base);
    const ytree_pair *at =
        schema_get(&m, "cap") != NULL ? schema_get(&m, "cap") : schema_get(&m, "base");
    char path[YTREE_PATH_BYTES];
    schema_key_path(&m, at->key, path, sizeof path);
    return schema_fail(c, schema_value_line(at), path,
                       "cap %s%s is below base %s; cap must be >= base", cap,
                       schema_get(&m, "cap") != NULL ? "" : " (the default)", base);
}

/* Reads key of m as a duration before the run's end. */
static int read_instant(const schema_ctx *c, const schema_map *m, const char *key, int64_t *out) {
    int status = schema_read_duration(c, m, key, 0, UNITS_DURATION_MAX_US, out);
    if (status != RL_OK || *out < c->out->duration_us) {
        return status;
    }
    const ytree_pair *pair = schema_get(m, key);
    char path[YTREE_PATH_BYTES];
    char shown[SCHEMA_NUMBER_BYTES];
    char end[SCHEMA_NUMBER_BYTES];
    schema_key_path(m, key, path, sizeof path);
    schema_format_duration(*out, shown);
    schema_format_duration(c->out->duration_us, end);
    return schema_fail(c, schema_value_line(pair), path,
                       "%s is not before the run's end (duration %s); "
                       "start earlier",
                       shown, end);
}

/* Reads the API and limiter a traffic entry names. */
static int read_traffic_refs(const schema_ctx *c, const schema_map *m, scenario_traffic *t) {
    const scenario *s = c->out;
    char path[YTREE_PATH_BYTES];
    char list[SCHEMA_LIST_BYTES] = "";
    char quoted[YTREE_QUOTE_BYTES];
    const ytree_pair *pair = schema_get(m, "api");
    const char *text = NULL;
    schema_key_path(m, "api", path, sizeof path);
    int status = schema_value_text(c, path, pair, "the name of an API under apis", &text);
    if (status != RL_OK) {
        return status;
    }
    t->api_index = scenario_find_api(s, text);
    if (t->api_index < 0) {
        for (int i = 0; i < s->api_count; i++) {
            schema_list_append(list, sizeof list, s->apis[i].name);
        }
        ytree_quote(text, quoted, sizeof quoted);
        return schema_fail(c, schema_value_line(pair), path, "\"%s\" names no API; defined: %s",
                           quoted, list);
    }
    t->limiter_index = -1;
    pair = schema_get(m, "limiter");
    if (pair == NULL) {
        return RL_OK;
    }
    schema_key_path(m, "limiter", path, sizeof path);
    status =
        schema_value_text(c, path, pair, "the name of a limiter under limiters, or none", &text);
    if (status != RL_OK || strcmp(text, NO_LIMITER) == 0) {
        return status;
    }
    t->limiter_index = scenario_find_limiter(s, text);
    if (t->limiter_index < 0) {
        ytree_quote(text, quoted, sizeof quoted);
        if (s->limiter_count == 0) {
            return schema_fail(c, schema_value_line(pair), path,
                        "\"%s\" names no limiter, and none are defined; define it under "
                        "limiters, or write none",
                        quoted);
        }
        for (int i = 0; i < s->limiter_count; i++) {
            schema_list_append(list, sizeof list, s->limiters[i].name);
        }
        schema_list_append(list, sizeof list, NO_LIMITER);
        return schema_fail(c, schema_value_line(pair), path,
                           "\"%s\" names no limiter; write one of %s", quoted, list);
    }
    return RL_OK;
}

/* Reads stop: 0 (the run's end) or an instant after the traffic starts, up to the end. */
static int read_traffic_stop(const schema_ctx *c, const schema_map *m, int64_t first_us,
                             scenario_traffic *t) {
    int status = schema_read_duration(c, m, "stop", 0, c->out->duration_us, &t->stop_us);
    if (status != RL_OK || t->stop_us == 0 || t->stop_us > first_us) {
        return status;
    }
    const ytree_pair *pair = schema_get(m, "stop");
    char path[YTREE_PATH_BYTES];
    char stop[SCHEMA_NUMBER_BYTES];
    char first[SCHEMA_NUMBER_BYTES];
    schema_key_path(m, "stop", path, sizeof path);
    schema_format_duration(t->stop_us, stop);
    schema_format_duration(first_us, first);
    return schema_fail(c, schema_value_line(pair), path,
                "%s is not after the traffic starts (%s: group start plus traffic start); write "
                "a later instant, or 0 for the run's end",
                stop, first);
}

static int read_traffic(const schema_ctx *c, const schema_map *m, int64_t group_start_us,
                        scenario_traffic *t) {
    int status = schema_check_keys(c, m, TRAFFIC_KEYS);
    if (status == RL_OK) {
        status = schema_require(c, m, "api", "a traffic entry needs api (the name of an API)");
    }
    if (status == RL_OK) {
        status = schema_require(c, m, "workload", "a traffic entry needs workload (with kind)");
    }
    if (status == RL_OK) {
        status = read_traffic_refs(c, m, t);
    }
    schema_map workload;
    if (status == RL_OK) {
        status = schema_open_map(c, m, schema_get(m, "workload"),
                          "a mapping with kind (gather, poisson, constant)", &workload);
    }
    if (status == RL_OK) {
        status = read_workload(c, &workload, &t->workload);
    }
    const ytree_pair *requests = status == RL_OK ? schema_get(&workload, "requests") : NULL;
    t->requests_line = requests != NULL ? schema_value_line(requests) : 0;
    if (status == RL_OK) {
        status = read_retry(c, m, &t->retry);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, m, "ttl", 0, UNITS_DURATION_MAX_US, &t->ttl_us);
    }
    if (status == RL_OK) {
        status = read_instant(c, m, "start", &t->start_us);
    }
    if (status == RL_OK) {
        status = read_traffic_stop(c, m, group_start_us + t->start_us, t);
    }
    return status;
}

static int read_traffic_list(const schema_ctx *c, const schema_map *group_map,
                             scenario_pod_group *group) {
    const ytree_pair *pair = schema_get(group_map, "traffic");
    char path[YTREE_PATH_BYTES];
    schema_key_path(group_map, "traffic", path, sizeof path);
    const ytree_node *list = pair->value;
    if (list->kind != YTREE_SEQUENCE) {
        return schema_fail(c, schema_value_line(pair), path,
                    "expected a list of 1 to %d traffic entries (- api: ...), got %s",
                    SCENARIO_TRAFFIC_MAX, ytree_kind_phrase(list));
    }
    if (list->count == 0 || list->count > SCENARIO_TRAFFIC_MAX) {
        return schema_fail(c, schema_value_line(pair), path,
                           "%zu traffic entries; a group has 1 to %d", list->count,
                           SCENARIO_TRAFFIC_MAX);
    }
    for (size_t i = 0; i < list->count; i++) {
        schema_map m;
        schema_sequence_item(path, list, i, &m);
        if (m.node->kind != YTREE_MAPPING) {
            return schema_fail(c, m.node->line, m.path,
                        "expected a traffic entry (a mapping with api and workload), got %s",
                        ytree_kind_phrase(m.node));
        }
        int status = read_traffic(c, &m, group->start_us, &group->traffic[i]);
        if (status != RL_OK) {
            return status;
        }
        group->traffic_count = (int)i + 1;
    }
    return RL_OK;
}

static int read_group(const schema_ctx *c, const schema_map *pods, const ytree_pair *entry,
                      scenario_pod_group *group, int64_t *pods_total) {
    schema_map m;
    char path[YTREE_PATH_BYTES];
    schema_key_path(pods, entry->key, path, sizeof path);
    int status = schema_check_name(c, entry->key_line, path, entry->key, false);
    if (status == RL_OK) {
        status = schema_open_map(c, pods, entry,
                                 "a mapping of group settings (count, traffic, ...)", &m);
    }
    if (status == RL_OK) {
        status = schema_check_keys(c, &m, GROUP_KEYS);
    }
    if (status == RL_OK) {
        status = schema_require(c, &m, "count", "a pod group needs count (1 or more pods)");
    }
    if (status == RL_OK) {
        status = schema_require(c, &m, "traffic", "a pod group needs traffic (a list of 1 to 4)");
    }
    if (status == RL_OK) {
        status = schema_read_count(c, &m, "count", 1, SCENARIO_PODS_MAX, &group->count);
    }
    if (status != RL_OK) {
        return status;
    }
    snprintf(group->name, sizeof group->name, "%s", entry->key);
    group->count_line = schema_value_line(schema_get(&m, "count"));
    if (group->count > SCENARIO_PODS_MAX - *pods_total) {
        const ytree_pair *count = schema_get(&m, "count");
        char count_path[YTREE_PATH_BYTES];
        schema_key_path(&m, "count", count_path, sizeof count_path);
        return schema_fail(c, schema_value_line(count), count_path,
                    "brings the pods of all groups to %" PRId64 "; at most %d together",
                    *pods_total + group->count, SCENARIO_PODS_MAX);
    }
    *pods_total += group->count;
    status = read_instant(c, &m, "start", &group->start_us);
    const quantity_spec jitter = {.is_time = true, .min = 0, .scalar_is_spread = true};
    group->start_jitter_us = dist_constant(0);
    if (status == RL_OK) {
        status = read_dist(c, &m, "jitter", &jitter, &group->start_jitter_us);
    }
    if (status == RL_OK) {
        status = read_traffic_list(c, &m, group);
    }
    return status;
}

static int read_pods(const schema_ctx *c, const schema_map *root, scenario *out) {
    const ytree_pair *pair = schema_get(root, "pods");
    schema_map m;
    int status = schema_open_map(c, root, pair, "a mapping of group names to pod groups", &m);
    if (status != RL_OK) {
        return status;
    }
    if (m.node->count == 0) {
        return schema_fail(c, schema_value_line(pair), m.path, "no pod groups; define 1 to %d",
                    SCENARIO_POD_GROUPS_MAX);
    }
    int64_t pods_total = 0;
    for (size_t i = 0; i < m.node->count; i++) {
        const ytree_pair *entry = &m.node->pairs[i];
        if (i >= SCENARIO_POD_GROUPS_MAX) {
            char path[YTREE_PATH_BYTES];
            schema_key_path(&m, entry->key, path, sizeof path);
            return schema_fail(c, entry->key_line, path,
                               "one group too many; a scenario has 1 to %d",
                               SCENARIO_POD_GROUPS_MAX);
        }
        status = read_group(c, &m, entry, &out->pod_groups[i], &pods_total);
        if (status != RL_OK) {
            return status;
        }
        out->pod_group_count = (int)i + 1;
    }
    return RL_OK;
}

/* ---- the document ---- */

/* Reads key (free text, a block such as |) into out (SCENARIO_DESCRIPTION_BYTES); "" when
 * absent. */
static int read_text_block(const schema_ctx *c, const schema_map *root, const char *key,
                           char *out) {
    out[0] = '\0';
    const ytree_pair *pair = schema_get(root, key);
    if (pair == NULL) {
        return RL_OK;
    }
    const char *text = NULL;
    int status = schema_value_text(c, key, pair, "text (a block such as |)", &text);
    if (status != RL_OK) {
        return status;
    }
    size_t length = strlen(text);
    if (length > DESCRIPTION_BYTES_MAX) {
        return schema_fail(c, schema_value_line(pair), key, "%zu bytes long; at most %d bytes",
                           length, DESCRIPTION_BYTES_MAX);
    }
    memcpy(out, text, length + 1);
    return RL_OK;
}

static int read_name_and_description(const schema_ctx *c, const schema_map *root, scenario *out) {
    const ytree_pair *pair = schema_get(root, "name");
    const char *text = NULL;
    int status = schema_value_text(c, "name", pair, "a name such as stampede", &text);
    if (status == RL_OK) {
        status = schema_check_name(c, schema_value_line(pair), "name", text, true);
    }
    if (status != RL_OK) {
        return status;
    }
    snprintf(out->name, sizeof out->name, "%s", text);
    status = read_text_block(c, root, "description", out->description);
    if (status == RL_OK) {
        status = read_text_block(c, root, "claim", out->claim);
    }
    return status;
}

/* Checks that duration / bin (rounded up) is at most SCENARIO_BINS_MAX. */
static int check_bins(const schema_ctx *c, const schema_map *root, const scenario *out) {
    int64_t bins = out->duration_us / out->bin_us + (out->duration_us % out->bin_us != 0);
    if (bins <= SCENARIO_BINS_MAX) {
        return RL_OK;
    }
    int64_t bin_min_us = out->duration_us / SCENARIO_BINS_MAX +
                         (out->duration_us % SCENARIO_BINS_MAX != 0);
    char bin[SCHEMA_NUMBER_BYTES];
    char duration[SCHEMA_NUMBER_BYTES];
    char bin_min[SCHEMA_NUMBER_BYTES];
    schema_format_duration(out->bin_us, bin);
    schema_format_duration(out->duration_us, duration);
    schema_format_duration(bin_min_us, bin_min);
    const ytree_pair *at = schema_get(root, "bin");
    const char *path = "bin";
    const char *fix = "make bin longer";
    if (at == NULL) {
        at = schema_get(root, "duration");
        path = "duration";
        fix = "set bin (the default is 100ms)";
    }
    return schema_fail(c, schema_value_line(at), path,
                "bin %s over duration %s makes %" PRId64 " bins; at most %d: %s, to %s or more",
                bin, duration, bins, SCENARIO_BINS_MAX, fix, bin_min);
}

static int read_root(const schema_ctx *c, const schema_map *root, scenario *out) {
    int status = schema_check_keys(c, root, ROOT_KEYS);
    static const char *const REQUIRED[] = {"name", "duration", "apis", "pods"};
    for (size_t i = 0; status == RL_OK && i < COUNT_OF(REQUIRED); i++) {
        status =
            schema_require(c, root, REQUIRED[i], "a scenario needs name, duration, apis and pods");
    }
    if (status == RL_OK) {
        status = read_name_and_description(c, root, out);
    }
    if (status == RL_OK) {
        status = schema_read_duration(c, root, "duration", 1, SCENARIO_DURATION_MAX_US,
                               &out->duration_us);
    }
    out->seed = DEFAULT_SEED;
    if (status == RL_OK) {
        status = read_seed(c, root, &out->seed);
    }
    out->bin_us = DEFAULT_BIN_US;
    if (status == RL_OK) {
        status = schema_read_duration(c, root, "bin", 1, UNITS_DURATION_MAX_US, &out->bin_us);
    }
    if (status == RL_OK) {
        status = check_bins(c, root, out);
    }
    if (status == RL_OK) {
        out->duration_line = schema_value_line(schema_get(root, "duration"));
    }
    if (status == RL_OK) {
        status = read_store(c, root, &out->store);
    }
    if (status == RL_OK) {
        status = read_apis(c, root, out);
    }
    if (status == RL_OK) {
        status = read_limiters(c, root, out);
    }
    if (status == RL_OK) {
        status = read_pods(c, root, out);
    }
    if (status == RL_OK) {
        status = scenario_faults_read(c, root, out);
    }
    if (status == RL_OK) {
        status = scenario_expect_read(c, root, out);
    }
    if (status == RL_OK) {
        status = scenario_sweep_read(c, root, out);
    }
    return status;
}

int scenario_schema_read(const ytree_node *root, const char *file, scenario *out, rl_error *err) {
    char source_path[SCENARIO_PATH_BYTES];
    memcpy(source_path, out->source_path, sizeof source_path);
    memset(out, 0, sizeof *out);
    memcpy(out->source_path, source_path, sizeof source_path);
    schema_ctx c = {.file = file, .err = err, .out = out};
    schema_map m = {.node = root, .path = ""};
    return read_root(&c, &m, out);
}
