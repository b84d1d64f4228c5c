/* test_scenario_load.c - reading scenarios strictly: every field, every error class, --set, and
 * random mutations of a valid document. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_load.h"
#include "mock_api/api_presets.h"

#define MUTATION_SEED UINT64_C(20240611)
#define MUTATION_CASES 10000
#define FILE_BYTES_MAX (1u << 20)

/* A scenario that sets every key, most of them away from their defaults. Line numbers matter:
 * tests below refer to them. */
static const char FULL[] =
    "name: stampede.v1\n"                                            /* 1 */
    "description: |\n"                                               /* 2 */
    "  20 pods wake at once.\n"                                      /* 3 */
    "duration: 60s\n"                                                /* 4 */
    "seed: 18446744073709551615\n"                                   /* 5 */
    "bin: 250ms\n"                                                   /* 6 */
    "store:\n"                                                       /* 7 */
    "  network: {dist: uniform, min: 100us, max: 2ms}\n"             /* 8 */
    "  command: 20us\n"                                              /* 9 */
    "  script: 30us\n"                                               /* 10 */
    "apis:\n"                                                        /* 11 */
    "  powerbi:\n"                                                   /* 12 */
    "    model: burst_intolerant\n"                                  /* 13 */
    "    limit: 120/min\n"                                           /* 14 */
    "    burst: 5/1s\n"                                              /* 15 */
    "    drop: 10%\n"                                                /* 16 */
    "    penalty: 2s\n"                                              /* 17 */
    "    latency: {dist: lognormal, median: 80ms, p99: 400ms}\n"     /* 18 */
    "  llm:\n"                                                       /* 19 */
    "    model: quota_bound\n"                                       /* 20 */
    "    limit: 500/min\n"                                           /* 21 */
    "    burst_window: 2s\n"                                         /* 22 */
    "    tokens: 90000/1min\n"                                       /* 23 */
    "    cost: {dist: uniform, min: 200, max: 2000}\n"               /* 24 */
    "    quota: 10_000/day\n"                                        /* 25 */
    "    latency: {dist: exponential, mean: 1.5s}\n"                 /* 26 */
    "limiters:\n"                                                    /* 27 */
    "  shared_gcra:\n"                                               /* 28 */
    "    algorithm: gcra\n"                                          /* 29 */
    "    scope: redis\n"                                             /* 30 */
    "    rate: 2/s\n"                                                /* 31 */
    "    burst: 3\n"                                                 /* 32 */
    "  pacer:\n"                                                     /* 33 */
    "    algorithm: gcra_pace\n"                                     /* 34 */
    "    scope: local\n"                                             /* 35 */
    "    rate: 40/10s\n"                                             /* 36 */
    "    max_wait: 30s\n"                                            /* 37 */
    "  queue:\n"                                                     /* 38 */
    "    algorithm: leaky_bucket_queue\n"                            /* 39 */
    "    scope: local\n"                                             /* 40 */
    "    rate: 5/s\n"                                                /* 41 */
    "    queue: 50\n"                                                /* 42 */
    "pods:\n"                                                        /* 43 */
    "  workers:\n"                                                   /* 44 */
    "    count: 20\n"                                                /* 45 */
    "    start: 1s\n"                                                /* 46 */
    "    jitter: 5ms\n"                                              /* 47 */
    "    traffic:\n"                                                 /* 48 */
    "      - api: powerbi\n"                                         /* 49 */
    "        limiter: shared_gcra\n"                                 /* 50 */
    "        workload:\n"                                            /* 51 */
    "          kind: gather\n"                                       /* 52 */
    "          requests: 30\n"                                       /* 53 */
    "          every: 10s\n"                                         /* 54 */
    "          concurrency: 10\n"                                    /* 55 */
    "        retry:\n"                                               /* 56 */
    "          max: 5\n"                                             /* 57 */
    "          base: 200ms\n"                                        /* 58 */
    "          cap: 20s\n"                                           /* 59 */
    "          jitter: decorrelated\n"                               /* 60 */
    "          retry_after: false\n"                                 /* 61 */
    "        ttl: 45s\n"                                             /* 62 */
    "        start: 2s\n"                                            /* 63 */
    "        stop: 50s\n"                                            /* 64 */
    "      - api: llm\n"                                             /* 65 */
    "        workload: {kind: poisson, rate: 5/s}\n"                 /* 66 */
    "  batch:\n"                                                     /* 67 */
    "    count: 1_000\n"                                             /* 68 */
    "    jitter: {dist: constant, value: 3ms}\n"                     /* 69 */
    "    traffic:\n"                                                 /* 70 */
    "      - api: llm\n"                                             /* 71 */
    "        limiter: pacer\n"                                       /* 72 */
    "        workload: {kind: constant, rate: 100/min}\n";           /* 73 */

/* The smallest valid scenario: everything else is a default. */
static const char MINIMAL[] =
    "name: t\n"                                       /* 1 */
    "duration: 10s\n"                                 /* 2 */
    "apis:\n"                                         /* 3 */
    "  a:\n"                                          /* 4 */
    "    model: burst_intolerant\n"                   /* 5 */
    "    limit: 10/s\n"                               /* 6 */
    "pods:\n"                                         /* 7 */
    "  g:\n"                                          /* 8 */
    "    count: 2\n"                                  /* 9 */
    "    traffic:\n"                                  /* 10 */
    "      - api: a\n"                                /* 11 */
    "        workload: {kind: poisson, rate: 5/s}\n"; /* 12 */

/* MINIMAL with one limiter, for limiter and override tests. */
static const char WITH_LIMITER[] =
    "name: t\n"                                       /* 1 */
    "duration: 10s\n"                                 /* 2 */
    "apis:\n"                                         /* 3 */
    "  a:\n"                                          /* 4 */
    "    model: burst_intolerant\n"                   /* 5 */
    "    limit: 10/s\n"                               /* 6 */
    "limiters:\n"                                     /* 7 */
    "  l:\n"                                          /* 8 */
    "    algorithm: gcra\n"                           /* 9 */
    "    scope: local\n"                              /* 10 */
    "    rate: 5/s\n"                                 /* 11 */
    "pods:\n"                                         /* 12 */
    "  g:\n"                                          /* 13 */
    "    count: 2\n"                                  /* 14 */
    "    traffic:\n"                                  /* 15 */
    "      - api: a\n"                                /* 16 */
    "        limiter: l\n"                            /* 17 */
    "        workload: {kind: poisson, rate: 5/s}\n"; /* 18 */

/* ---- helpers ---- */

static uint64_t splitmix_next(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A heap copy of doc with the first occurrence of find replaced by replacement. */
static char *doc_edit(const char *doc, const char *find, const char *replacement) {
    const char *at = strstr(doc, find);
    if (at == NULL) {
        print_error("doc_edit: \"%s\" not found\n", find);
        fail();
    }
    size_t head = (size_t)(at - doc);
    size_t find_length = strlen(find);
    size_t replacement_length = strlen(replacement);
    size_t tail = strlen(at + find_length);
    char *out = malloc(head + replacement_length + tail + 1);
    assert_non_null(out);
    memcpy(out, doc, head);
    memcpy(out + head, replacement, replacement_length);
    memcpy(out + head + replacement_length, at + find_length, tail + 1);
    return out;
}

static int load_with(const char *text, const scenario_override *overrides, size_t count,
                     scenario *s, rl_error *err) {
    rl_error_clear(err);
    return scenario_load_text(text, strlen(text), "t.yaml", overrides, count, s, err);
}

static void expect_loads(const char *text, scenario *s) {
    rl_error err;
    int rc = load_with(text, NULL, 0, s, &err);
    if (rc != RL_OK) {
        print_error("unexpected error: %s\n", err.message);
    }
    assert_int_equal(rc, RL_OK);
}

/* Asserts that err holds one line that starts with prefix. */
static void expect_message(int rc, const rl_error *err, const char *prefix) {
    if (rc != RL_ERR_INVALID || strncmp(err->message, prefix, strlen(prefix)) != 0) {
        print_error("rc %d, message\n  \"%s\"\nwanted prefix\n  \"%s\"\n", rc, err->message,
                    prefix);
        fail();
    }
    assert_null(strchr(err->message, '\n'));
}

/* Loads text (length bytes) and asserts an error whose message starts with prefix. */
static void expect_error_n(const char *text, size_t length, const char *prefix) {
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    int rc = scenario_load_text(text, length, "t.yaml", NULL, 0, s, &err);
    free(s);
    expect_message(rc, &err, prefix);
}

static void expect_error(const char *text, const char *prefix) {
    expect_error_n(text, strlen(text), prefix);
}

/* Edits doc (find -> replacement) and expects an error starting with prefix. */
static void expect_edit_error(const char *doc, const char *find, const char *replacement,
                              const char *prefix) {
    char *text = doc_edit(doc, find, replacement);
    expect_error(text, prefix);
    free(text);
}

/* Loads doc with overrides given as "path=value" texts; expects prefix, or success if NULL. */
static void expect_overrides(const char *doc, const char *const *texts, size_t count,
                             const char *prefix, scenario *s) {
    scenario_override overrides[8];
    rl_error err;
    assert_true(count <= 8);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(scenario_override_parse(texts[i], &overrides[i], &err), RL_OK);
    }
    int rc = load_with(doc, overrides, count, s, &err);
    if (prefix == NULL) {
        if (rc != RL_OK) {
            print_error("unexpected error: %s\n", err.message);
        }
        assert_int_equal(rc, RL_OK);
        return;
    }
    expect_message(rc, &err, prefix);
}

