/* fuzz_scenario_override.c - libFuzzer target: `--set PATH=VALUE` overrides, parsed by
 * scenario_override_parse and applied by scenario_load_text.
 *
 * The input is split at its NUL bytes into parts. Without a NUL, the whole input is one
 * override applied to BASE below (a valid scenario that has every block, so paths lead
 * somewhere). With NULs, the first part is the scenario's text (BASE when empty) and each later
 * part one override (at most OVERRIDES_MAX). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario/scenario_load.h"
#include "tests/fuzz/fuzz_check.h"

#define OVERRIDES_MAX 16

static const char BASE[] =
    "name: base\n"
    "duration: 60s\n"
    "seed: 3\n"
    "bin: 250ms\n"
    "store:\n"
    "  network: {dist: lognormal, median: 250us, p99: 1ms}\n"
    "  command: 10us\n"
    "  script: 25us\n"
    "  timeout: 1s\n"
    "apis:\n"
    "  powerbi:\n"
    "    model: burst_intolerant\n"
    "    limit: 120/min\n"
    "    burst: 5/1s\n"
    "    drop: 10%\n"
    "    latency: {dist: lognormal, median: 80ms, p99: 400ms}\n"
    "  llm:\n"
    "    model: quota_bound\n"
    "    limit: 500/min\n"
    "    tokens: 90000/min\n"
    "    cost: {dist: uniform, min: 200, max: 2000}\n"
    "    quota: 10000/day\n"
    "limiters:\n"
    "  shared:\n"
    "    algorithm: gcra\n"
    "    scope: redis\n"
    "    rate: 2/s\n"
    "    burst: 1\n"
    "    on_store_failure: local_fallback\n"
    "  pacer:\n"
    "    algorithm: gcra_pace\n"
    "    scope: local\n"
    "    rate: 5/s\n"
    "    max_wait: 10s\n"
    "pods:\n"
    "  workers:\n"
    "    count: 20\n"
    "    jitter: 5ms\n"
    "    traffic:\n"
    "      - api: powerbi\n"
    "        limiter: shared\n"
    "        workload: {kind: gather, requests: 30, concurrency: 10}\n"
    "        retry: {max: 3, base: 100ms, cap: 10s, jitter: full, retry_after: true}\n"
    "        ttl: 30s\n"
    "      - api: llm\n"
    "        limiter: pacer\n"
    "        workload: {kind: poisson, rate: 5/s}\n"
    "faults:\n"
    "  - {kind: store_outage, at: 10s, for: 5s, mode: refuse}\n"
    "  - {kind: pod_restart, at: 20s, for: 1s, group: workers, pods: 2}\n"
    "  - {kind: clock_skew, group: workers, extra: 5ms}\n"
    "expect:\n"
    "  - powerbi.rate_429 < 0.1%\n"
    "  - llm.latency_p99 < 5s\n"
    "sweep:\n"
    "  limiters.shared.algorithm: [gcra, token_bucket]\n"
    "  pods.workers.count: [10, 50]\n";

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Copies data[0..size) into a new NUL-terminated string (NULL when out of memory). */
static char *copy_part(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, '\0', size);
    const char *yaml = BASE;
    size_t yaml_length = sizeof BASE - 1;
    size_t offset = 0;
    if (nul != NULL && nul > data) {
        yaml = (const char *)data;
        yaml_length = (size_t)(nul - data);
    }
    if (nul != NULL) {
        offset = (size_t)(nul - data) + 1;
    }
    char *texts[OVERRIDES_MAX] = {0};
    scenario_override overrides[OVERRIDES_MAX];
    size_t count = 0;
    bool parsed = true;
    while (parsed && count < OVERRIDES_MAX && (offset < size || (count == 0 && nul == NULL))) {
        const uint8_t *end = memchr(data + offset, '\0', size - offset);
        size_t length = end != NULL ? (size_t)(end - (data + offset)) : size - offset;
        texts[count] = copy_part(data + offset, length);
        if (texts[count] == NULL) {
            break;
        }
        rl_error err;
        rl_error_clear(&err);
        int rc = scenario_override_parse(texts[count], &overrides[count], &err);
        if (rc != RL_OK) {
            fuzz_check_override_error(rc, &err);
            parsed = false;
        }
        count++;
        offset += length + 1;
    }
    scenario *s = parsed ? malloc(sizeof *s) : NULL;
    if (s != NULL) {
        rl_error err;
        rl_error_clear(&err);
        int rc = scenario_load_text(yaml, yaml_length, FUZZ_FILE_NAME, overrides, count, s, &err);
        fuzz_check_load(rc, s, &err);
        free(s);
    }
    for (size_t i = 0; i < count; i++) {
        free(texts[i]);
    }
    return 0;
}