static void expect_override_error(const char *doc, const char *text, const char *prefix) {
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    expect_overrides(doc, &text, 1, prefix, s);
    free(s);
}

static void assert_dist(const dist *d, dist_kind kind, int64_t a, int64_t b) {
    assert_int_equal(d->kind, kind);
    assert_int_equal(d->a, a);
    assert_int_equal(d->b, b);
}

/* ---- valid scenarios ---- */

static void check_full_top(const scenario *s) {
    assert_string_equal(s->name, "stampede.v1");
    assert_string_equal(s->description, "20 pods wake at once.\n");
    assert_true(s->seed == UINT64_MAX);
    assert_int_equal(s->duration_us, 60000000);
    assert_int_equal(s->bin_us, 250000);
    assert_dist(&s->store.network_us, DIST_UNIFORM, 100, 2000);
    assert_int_equal(s->store.service_command_us, 20);
    assert_int_equal(s->store.service_script_us, 30);
}

static void check_full_apis(const scenario *s) {
    assert_int_equal(s->api_count, 2);
    const scenario_api *powerbi = &s->apis[0];
    assert_string_equal(powerbi->name, "powerbi");
    assert_int_equal(powerbi->config.kind, API_MODEL_BURST_INTOLERANT);
    assert_int_equal(powerbi->config.limit, 120);
    assert_int_equal(powerbi->config.window_us, 60000000);
    assert_int_equal(powerbi->config.burst_limit, 5);
    assert_int_equal(powerbi->config.burst_window_us, 1000000);
    assert_int_equal(powerbi->config.drop_ppm, 100000);
    assert_int_equal(powerbi->config.penalty_us, 2000000);
    assert_int_equal(powerbi->config.tokens_limit, 0);
    assert_dist(&powerbi->config.cost_tokens, DIST_CONSTANT, 0, 0);
    assert_int_equal(powerbi->config.quota_limit, 0);
    assert_int_equal(powerbi->config.quota_window_us, 0);
    assert_dist(&powerbi->config.latency_us, DIST_LOGNORMAL, 80000, 400000);
    const scenario_api *llm = &s->apis[1];
    assert_string_equal(llm->name, "llm");
    assert_int_equal(llm->config.kind, API_MODEL_QUOTA_BOUND);
    assert_int_equal(llm->config.limit, 500);
    assert_int_equal(llm->config.window_us, 60000000);
    assert_int_equal(llm->config.burst_limit, 0);
    assert_int_equal(llm->config.burst_window_us, 2000000);
    assert_int_equal(llm->config.drop_ppm, 0);
    assert_int_equal(llm->config.penalty_us, 0);
    assert_int_equal(llm->config.tokens_limit, 90000);
    assert_dist(&llm->config.cost_tokens, DIST_UNIFORM, 200, 2000);
    assert_int_equal(llm->config.quota_limit, 10000);
    assert_int_equal(llm->config.quota_window_us, INT64_C(86400000000));
    assert_int_equal(llm->config.latency_us.kind, DIST_EXPONENTIAL);
    assert_int_equal(llm->config.latency_us.a, 1500000);
}

static void check_full_limiters(const scenario *s) {
    assert_int_equal(s->limiter_count, 3);
    const scenario_limiter *gcra = &s->limiters[0];
    assert_string_equal(gcra->name, "shared_gcra");
    assert_ptr_equal(gcra->config.algorithm, limiter_algorithm_find("gcra"));
    assert_int_equal(gcra->scope, LIMITER_SCOPE_STORE);
    assert_int_equal(gcra->config.limit, 2);
    assert_int_equal(gcra->config.period_us, 1000000);
    assert_int_equal(gcra->config.burst, 3);
    assert_int_equal(gcra->config.max_wait_us, 0);
    assert_int_equal(gcra->config.queue_max, 100);
    const scenario_limiter *pacer = &s->limiters[1];
    assert_string_equal(pacer->name, "pacer");
    assert_ptr_equal(pacer->config.algorithm, limiter_algorithm_find("gcra_pace"));
    assert_int_equal(pacer->scope, LIMITER_SCOPE_LOCAL);
    assert_int_equal(pacer->config.limit, 40);
    assert_int_equal(pacer->config.period_us, 10000000);
    assert_int_equal(pacer->config.burst, 1);
    assert_int_equal(pacer->config.max_wait_us, 30000000);
    const scenario_limiter *queue = &s->limiters[2];
    assert_ptr_equal(queue->config.algorithm, limiter_algorithm_find("leaky_bucket_queue"));
    assert_int_equal(queue->config.limit, 5);
    assert_int_equal(queue->config.queue_max, 50);
}

static void check_full_workers(const scenario *s) {
    const scenario_pod_group *workers = &s->pod_groups[0];
    assert_string_equal(workers->name, "workers");
    assert_int_equal(workers->count, 20);
    assert_int_equal(workers->start_us, 1000000);
    assert_dist(&workers->start_jitter_us, DIST_UNIFORM, 0, 5000);
    assert_int_equal(workers->traffic_count, 2);
    const scenario_traffic *t = &workers->traffic[0];
    assert_int_equal(t->api_index, 0);
    assert_int_equal(t->limiter_index, 0);
    assert_int_equal(t->workload.kind, WORKLOAD_GATHER);
    assert_int_equal(t->workload.requests, 30);
    assert_int_equal(t->workload.repeat_us, 10000000);
    assert_int_equal(t->workload.rate_count, 0);
    assert_int_equal(t->workload.rate_period_us, 0);
    assert_int_equal(t->workload.concurrency, 10);
    assert_int_equal(t->retry.max_retries, 5);
    assert_int_equal(t->retry.backoff_base_us, 200000);
    assert_int_equal(t->retry.backoff_cap_us, 20000000);
    assert_int_equal(t->retry.jitter, JITTER_DECORRELATED);
    assert_false(t->retry.honour_retry_after);
    assert_int_equal(t->ttl_us, 45000000);
    assert_int_equal(t->start_us, 2000000);
    assert_int_equal(t->stop_us, 50000000);
    t = &workers->traffic[1];
    assert_int_equal(t->api_index, 1);
    assert_int_equal(t->limiter_index, -1);
    assert_int_equal(t->workload.kind, WORKLOAD_POISSON);
    assert_int_equal(t->workload.requests, 0);
    assert_int_equal(t->workload.rate_count, 5);
    assert_int_equal(t->workload.rate_period_us, 1000000);
    assert_int_equal(t->workload.concurrency, 0);
    assert_int_equal(t->retry.max_retries, 3);
    assert_int_equal(t->retry.backoff_base_us, 100000);
    assert_int_equal(t->retry.backoff_cap_us, 10000000);
    assert_int_equal(t->retry.jitter, JITTER_FULL);
    assert_true(t->retry.honour_retry_after);
    assert_int_equal(t->ttl_us, 0);
    assert_int_equal(t->start_us, 0);
    assert_int_equal(t->stop_us, 0);
}

static void test_full_scenario_every_field(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    expect_loads(FULL, s);
    assert_string_equal(s->source_path, "t.yaml");
    check_full_top(s);
    check_full_apis(s);
    check_full_limiters(s);
    assert_int_equal(s->pod_group_count, 2);
    check_full_workers(s);
    const scenario_pod_group *batch = &s->pod_groups[1];
    assert_string_equal(batch->name, "batch");
    assert_int_equal(batch->count, 1000);
    assert_int_equal(batch->start_us, 0);
    assert_dist(&batch->start_jitter_us, DIST_CONSTANT, 3000, 3000);
    assert_int_equal(batch->traffic_count, 1);
    assert_int_equal(batch->traffic[0].api_index, 1);
    assert_int_equal(batch->traffic[0].limiter_index, 1);
    assert_int_equal(batch->traffic[0].workload.kind, WORKLOAD_CONSTANT);
    assert_int_equal(batch->traffic[0].workload.rate_count, 100);
    assert_int_equal(batch->traffic[0].workload.rate_period_us, 60000000);
    free(s);
}

static void test_minimal_scenario_defaults(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    memset(s, 0xA5, sizeof *s); /* whatever was there before is overwritten */
    expect_loads(MINIMAL, s);
    assert_string_equal(s->name, "t");
    assert_string_equal(s->description, "");
    assert_true(s->seed == 1);
    assert_int_equal(s->duration_us, 10000000);
    assert_int_equal(s->bin_us, 100000);
    assert_dist(&s->store.network_us, DIST_LOGNORMAL, 250, 1000);
    assert_int_equal(s->store.service_command_us, 10);
    assert_int_equal(s->store.service_script_us, 25);
    assert_int_equal(s->api_count, 1);
    const api_config *api = &s->apis[0].config;
    assert_int_equal(api->burst_limit, 0);
    assert_int_equal(api->burst_window_us, 1000000);
    assert_int_equal(api->drop_ppm, 0);
    assert_int_equal(api->penalty_us, 0);
    assert_dist(&api->latency_us, DIST_CONSTANT, 50000, 50000);
    assert_int_equal(s->limiter_count, 0);
    assert_int_equal(s->pod_group_count, 1);
    const scenario_pod_group *g = &s->pod_groups[0];
    assert_int_equal(g->start_us, 0);
    assert_dist(&g->start_jitter_us, DIST_CONSTANT, 0, 0);
    assert_int_equal(g->traffic_count, 1);
    assert_int_equal(g->traffic[0].limiter_index, -1);
    assert_int_equal(g->traffic[0].retry.max_retries, 3);
    assert_true(g->traffic[0].retry.honour_retry_after);
    free(s);
}

static void test_quota_bound_defaults(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                          "model: quota_bound\n    limit: 600/min");
    expect_loads(text, s);
    free(text);
    const api_config *api = &s->apis[0].config;
    assert_int_equal(api->burst_window_us, 60000000); /* the limit's window */
    assert_dist(&api->cost_tokens, DIST_CONSTANT, 1, 1);
    assert_int_equal(api->tokens_limit, 0);
    assert_int_equal(api->quota_limit, 0);
    assert_int_equal(api->quota_window_us, 0);
    free(s);
}

/* Every preset loads alone and gives exactly its settings; a key beside it overrides that key
 * only; a model beside it must be its own; an unknown one is refused with the list. */
static void test_api_presets(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    for (int i = 0; i < api_preset_count(); i++) {
        const api_preset *preset = api_preset_at(i);
        char replacement[128];
        snprintf(replacement, sizeof replacement, "preset: %s", preset->name);
        char *text = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s", replacement);
        expect_loads(text, s);
        free(text);
        assert_memory_equal(&s->apis[0].config, &preset->config, sizeof preset->config);
        assert_int_equal(s->apis[0].limit_line, 5);
    }
    const api_preset *llm = api_preset_find("llm");
    assert_non_null(llm);
    char *text = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                          "preset: llm\n    limit: 100/min\n    model: quota_bound");
    expect_loads(text, s);
    free(text);
    api_config expected = llm->config;
    expected.limit = 100;
    assert_memory_equal(&s->apis[0].config, &expected, sizeof expected);
    assert_int_equal(s->apis[0].limit_line, 6);
    text = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                    "preset: github\n    latency: 5ms\n    burst: 10/s");
    expect_loads(text, s);
    free(text);
    expected = api_preset_find("github")->config;
    expected.latency_us = (dist){.kind = DIST_CONSTANT, .a = 5000, .b = 0};
    expected.burst_limit = 10;
    expected.burst_window_us = 1000000;
    assert_int_equal(s->apis[0].config.latency_us.kind, DIST_CONSTANT);
    assert_int_equal(s->apis[0].config.latency_us.a, 5000);
    s->apis[0].config.latency_us = expected.latency_us;
    assert_memory_equal(&s->apis[0].config, &expected, sizeof expected);
    free(s);
    expect_edit_error(MINIMAL, "model: burst_intolerant\n    limit: 10/s", "preset: shopify",
                      "t.yaml:5: apis.a.preset: \"shopify\" is not a preset; allowed: powerbi, "
                      "github, shopify_rest, stripe, llm (ratelab list --presets)");
    expect_edit_error(MINIMAL, "limit: 10/s", "preset: llm",
                      "t.yaml:5: apis.a.model: the preset is model quota_bound; leave model out");
    expect_edit_error(MINIMAL, "limit: 10/s", "preset: [llm]", "t.yaml:6: apis.a.preset: expected");
    expect_edit_error(MINIMAL, "limit: 10/s", "preset: stripe\n    tokens: 5/s",
                      "t.yaml:7: apis.a.tokens: only for model quota_bound");
    expect_edit_error(MINIMAL, "    limit: 10/s\n", "",
                      "t.yaml:5: apis.a.limit: missing; an API needs limit (COUNT/PERIOD such as "
                      "120/min) or preset");
}

/* A leaky_bucket API: bucket and limit read, burst_window defaults to 1 s; bucket is required
 * and only for it; burst and the quota_bound keys are refused in it. */
static void test_leaky_bucket_api(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                          "model: leaky_bucket\n    limit: 2/s\n    bucket: 40");
    expect_loads(text, s);
    free(text);
    const api_config *api = &s->apis[0].config;
    assert_int_equal(api->kind, API_MODEL_LEAKY_BUCKET);
    assert_int_equal(api->bucket_size, 40);
    assert_int_equal(api->limit, 2);
    assert_int_equal(api->window_us, 1000000);
    assert_int_equal(api->burst_window_us, 1000000);
    assert_int_equal(api->burst_limit, 0);
    assert_dist(&api->cost_tokens, DIST_CONSTANT, 0, 0);
    free(s);
    expect_edit_error(MINIMAL, "model: burst_intolerant", "model: leaky_bucket",
                      "t.yaml:5: apis.a.bucket: missing; a leaky_bucket API needs bucket");
    expect_edit_error(MINIMAL, "model: burst_intolerant", "model: leaky_bucket\n    bucket: 0",
                      "t.yaml:6: apis.a.bucket: 0 is out of range; allowed 1 to 1048576");
    expect_edit_error(MINIMAL, "limit: 10/s", "limit: 10/s\n    bucket: 5",
                      "t.yaml:7: apis.a.bucket: only for model leaky_bucket; this API is "
                      "burst_intolerant");
    expect_edit_error(MINIMAL, "model: burst_intolerant",
                      "model: leaky_bucket\n    bucket: 5\n    burst: 3/s",
                      "t.yaml:7: apis.a.burst: not for model leaky_bucket, whose bucket is the "
                      "burst it allows");
    expect_edit_error(MINIMAL, "model: burst_intolerant",
                      "model: leaky_bucket\n    bucket: 5\n    tokens: 3/s",
                      "t.yaml:7: apis.a.tokens: only for model quota_bound; this API is "
                      "leaky_bucket");
}

static void test_limiter_defaults_and_none(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    expect_loads(WITH_LIMITER, s);
    const limiter_config *cfg = &s->limiters[0].config;
    assert_int_equal(cfg->burst, 1);
    assert_int_equal(cfg->max_wait_us, 0);
    assert_int_equal(cfg->queue_max, 100);
    assert_int_equal(s->pod_groups[0].traffic[0].limiter_index, 0);
    char *text = doc_edit(WITH_LIMITER, "limiter: l", "limiter: none");
    expect_loads(text, s);
    free(text);
    assert_int_equal(s->pod_groups[0].traffic[0].limiter_index, -1);
    /* An algorithm that reads no settings takes none, and still gets a valid rate. */
    text = doc_edit(WITH_LIMITER, "    algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                    "    algorithm: unlimited\n    scope: local\n");
    expect_loads(text, s);
    free(text);
    assert_true(s->limiters[0].config.limit > 0 && s->limiters[0].config.period_us > 0);
    free(s);
}

static void test_scenario_queries(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    expect_loads(FULL, s);
    assert_int_equal(scenario_pod_count(s), 1020);
    assert_int_equal(scenario_find_api(s, "llm"), 1);
    assert_int_equal(scenario_find_api(s, "nope"), -1);
    assert_int_equal(scenario_find_limiter(s, "queue"), 2);
    assert_int_equal(scenario_find_limiter(s, "none"), -1);
    assert_string_equal(limiter_scope_name(LIMITER_SCOPE_LOCAL), "local");
    assert_string_equal(limiter_scope_name(LIMITER_SCOPE_STORE), "redis");
    assert_string_equal(workload_kind_name(WORKLOAD_GATHER), "gather");
    assert_string_equal(workload_kind_name(WORKLOAD_POISSON), "poisson");
    assert_string_equal(workload_kind_name(WORKLOAD_CONSTANT), "constant");
    assert_string_equal(jitter_kind_name(JITTER_FULL), "full");
    assert_string_equal(jitter_kind_name(JITTER_EQUAL), "equal");
    assert_string_equal(jitter_kind_name(JITTER_DECORRELATED), "decorrelated");
    assert_string_equal(jitter_kind_name(JITTER_NONE), "none");
    free(s);
}

static void test_yaml_styles_accepted(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    /* Flow style, quoted values, comments, a leading "---" and an explicit "..." all work. */
    expect_loads("--- # comment\n"
                 "{name: \"t\", duration: '10s', apis: {a: {model: burst_intolerant, "
                 "limit: \"10/s\"}},\n"
                 " pods: {g: {count: 2, traffic: [{api: a, workload: {kind: gather, "
                 "requests: 1}}]}}}\n"
                 "...\n",
                 s);
    assert_int_equal(s->pod_groups[0].traffic[0].workload.requests, 1);
    free(s);
}

/* ---- files ---- */

static void test_load_file(void **state) {
    (void)state;
    char path[] = "/tmp/ratelab_test_scenario_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, FULL, strlen(FULL)), (ssize_t)strlen(FULL));
    close(fd);
    scenario *from_file = calloc(1, sizeof *from_file);
    assert_non_null(from_file);
    rl_error err;
    assert_int_equal(scenario_load_file(path, NULL, 0, from_file, &err), RL_OK);
    assert_string_equal(from_file->source_path, path);
    check_full_top(from_file);
    check_full_apis(from_file);
    check_full_limiters(from_file);
    check_full_workers(from_file);
    /* Errors name the file. */
    scenario_override bad = {.path = "duration", .value = "0s"};
    assert_int_equal(scenario_load_file(path, &bad, 1, from_file, &err), RL_ERR_INVALID);
    assert_string_equal(err.message, "--set:duration: 0 is out of range; allowed 1us to 7d");
    unlink(path);
    assert_int_equal(scenario_load_file(path, NULL, 0, from_file, &err), RL_ERR_IO);
    assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
    assert_non_null(strstr(err.message, "cannot open"));
    assert_int_equal(scenario_load_file("/tmp", NULL, 0, from_file, &err), RL_ERR_IO);
    assert_int_equal(strncmp(err.message, "/tmp: cannot read", 17), 0);
    free(from_file);
}

static void test_error_file_too_large(void **state) {
    (void)state;
    size_t length = FILE_BYTES_MAX + 1;
    char *text = malloc(length);
    assert_non_null(text);
    memset(text, '#', length); /* one long comment: valid YAML, but too big */
    expect_error_n(text, length, "t.yaml: the file is 1048577 bytes; a scenario file is at most");
    char path[] = "/tmp/ratelab_test_large_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, length), (ssize_t)length);
    close(fd);
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    assert_int_equal(scenario_load_file(path, NULL, 0, s, &err), RL_ERR_INVALID);
    assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
    assert_non_null(strstr(err.message, "at most 1 MiB"));
    unlink(path);
    free(s);
    free(text);
}

/* ---- error classes ---- */

static void test_error_yaml_syntax(void **state) {
    (void)state;
    expect_error("name: t\nduration: [10s\n", "t.yaml:3: invalid YAML: did not find expected ','");
    expect_error("name: t\n  duration: 10s\n",
                 "t.yaml:2: invalid YAML: mapping values are not allowed in this context");
    expect_error("name: \"t\n", "t.yaml:2: invalid YAML: found unexpected end of stream");
    expect_error("name: t\n\tduration: 10s\n", "t.yaml:2: invalid YAML:");
    expect_error("name: t\n\x01\n", "t.yaml:2: invalid YAML: control characters are not allowed");
}

static void test_error_not_a_mapping(void **state) {
    (void)state;
    expect_error("- a\n- b\n", "t.yaml:1: the document is a list; a scenario is a mapping");
    expect_error("\n\nhello\n", "t.yaml:3: the document is a value; a scenario is a mapping");
    expect_error("\"\"\n", "t.yaml:1: the document is a value;");
}

static void test_error_empty_file(void **state) {
    (void)state;
    const char *want = "t.yaml:1: empty file; a scenario needs name, duration, apis and pods";
    expect_error("", want);
    expect_error("# only a comment\n\n", want);
    expect_error("---\n", want);
    expect_error("~\n", want);
    expect_error_n(NULL, 0, want);
}

/* A UTF-8 byte-order mark before the text is accepted, and line numbers stay those of the
 * file (was: "t.yaml:2: invalid YAML: did not find expected <document start>"). */
static void test_byte_order_mark(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "name: t", "\xEF\xBB\xBFname: t");
    expect_loads(text, s);
    assert_string_equal(s->name, "t");
    free(text);
    text = doc_edit(MINIMAL, "name: t\nduration: 10s", "\xEF\xBB\xBFname: t\nduration: 10q");
    expect_error(text, "t.yaml:2: duration:");
    free(text);
    free(s);
}

/* A workload rate above one job per microsecond per pod is refused; exactly one is allowed. */
static void test_workload_rate_bounded(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "rate: 5/s", "rate: 1000000/s");
    expect_loads(text, s);
    free(text);
    text = doc_edit(MINIMAL, "rate: 5/s", "rate: 1000001/s");
    expect_error(text, "t.yaml:12: pods.g.traffic.0.workload.rate: more than one job per "
                       "microsecond per pod; at most 1000000/s");
    free(text);
    text = doc_edit(MINIMAL, "rate: 5/s", "rate: 2/1us");
    expect_error(text, "t.yaml:12: pods.g.traffic.0.workload.rate: more than one job");
    free(text);
    free(s);
}

static void test_error_multiple_documents(void **state) {
    (void)state;
    char *text = malloc(sizeof MINIMAL * 2 + 8);
    assert_non_null(text);
    snprintf(text, sizeof MINIMAL * 2 + 8, "%s---\n%s", MINIMAL, MINIMAL);
    expect_error(text, "t.yaml:13: a second YAML document starts here");
    free(text);
}

static void test_error_unknown_key(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "duration: 10s\n", "duration: 10s\ncolour: red\n",
                      "t.yaml:3: colour: unknown key; allowed here: name, description, claim, "
                      "duration, seed, bin, store, apis, limiters, pods, faults, expect, sweep");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limt: 10/s",
                      "t.yaml:6: apis.a.limt: unknown key; allowed here: model, limit, burst,");
    expect_edit_error(MINIMAL, "rate: 5/s}", "rate: 5/s, rat: 1}",
                      "t.yaml:12: pods.g.traffic.0.workload.rat: unknown key; allowed here: "
                      "kind, requests, every, rate, concurrency");
    expect_edit_error(MINIMAL, "    count: 2\n", "    count: 2\n    jitter: {dist: uniform, min: 0s, mx: 1s}\n",
                      "t.yaml:10: pods.g.jitter.mx: unknown key; allowed here: dist, value, min,");
}

static void test_error_duplicate_key(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "duration: 10s\n", "duration: 10s\nduration: 5s\n",
                      "t.yaml:3: duration: duplicate key (first at line 2); each key may appear "
                      "once");
    expect_edit_error(MINIMAL, "    limit: 10/s\n", "    limit: 10/s\n    limit: 20/s\n",
                      "t.yaml:7: apis.a.limit: duplicate key (first at line 6)");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{kind: poisson, kind: gather}",
                      "t.yaml:12: pods.g.traffic.0.workload.kind: duplicate key (first at line "
                      "12)");
    /* Duplicate names of APIs and groups are duplicate keys too. */
    expect_edit_error(MINIMAL, "pods:\n", "  a:\n    model: quota_bound\npods:\n",
                      "t.yaml:7: apis.a: duplicate key (first at line 4)");
}

static void test_error_wrong_type(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "    count: 2", "    count: [2]",
                      "t.yaml:9: pods.g.count: expected a whole number such as 20, got a list");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: {count: 10}",
                      "t.yaml:6: apis.a.limit: expected a rate COUNT/PERIOD such as 120/min or "
                      "5/s, got a mapping");
    expect_edit_error(MINIMAL, "apis:\n  a:\n    model: burst_intolerant\n    limit: 10/s\n",
                      "apis: 5\n\n\n\n", "t.yaml:3: apis: expected a mapping of API names to APIs, "
                      "got a value");
    expect_edit_error(MINIMAL, "    traffic:\n      - api: a\n        workload",
                      "    traffic:\n        api: a\n        workload",
                      "t.yaml:11: pods.g.traffic: expected a list of 1 to 4 traffic entries");
    expect_edit_error(MINIMAL, "      - api: a\n        workload: {kind: poisson, rate: 5/s}\n",
                      "      - 5\n", "t.yaml:11: pods.g.traffic.0: expected a traffic entry");
    expect_edit_error(MINIMAL, "name: t", "name:",
                      "t.yaml:1: name: has no value; write a name such as stampede");
    expect_edit_error(MINIMAL, "name: t", "name: t\nseed: [1]",
                      "t.yaml:2: seed: expected a whole number such as 42, got a list");
    expect_edit_error(MINIMAL, "name: t", "name: t\nstore: fast",
                      "t.yaml:2: store: expected a mapping of network, command, script and timeout, got a "
                      "value");
    expect_edit_error(MINIMAL, "name: t", "name: t\nstore:",
                      "t.yaml:2: store: has no value; write a mapping");
}

static void test_error_missing_required(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "name: t\n", "",
                      "t.yaml:1: name: missing; a scenario needs name, duration, apis and pods");
    expect_edit_error(MINIMAL, "    limit: 10/s\n", "",
                      "t.yaml:5: apis.a.limit: missing; an API needs limit");
    expect_edit_error(MINIMAL, "    count: 2\n", "",
                      "t.yaml:9: pods.g.count: missing; a pod group needs count");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{rate: 5/s}",
                      "t.yaml:12: pods.g.traffic.0.workload.kind: missing;");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{kind: poisson}",
                      "t.yaml:12: pods.g.traffic.0.workload.rate: missing;");
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\npods", "pods",
                      "t.yaml:9: limiters.l.rate: missing; gcra reads rate");
    expect_edit_error(MINIMAL, "    count: 2\n", "    count: 2\n    jitter: {dist: lognormal, median: 1ms}\n",
                      "t.yaml:10: pods.g.jitter.p99: missing; a lognormal distribution needs it");
}

static void test_error_out_of_range(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "    count: 2", "    count: 0",
                      "t.yaml:9: pods.g.count: 0 is out of range; allowed 1 to 10000000");
    expect_edit_error(MINIMAL, "duration: 10s", "duration: 8d",
                      "t.yaml:2: duration: 8d is out of range; allowed 1us to 7d");
    expect_edit_error(MINIMAL, "duration: 10s", "duration: 0",
                      "t.yaml:2: duration: 0 is out of range; allowed 1us to 7d");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{kind: gather, requests: 1000001}",
                      "t.yaml:12: pods.g.traffic.0.workload.requests: 1000001 is out of range; "
                      "allowed 1 to 1000000");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        retry: {max: 101}\n",
                      "t.yaml:12: pods.g.traffic.0.retry.max: 101 is out of range; allowed 0 to "
                      "100");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 10/s\n    drop: 150%",
                      "t.yaml:7: apis.a.drop: \"150%\" is above 1; a probability is from 0 to 1");
    expect_edit_error(MINIMAL, "pods:\n",
                      "pods:\n"
                      "  h:\n"
                      "    count: 5000000\n"
                      "    traffic: [{api: a, workload: {kind: gather, requests: 1}}]\n"
                      "  i:\n"
                      "    count: 5000001\n"
                      "    traffic: [{api: a, workload: {kind: gather, requests: 1}}]\n",
                      "t.yaml:12: pods.i.count: brings the pods of all groups to 10000001; at "
                      "most 10000000 together");
    expect_edit_error(MINIMAL, "    count: 2", "    count: 2\n    start: 10s",
                      "t.yaml:10: pods.g.start: 10s is not before the run's end (duration 10s)");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        stop: 11s\n",
                      "t.yaml:12: pods.g.traffic.0.stop: 11s is out of range; allowed 0 to 10s");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        retry: {jitter: half}\n",
                      "t.yaml:12: pods.g.traffic.0.retry.jitter: \"half\" is not allowed; write "
                      "one of full, equal, decorrelated, none");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        retry: {retry_after: yes}\n",
                      "t.yaml:12: pods.g.traffic.0.retry.retry_after: \"yes\" is not a boolean; "
                      "write true or false");
    expect_edit_error(MINIMAL, "name: t", "name: t\nseed: 18446744073709551616",
                      "t.yaml:2: seed: \"18446744073709551616\" is not a seed; write a whole "
                      "number from 0 to 18446744073709551615");
    expect_edit_error(MINIMAL, "    count: 2", "    count: 2\n    jitter: {dist: uniform, min: 2ms, max: 1ms}",
                      "t.yaml:10: pods.g.jitter.max: 1ms is out of range; allowed 2ms to 2^40us");
}

static void test_error_too_many_entries(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "apis:\n  a:\n    model: burst_intolerant\n    limit: 10/s\n",
                      "apis: {}\n\n\n\n", "t.yaml:3: apis: no APIs; define 1 to 8");
    char apis[1024];
    size_t used = (size_t)snprintf(apis, sizeof apis, "apis:\n");
    for (int i = 0; i < 9; i++) {
        used += (size_t)snprintf(apis + used, sizeof apis - used,
                                 "  a%d: {model: burst_intolerant, limit: 1/s}\n", i);
    }
    char *text = doc_edit(MINIMAL, "apis:\n  a:\n    model: burst_intolerant\n    limit: 10/s\n",
                          apis);
    expect_error(text, "t.yaml:12: apis.a8: one API too many; a scenario has 1 to 8");
    free(text);
    expect_edit_error(MINIMAL, "    traffic:\n      - api: a\n        workload: {kind: poisson, rate: 5/s}\n",
                      "    traffic: []\n",
                      "t.yaml:10: pods.g.traffic: 0 traffic entries; a group has 1 to 4");
}

static void test_error_undefined_references(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "- api: a", "- api: b",
                      "t.yaml:11: pods.g.traffic.0.api: \"b\" names no API; defined: a");
    expect_edit_error(WITH_LIMITER, "limiter: l", "limiter: m",
                      "t.yaml:17: pods.g.traffic.0.limiter: \"m\" names no limiter; write one of "
                      "l, none");
    expect_edit_error(MINIMAL, "- api: a", "- api: a\n        limiter: l",
                      "t.yaml:12: pods.g.traffic.0.limiter: \"l\" names no limiter, and none are "
                      "defined");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra", "algorithm: gcrq",
                      "t.yaml:9: limiters.l.algorithm: \"gcrq\" is not a known algorithm; write "
                      "one of ");
    expect_edit_error(MINIMAL, "model: burst_intolerant", "model: burst",
                      "t.yaml:5: apis.a.model: \"burst\" is not a model; write burst_intolerant, "
                      "quota_bound or leaky_bucket");
}

static void test_error_names(void **state) {
    (void)state;
    char name[80];
    memset(name, 'n', 64);
    name[64] = '\0';
    char replacement[96];
    snprintf(replacement, sizeof replacement, "name: %s", name);
    expect_edit_error(MINIMAL, "name: t", replacement,
                      "t.yaml:1: name: the name is 64 bytes long; at most 63 characters");
    name[63] = '\0';
    snprintf(replacement, sizeof replacement, "name: %s", name);
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "name: t", replacement);
    expect_loads(text, s); /* 63 is fine */
    free(text);
    free(s);
    snprintf(replacement, sizeof replacement, "  %sx:", name);
    expect_edit_error(MINIMAL, "  g:", replacement,
                      "t.yaml:8: pods.nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...: the name is 64 "
                      "bytes long; at most 63 characters of A-Z a-z 0-9 _ -");
    expect_edit_error(MINIMAL, "name: t", "name: t t",
                      "t.yaml:1: name: \"t t\" is not a valid name; use only A-Z a-z 0-9 _ . -");
    expect_edit_error(MINIMAL, "  a:\n", "  a.b:\n",
                      "t.yaml:4: apis.a.b: \"a.b\" is not a valid name; use only A-Z a-z 0-9 _ -");
    expect_edit_error(WITH_LIMITER, "  l:\n", "  none:\n",
                      "t.yaml:8: limiters.none: \"none\" is reserved (it means no limiter)");
    char description[2100];
    memset(description, 'd', 2048);
    description[2048] = '\0';
    char *long_description = malloc(4096);
    assert_non_null(long_description);
    snprintf(long_description, 4096, "name: t\ndescription: %s", description);
    text = doc_edit(MINIMAL, "name: t", long_description);
    expect_error(text, "t.yaml:2: description: 2048 bytes long; at most 2047 bytes");
    free(text);
    free(long_description);
}

static void test_error_anchors_aliases_tags(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "name: t", "name: &n t",
                      "t.yaml:1: name: anchors (&name) are not allowed; write each value out in "
                      "full");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: &l 10/s\n  b:\n    model: *l",
                      "t.yaml:6: apis.a.limit: anchors (&name) are not allowed");
    expect_edit_error(MINIMAL, "    count: 2", "    count: *c",
                      "t.yaml:9: pods.g.count: aliases (*name) are not allowed");
    expect_edit_error(MINIMAL, "name: t", "name: !!str t",
                      "t.yaml:1: name: tags (!name, !!type) are not allowed");
    /* The billion laughs never expand: the first anchor stops reading. */
    expect_error("a: &a [x, x, x, x, x, x, x, x, x]\n"
                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
                 "t.yaml:1: a: anchors (&name) are not allowed");
    expect_error("? [a, b]\n: c\n", "t.yaml:1: a key is a mapping or a list; keys are plain names");
}

/* "name: " followed by depth nested flow lists and a newline, into buf. */
static void nested_lists(int depth, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "name: ");
    for (int i = 0; i < depth && used + 1 < size; i++) {
        buf[used++] = '[';
    }
    for (int i = 0; i < depth && used + 1 < size; i++) {
        buf[used++] = ']';
    }
    if (used + 1 < size) {
        buf[used++] = '\n';
    }
    buf[used] = '\0';
}

static void test_error_nesting_depth(void **state) {
    (void)state;
    char text[256];
    nested_lists(40, text, sizeof text);
    expect_error(text, "t.yaml:1: name.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
                       "0: nested deeper than 32 levels");
    /* 32 levels (the root and 31 lists) are read, then refused as the wrong type. */
    nested_lists(31, text, sizeof text);
    char *text_ok = doc_edit(MINIMAL, "name: t\n", text);
    expect_error(text_ok, "t.yaml:1: name: expected a name such as stampede, got a list");
    free(text_ok);
}

static void test_error_nul_and_utf8(void **state) {
    (void)state;
    static const char NUL_TEXT[] = "name: t\n\nduration: 1\0s\n";
    expect_error_n(NUL_TEXT, sizeof NUL_TEXT - 1,
                   "t.yaml:3: a NUL byte; a scenario file is UTF-8 text, not binary");
    expect_edit_error(MINIMAL, "name: t", "name: t\xff",
                      "t.yaml:1: byte 0xFF is not valid UTF-8; save the file as UTF-8");
    expect_edit_error(MINIMAL, "    count: 2", "    count: 2 # \xc0\xaf",
                      "t.yaml:9: byte 0xC0 is not valid UTF-8");
    expect_edit_error(MINIMAL, "    count: 2", "    count: 2 # \xed\xa0\x80",
                      "t.yaml:9: byte 0xED is not valid UTF-8");
    expect_edit_error(MINIMAL, "name: t", "name: \"t\\0\"",
                      "t.yaml:1: name: the value holds a NUL character (\\0)");
    /* Valid UTF-8 is fine in a description. */
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(MINIMAL, "name: t", "name: t\ndescription: \"caf\xc3\xa9 \xe2\x82\xac\"");
    expect_loads(text, s);
    assert_string_equal(s->description, "caf\xc3\xa9 \xe2\x82\xac");
    free(text);
    free(s);
}

static void test_error_overflow(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "    count: 2", "    count: 99999999999999999999",
                      "t.yaml:9: pods.g.count: \"99999999999999999999\" is not a count (a number "
                      "above 9223372036854775807)");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        ttl: 13d\n",
                      "t.yaml:12: pods.g.traffic.0.ttl: \"13d\" is too long; durations are at most "
                      "2^40 us");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        ttl: 1099511627777us\n",
                      "t.yaml:12: pods.g.traffic.0.ttl: \"1099511627777us\" is too long");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 99999999999999999999/s",
                      "t.yaml:6: apis.a.limit: \"99999999999999999999/s\" is not a rate (a number "
                      "above 9223372036854775807 in the count)");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 120/mn",
                      "t.yaml:6: apis.a.limit: \"120/mn\" is not a rate; write COUNT/PERIOD such "
                      "as 120/min or 5/s");
}

static void test_error_keys_not_applicable(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 10/s\n    tokens: 5/s",
                      "t.yaml:7: apis.a.tokens: only for model quota_bound; this API is "
                      "burst_intolerant");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 10/s\n    cost: 5",
                      "t.yaml:7: apis.a.cost: only for model quota_bound");
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\n", "    rate: 5/s\n    queue: 10\n",
                      "t.yaml:12: limiters.l.queue: gcra does not read queue; it reads rate, "
                      "burst");
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\n", "    rate: 5/s\n    max_wait: 1s\n",
                      "t.yaml:12: limiters.l.max_wait: gcra does not read max_wait");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{kind: poisson, rate: 5/s, every: 1s}",
                      "t.yaml:12: pods.g.traffic.0.workload.every: only for kind gather; this "
                      "workload is poisson");
    expect_edit_error(MINIMAL, "{kind: poisson, rate: 5/s}", "{kind: gather, requests: 5, rate: 5/s}",
                      "t.yaml:12: pods.g.traffic.0.workload.rate: only for kinds poisson and "
                      "constant; this workload is gather");
    expect_edit_error(MINIMAL, "    count: 2", "    count: 2\n    jitter: {dist: constant, value: 1ms, p99: 2ms}",
                      "t.yaml:10: pods.g.jitter.p99: only for dist lognormal; this distribution "
                      "is constant");
}

/* The learning algorithms' keys: k (K, in thousandths) and window for sre_throttle, with their
 * defaults (K = 2, two minutes); keys an algorithm does not read, bad values, and redis_lock
 * (which cannot pass outcomes to its shared state) refused with file:line. */
static void test_adaptive_limiter_keys(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *text = doc_edit(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                          "algorithm: sre_throttle\n    scope: local\n    k: 1.5\n"
                          "    window: 10s\n");
    expect_loads(text, s);
    assert_ptr_equal(s->limiters[0].config.algorithm, limiter_algorithm_find("sre_throttle"));
    assert_int_equal(s->limiters[0].config.k_milli, 1500);
    assert_int_equal(s->limiters[0].config.window_us, 10000000);
    free(text);
    text = doc_edit(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                    "algorithm: sre_throttle\n    scope: redis\n");
    expect_loads(text, s);
    assert_int_equal(s->limiters[0].config.k_milli, 2000);
    assert_int_equal(s->limiters[0].config.window_us, 120000000);
    free(text);
    text = doc_edit(WITH_LIMITER, "algorithm: gcra", "algorithm: aimd");
    expect_loads(text, s);
    assert_int_equal(s->limiters[0].config.limit, 5);
    free(text);
    free(s);
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\n", "    rate: 5/s\n    k: 2\n",
                      "t.yaml:12: limiters.l.k: gcra does not read k; it reads rate, burst");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                      "algorithm: gradient\n    scope: local\n    rate: 5/s\n",
                      "t.yaml:11: limiters.l.rate: gradient does not read rate; it reads burst");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                      "algorithm: sre_throttle\n    scope: local\n    k: 0.5\n",
                      "t.yaml:11: limiters.l.k: 0.5 is out of range; allowed 1.000 to 1000.000");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                      "algorithm: sre_throttle\n    scope: local\n    k: 1.2345\n",
                      "t.yaml:11: limiters.l.k: \"1.2345\" is not a number with at most three "
                      "decimals (such as 2 or 1.5)");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra\n    scope: local\n    rate: 5/s\n",
                      "algorithm: sre_throttle\n    scope: local\n    window: 0s\n",
                      "t.yaml:11: limiters.l.window: 0 is out of range; allowed 1us to");
    expect_edit_error(WITH_LIMITER, "algorithm: gcra\n    scope: local\n",
                      "algorithm: aimd\n    scope: redis_lock\n",
                      "t.yaml:10: limiters.l.scope: aimd learns from the API's answers, which "
                      "redis_lock cannot pass to the shared state; write local or redis");
}

static void test_error_cross_checks(void **state) {
    (void)state;
    char *quota = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                           "model: quota_bound\n    limit: 10/s\n    tokens: 600/min");
    expect_error(quota, "t.yaml:7: apis.a.tokens: the period 1min differs from the window of "
                        "limit (1s); give tokens per 1s");
    free(quota);
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 10/s\n    burst: 5/s\n    burst_window: 1s",
                      "t.yaml:8: apis.a.burst_window: not together with burst");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        retry: {base: 20s}\n",
                      "t.yaml:12: pods.g.traffic.0.retry.base: cap 10s (the default) is below base "
                      "20s; cap must be >= base");
    expect_edit_error(MINIMAL, "      - api: a\n", "      - api: a\n        retry: {base: 2s, cap: 1s}\n",
                      "t.yaml:12: pods.g.traffic.0.retry.cap: cap 1s is below base 2s");
    expect_edit_error(MINIMAL, "duration: 10s", "duration: 7d",
                      "t.yaml:2: duration: bin 100ms over duration 7d makes 6048000 bins; at most "
                      "1000000: set bin");
    expect_edit_error(MINIMAL, "duration: 10s", "duration: 10s\nbin: 1us",
                      "t.yaml:3: bin: bin 1us over duration 10s makes 10000000 bins; at most "
                      "1000000: make bin longer, to 10us or more");
    char *stop = doc_edit(MINIMAL, "    count: 2", "    count: 2\n    start: 5s");
    expect_edit_error(stop, "      - api: a\n", "      - api: a\n        stop: 4s\n",
                      "t.yaml:13: pods.g.traffic.0.stop: 4s is not after the traffic starts (5s");
    free(stop);
}

static void test_error_validators_prefixed(void **state) {
    (void)state;
    /* api_config_validate: limit beyond 2^53. */
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 9007199254740993/s",
                      "t.yaml:4: apis.a: limit: ");
    /* limiter_config_validate: a gcra burst beyond what its exact arithmetic allows. */
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\n", "    rate: 5/s\n    burst: 9_000_000_000_000_000\n",
                      "t.yaml:8: limiters.l: ");
    /* quota_bound: a cost that can never fit the token limit. */
    char *quota = doc_edit(MINIMAL, "model: burst_intolerant\n    limit: 10/s",
                           "model: quota_bound\n    limit: 10/s\n    tokens: 100/s\n    cost: 500");
    expect_error(quota, "t.yaml:4: apis.a: cost: ");
    free(quota);
}

/* ---- --set overrides ---- */

static void test_override_parse(void **state) {
    (void)state;
    scenario_override o;
    rl_error err;
    assert_int_equal(scenario_override_parse("limiters.shared.rate=10/s", &o, &err), RL_OK);
    assert_int_equal(strncmp(o.path, "limiters.shared.rate=", 21), 0);
    assert_string_equal(o.value, "10/s");
    assert_int_equal(scenario_override_parse("name=a=b", &o, &err), RL_OK);
    assert_string_equal(o.value, "a=b");
    assert_int_equal(scenario_override_parse("description=", &o, &err), RL_OK);
    assert_string_equal(o.value, "");
    assert_int_equal(scenario_override_parse("noequals", &o, &err), RL_ERR_INVALID);
    assert_string_equal(err.message, "--set \"noequals\": no '='; write PATH=VALUE such as "
                                     "limiters.shared.rate=10/s");
    assert_int_equal(scenario_override_parse("=5", &o, &err), RL_ERR_INVALID);
    assert_int_equal(strncmp(err.message, "--set \"=5\": no path before '='", 30), 0);
    assert_int_equal(scenario_override_parse(NULL, &o, &err), RL_ERR_INVALID);
}

static void test_override_valid(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    /* Replace scalars, add absent keys (also inside a list entry), later wins. */
    const char *texts[] = {"apis.a.limit=20/min", "seed=7", "pods.g.traffic.0.limiter=l",
                           "limiters.l.burst=4", "pods.g.count=3", "pods.g.count=5",
                           "description=swept"};
    expect_overrides(WITH_LIMITER, texts, 7, NULL, s);
    assert_int_equal(s->apis[0].config.limit, 20);
    assert_int_equal(s->apis[0].config.window_us, 60000000);
    assert_true(s->seed == 7);
    assert_int_equal(s->limiters[0].config.burst, 4);
    assert_int_equal(s->pod_groups[0].count, 5);
    assert_string_equal(s->description, "swept");
    /* none removes a limiter. */
    const char *none[] = {"pods.g.traffic.0.limiter=none"};
    expect_overrides(WITH_LIMITER, none, 1, NULL, s);
    assert_int_equal(s->pod_groups[0].traffic[0].limiter_index, -1);
    /* A hand-made override without '=' in its path works the same. */
    scenario_override direct = {.path = "duration", .value = "20s"};
    rl_error err;
    assert_int_equal(load_with(MINIMAL, &direct, 1, s, &err), RL_OK);
    assert_int_equal(s->duration_us, 20000000);
    /* Changing the model makes quota_bound keys valid. */
    const char *model[] = {"apis.a.model=quota_bound", "apis.a.tokens=100/s"};
    expect_overrides(MINIMAL, model, 2, NULL, s);
    assert_int_equal(s->apis[0].config.tokens_limit, 100);
    free(s);
}

static void test_override_path_errors(void **state) {
    (void)state;
    expect_override_error(MINIMAL, "pods.g.traffic.0.retry.max=5",
                          "--set pods.g.traffic.0.retry.max: pods.g.traffic.0 has no key \"retry\"; "
                          "--set may add only the last key of a path");
    expect_override_error(MINIMAL, "apis.b.limit=5/s", "--set apis.b.limit: apis has no key \"b\"");
    expect_override_error(MINIMAL, "nope.x=5", "--set nope.x: the scenario has no key \"nope\"");
    expect_override_error(MINIMAL, "apis.a=5",
                          "--set apis.a: is a mapping in the scenario; --set replaces single "
                          "values");
    expect_override_error(MINIMAL, "pods.g.traffic=5", "--set pods.g.traffic: is a list in the scenario");
    expect_override_error(MINIMAL, "pods.g.traffic.1.api=a",
                          "--set pods.g.traffic.1.api: pods.g.traffic is a list of 1; \"1\" is not "
                          "an index from 0 to 0");
    expect_override_error(MINIMAL, "pods.g.traffic.x.api=a", "--set pods.g.traffic.x.api: pods.g.traffic is a list of 1");
    expect_override_error(MINIMAL, "name.x=5", "--set name.x: name is a single value, not a mapping");
    expect_override_error(MINIMAL, "a..b=5", "--set a..b: an empty key in the path");
    expect_override_error(MINIMAL, "pods.=5", "--set pods.: an empty key in the path");
    scenario_override empty = {.path = "", .value = "5"};
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    rl_error err;
    expect_message(load_with(MINIMAL, &empty, 1, s, &err), &err, "--set: the path is empty");
    /* Override problems come after file problems: the file is reported first. */
    scenario_override fine = {.path = "seed", .value = "1"};
    expect_message(load_with("- a\n", &fine, 1, s, &err), &err, "t.yaml:1: the document is a list");
    free(s);
}

static void test_override_value_errors(void **state) {
    (void)state;
    expect_override_error(MINIMAL, "apis.a.limit=120/mn",
                          "--set:apis.a.limit: \"120/mn\" is not a rate; write COUNT/PERIOD such as "
                          "120/min or 5/s");
    expect_override_error(MINIMAL, "duration=5",
                          "--set:duration: \"5\" has no unit; write a unit after the number");
    expect_override_error(MINIMAL, "pods.g.colour=red",
                          "--set:pods.g.colour: unknown key; allowed here: count, start, jitter, "
                          "traffic");
    expect_override_error(MINIMAL, "pods.g.traffic.0.limiter=x",
                          "--set:pods.g.traffic.0.limiter: \"x\" names no limiter");
    expect_override_error(MINIMAL, "apis.newapi=5",
                          "--set:apis.newapi: expected a mapping of API settings");
    expect_override_error(MINIMAL, "apis.a.tokens=5/s",
                          "--set:apis.a.tokens: only for model quota_bound");
    expect_override_error(MINIMAL, "name=\xff", "--set:name: the value is not valid UTF-8");
    expect_override_error(MINIMAL, "seed=", "--set:seed: \"\" is not a seed");
}

/* ---- the rows of docs/RELIABILITY.md that the tests above do not cover ---- */

/* MINIMAL with the optional blocks appended: faults, expect or sweep. */
static char *with_block(const char *block) {
    size_t size = sizeof MINIMAL + strlen(block);
    char *text = malloc(size);
    assert_non_null(text);
    snprintf(text, size, "%s%s", MINIMAL, block);
    return text;
}

static void expect_block_error(const char *block, const char *prefix) {
    char *text = with_block(block);
    expect_error(text, prefix);
    free(text);
}

static void test_bad_input_binary(void **state) {
    (void)state;
    static const char ELF[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
    expect_error_n(ELF, sizeof ELF - 1, "t.yaml:1: a NUL byte; a scenario file is UTF-8 text");
    expect_error("\x89PNG\r\n\x1a\n", "t.yaml:1: byte 0x89 is not valid UTF-8; save the file as "
                                      "UTF-8");
    expect_error("\x1b[31m\x07", "t.yaml:1: invalid YAML: control characters are not allowed");
    /* Random bytes, with a fixed seed: always one line naming the file, never a crash. */
    uint64_t random_state = MUTATION_SEED + 1;
    printf("[ seed     ] binary garbage: %llu, 500 cases\n",
           (unsigned long long)(MUTATION_SEED + 1));
    char bytes[512];
    for (int i = 0; i < 500; i++) {
        size_t length = 1 + (size_t)(splitmix_next(&random_state) % sizeof bytes);
        for (size_t k = 0; k < length; k++) {
            bytes[k] = (char)(splitmix_next(&random_state) & 0xFF);
        }
        expect_error_n(bytes, length, "t.yaml");
    }
}

static void test_bad_input_rates(void **state) {
    (void)state;
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: -5/s",
                      "t.yaml:6: apis.a.limit: \"-5/s\" is not a rate");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 0/s",
                      "t.yaml:6: apis.a.limit: \"0/s\" has a count of 0; a rate's count is at "
                      "least 1, such as 1/s");
    expect_edit_error(MINIMAL, "    limit: 10/s", "    limit: 10/0s",
                      "t.yaml:6: apis.a.limit: \"10/0s\" has a period of 0; the period must be "
                      "above 0");
    expect_edit_error(MINIMAL, "rate: 5/s}", "rate: 0/s}",
                      "t.yaml:12: pods.g.traffic.0.workload.rate: \"0/s\" has a count of 0");
    expect_edit_error(WITH_LIMITER, "    rate: 5/s\n", "    rate: -1/s\n",
                      "t.yaml:11: limiters.l.rate: \"-1/s\" is not a rate");
    expect_edit_error(MINIMAL, "    count: 2", "    count: -2",
                      "t.yaml:9: pods.g.count: \"-2\" is negative; write a whole number 0 or more");
}

static void test_bad_input_faults(void **state) {
    (void)state;
    expect_block_error("faults:\n  - {kind: pod_restart, at: 1s, group: nope}\n",
                       "t.yaml:14: faults.0.group: no pod group \"nope\"; groups: g");
    expect_block_error("faults:\n  - {kind: clock_skew, group: h, extra: 1ms}\n",
                       "t.yaml:14: faults.0.group: no pod group \"h\"; groups: g");
    expect_block_error("faults:\n  - {kind: meteor, at: 1s}\n",
                       "t.yaml:14: faults.0.kind: \"meteor\" is not allowed; write one of "
                       "store_outage, store_latency, pod_restart, clock_skew");
    expect_block_error("faults:\n  - {kind: store_outage, at: 11s, for: 1s}\n",
                       "t.yaml:14: faults.0.at: 11s is out of range; allowed 0 to 10s");
    expect_block_error("faults:\n  - {kind: store_outage, at: 1s, for: 1s, extra: 1ms}\n",
                       "t.yaml:14: faults.0.extra: unknown key; allowed here: kind, at, for, mode");
    expect_block_error("faults: {kind: store_outage}\n",
                       "t.yaml:13: faults: expected a list of at most 16 faults");
}

static void test_bad_input_expect(void **state) {
    (void)state;
    expect_block_error("expect:\n  - b.rate_429 < 0.1%\n",
                       "t.yaml:14: expect.0: no API \"b\"; subjects: a, store");
    expect_block_error("expect:\n  - a.rate_430 < 0.1%\n",
                       "t.yaml:14: expect.0: no figure \"rate_430\" for an API; figures: rate_429, "
                       "latency_p50");
    expect_block_error("expect:\n  - store.rate_429 < 1\n",
                       "t.yaml:14: expect.0: no figure \"rate_429\" for the store; figures: ops, "
                       "rtt_p99");
    expect_block_error("expect:\n  - a.rate_429 =< 1\n",
                       "t.yaml:14: expect.0: \"=<\" is not a comparison; write <, <=, >, >= or ==");
    expect_block_error("expect:\n  - a.latency_p99 < 5\n",
                       "t.yaml:14: expect.0: \"5\" has no unit");
    expect_block_error("expect:\n  - a.rate_429 < 1 or so\n",
                       "t.yaml:14: expect.0: \"a.rate_429 < 1 or so\" is not a condition");
}

/* "sweep:" with keys keys of values values each (pods.g.count over 1, 2, ...), into a new text. */
static char *sweep_block(int keys, int values) {
    static const char *const PATHS[] = {"pods.g.count", "apis.a.limit", "pods.g.start",
                                        "pods.g.traffic.0.ttl", "store.command"};
    size_t size = 64 + (size_t)keys * (40 + (size_t)values * 8);
    char *block = malloc(size);
    assert_non_null(block);
    size_t used = (size_t)snprintf(block, size, "sweep:\n");
    for (int k = 0; k < keys; k++) {
        used += (size_t)snprintf(block + used, size - used, "  %s: [", PATHS[k % 5]);
        for (int v = 0; v < values; v++) {
            used += (size_t)snprintf(block + used, size - used, "%s%d", v > 0 ? ", " : "", v + 1);
        }
        used += (size_t)snprintf(block + used, size - used, "]\n");
    }
    return block;
}

/* A sweep is at most 4 keys of 16 values: 65,536 runs. No sweep of millions loads. */
static void test_bad_input_sweep(void **state) {
    (void)state;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    char *block = sweep_block(4, 16);
    char *text = with_block(block);
    expect_loads(text, s);
    int64_t points = 1;
    for (int k = 0; k < s->sweep_key_count; k++) {
        points *= s->sweep[k].value_count;
    }
    assert_int_equal(points, 65536);
    free(text);
    free(block);
    block = sweep_block(5, 16);
    expect_block_error(block, "t.yaml:13: sweep: 5 keys; a sweep has 1 to 4");
    free(block);
    block = sweep_block(1, 17);
    expect_block_error(block, "t.yaml:14: sweep.pods.g.count: expected a list of 1 to 16 values");
    free(block);
    expect_block_error("sweep:\n  seed: [1, 2]\n",
                       "t.yaml:14: sweep.seed: expected a setting path such as "
                       "limiters.shared.algorithm");
    expect_block_error("sweep:\n  pods.g.count: [[1, 2]]\n",
                       "t.yaml:14: sweep.pods.g.count: expected each value as a short scalar");
    free(s);
}

/* Reads a file of the source tree (RATELAB_SOURCE_DIR) into a new buffer; *length its size. */
static char *source_file(const char *relative, size_t *length) {
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", source_dir != NULL ? source_dir : ".", relative);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fail_msg("cannot open %s", path);
    }
    char *text = malloc(FILE_BYTES_MAX);
    assert_non_null(text);
    *length = fread(text, 1, FILE_BYTES_MAX - 1, file);
    text[*length] = '\0';
    fclose(file);
    return text;
}

/* Inputs the fuzz targets (tests/fuzz) found breaking a promise, each with the message it gets
 * now that it is fixed. An override input is applied to MINIMAL. */
static void test_fuzz_regressions(void **state) {
    (void)state;
    static const struct {
        const char *file;
        bool is_override;
        const char *prefix;
    } CASES[] = {
        {"scenario_override/path_with_control_bytes.bin", true,
         "--set \"pods.\" then byte 0xC6: not allowed in a path; write keys of A-Z a-z 0-9 _ -"},
        {"scenario_override/path_with_control_byte_and_bad_value.bin", true,
         "--set \".workers.c.c\" then byte 0x15: not allowed in a path; write keys"},
        {"scenario_load/expect_subject_with_newline.yaml", false,
         "t.yaml:5: expect.0: no API \"x?y\"; subjects: a, store"},
        {"scenario_load/expect_value_with_newline.yaml", false,
         "t.yaml:5: expect.0: \"1?2\" is not a number (such as 0.001 or 0.1%)"},
    };
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char relative[256];
        snprintf(relative, sizeof relative, "tests/fuzz/regressions/%s", CASES[i].file);
        size_t length = 0;
        char *input = source_file(relative, &length);
        rl_error err;
        rl_error_clear(&err);
        int rc;
        if (CASES[i].is_override) {
            scenario_override o;
            assert_int_equal(scenario_override_parse(input, &o, &err), RL_OK);
            rc = load_with(MINIMAL, &o, 1, s, &err);
        } else {
            rc = scenario_load_text(input, length, "t.yaml", NULL, 0, s, &err);
        }
        expect_message(rc, &err, CASES[i].prefix);
        free(input);
    }
    free(s);
}

/* ---- property: random mutations ---- */

typedef struct mutation_buffer {
    char *bytes;
    size_t length;
    size_t capacity;
} mutation_buffer;

static void buffer_insert(mutation_buffer *b, size_t at, const char *bytes, size_t count) {
    if (b->length + count > b->capacity) {
        size_t capacity = (b->length + count) * 2;
        char *grown = realloc(b->bytes, capacity);
        assert_non_null(grown);
        b->bytes = grown;
        b->capacity = capacity;
    }
    memmove(b->bytes + at + count, b->bytes + at, b->length - at);
    memcpy(b->bytes + at, bytes, count);
    b->length += count;
}

static void buffer_erase(mutation_buffer *b, size_t at, size_t count) {
    memmove(b->bytes + at, b->bytes + at + count, b->length - at - count);
    b->length -= count;
}

/* The start of the line holding offset at, and its length including the '\n'. */
static size_t line_span(const mutation_buffer *b, size_t at, size_t *out_length) {
    size_t start = at;
    while (start > 0 && b->bytes[start - 1] != '\n') {
        start--;
    }
    size_t end = at;
    while (end < b->length && b->bytes[end] != '\n') {
        end++;
    }
    *out_length = (end < b->length ? end + 1 : end) - start;
    return start;
}

static void mutate_once(mutation_buffer *b, uint64_t *random_state) {
    static const char SPECIAL[] = ":-[]{}&*!|>'\"#%@`,? \t\n\\0123456789.";
    uint64_t op = splitmix_next(random_state) % 6;
    size_t at = b->length == 0 ? 0 : (size_t)(splitmix_next(random_state) % b->length);
    if (b->length == 0) {
        op = 3;
    }
    switch (op) {
    case 0: /* delete a character */
        buffer_erase(b, at, 1);
        break;
    case 1: { /* duplicate a line */
        size_t length = 0;
        size_t start = line_span(b, at, &length);
        char *copy = malloc(length + 1);
        assert_non_null(copy);
        memcpy(copy, b->bytes + start, length);
        buffer_insert(b, start, copy, length);
        free(copy);
        break;
    }
    case 2: { /* swap a line with the next one */
        size_t first_length = 0;
        size_t first = line_span(b, at, &first_length);
        if (first + first_length >= b->length) {
            break;
        }
        size_t second_length = 0;
        size_t second = line_span(b, first + first_length, &second_length);
        char *copy = malloc(second_length + 1);
        assert_non_null(copy);
        memcpy(copy, b->bytes + second, second_length);
        buffer_erase(b, second, second_length);
        buffer_insert(b, first, copy, second_length);
        free(copy);
        break;
    }
    case 3: { /* insert random bytes */
        char bytes[4];
        size_t count = 1 + (size_t)(splitmix_next(random_state) % 4);
        for (size_t i = 0; i < count; i++) {
            bytes[i] = (char)(splitmix_next(random_state) & 0xFF);
        }
        buffer_insert(b, at, bytes, count);
        break;
    }
    case 4: /* overwrite with a random byte */
        b->bytes[at] = (char)(splitmix_next(random_state) & 0xFF);
        break;
    default: /* overwrite with a character YAML gives meaning to */
        b->bytes[at] = SPECIAL[splitmix_next(random_state) % (sizeof SPECIAL - 1)];
        break;
    }
}

static void test_property_mutations_never_crash(void **state) {
    (void)state;
    printf("[ seed     ] mutations: %llu, %d cases\n", (unsigned long long)MUTATION_SEED,
           MUTATION_CASES);
    uint64_t random_state = MUTATION_SEED;
    scenario *s = malloc(sizeof *s);
    assert_non_null(s);
    int loaded = 0;
    mutation_buffer b = {0};
    for (int i = 0; i < MUTATION_CASES; i++) {
        b.length = 0;
        buffer_insert(&b, 0, FULL, strlen(FULL));
        int mutations = 1 + (int)(splitmix_next(&random_state) % 3);
        for (int k = 0; k < mutations; k++) {
            mutate_once(&b, &random_state);
        }
        rl_error err;
        rl_error_clear(&err);
        int rc = scenario_load_text(b.bytes, b.length, "t.yaml", NULL, 0, s, &err);
        if (rc == RL_OK) {
            loaded++;
            assert_true(s->api_count >= 1 && s->api_count <= SCENARIO_APIS_MAX);
            assert_true(s->pod_group_count >= 1 && s->pod_group_count <= SCENARIO_POD_GROUPS_MAX);
            continue;
        }
        if (rc != RL_ERR_INVALID || strncmp(err.message, "t.yaml", 6) != 0 ||
            strchr(err.message, '\n') != NULL) {
            print_error("case %d: rc %d, message \"%s\"\n", i, rc, err.message);
            fail();
        }
    }
    printf("[ result   ] %d of %d mutated documents loaded, the rest were refused\n", loaded,
           MUTATION_CASES);
    free(b.bytes);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_scenario_every_field),
        cmocka_unit_test(test_minimal_scenario_defaults),
        cmocka_unit_test(test_quota_bound_defaults),
        cmocka_unit_test(test_api_presets),
        cmocka_unit_test(test_leaky_bucket_api),
        cmocka_unit_test(test_limiter_defaults_and_none),
        cmocka_unit_test(test_scenario_queries),
        cmocka_unit_test(test_yaml_styles_accepted),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_error_file_too_large),
        cmocka_unit_test(test_error_yaml_syntax),
        cmocka_unit_test(test_error_not_a_mapping),
        cmocka_unit_test(test_error_empty_file),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_workload_rate_bounded),
        cmocka_unit_test(test_error_multiple_documents),
        cmocka_unit_test(test_error_unknown_key),
        cmocka_unit_test(test_error_duplicate_key),
        cmocka_unit_test(test_error_wrong_type),
        cmocka_unit_test(test_error_missing_required),
        cmocka_unit_test(test_error_out_of_range),
        cmocka_unit_test(test_error_too_many_entries),
        cmocka_unit_test(test_error_undefined_references),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_error_anchors_aliases_tags),
        cmocka_unit_test(test_error_nesting_depth),
        cmocka_unit_test(test_error_nul_and_utf8),
        cmocka_unit_test(test_error_overflow),
        cmocka_unit_test(test_error_keys_not_applicable),
        cmocka_unit_test(test_error_cross_checks),
        cmocka_unit_test(test_adaptive_limiter_keys),
        cmocka_unit_test(test_error_validators_prefixed),
        cmocka_unit_test(test_override_parse),
        cmocka_unit_test(test_override_valid),
        cmocka_unit_test(test_override_path_errors),
        cmocka_unit_test(test_override_value_errors),
        cmocka_unit_test(test_bad_input_binary),
        cmocka_unit_test(test_bad_input_rates),
        cmocka_unit_test(test_bad_input_faults),
        cmocka_unit_test(test_bad_input_expect),
        cmocka_unit_test(test_bad_input_sweep),
        cmocka_unit_test(test_fuzz_regressions),
        cmocka_unit_test(test_property_mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
