/* fuzz_check.c - the fuzz targets' oracle (see fuzz_check.h). */
#include "tests/fuzz/fuzz_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/sim/memory_estimate.h"

/* Stops the process with what was broken: libFuzzer keeps the input as a crash. */
static void broken(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_check: %s: %s\n", what, detail);
    abort();
}

/* A message is one non-empty line of printable text (UTF-8 bytes above 0x7F are fine). */
static void check_message(const rl_error *err, int rc) {
    const char *m = err->message;
    size_t length = strnlen(m, sizeof err->message);
    if (length == 0 || length == sizeof err->message) {
        broken("an error without a message, or one not terminated", m);
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c < 0x20u || c == 0x7Fu) {
            broken("a control character in the message", m);
        }
    }
    if (err->code != rc) {
        broken("err->code differs from the returned code", m);
    }
    if (strncmp(m, FUZZ_FILE_NAME, strlen(FUZZ_FILE_NAME)) != 0 && strncmp(m, "--set", 5) != 0) {
        broken("the message names neither the file nor --set", m);
    }
}

static bool name_ok(const char *name) {
    size_t length = strnlen(name, SCENARIO_NAME_BYTES);
    return length > 0 && length < SCENARIO_NAME_BYTES;
}

/* Every count and reference of a loaded scenario is within its documented bounds. */
static void check_bounds(const scenario *s) {
    if (!name_ok(s->name)) {
        broken("loaded", "the scenario's name is empty or not terminated");
    }
    if (s->duration_us < 1 || s->duration_us > SCENARIO_DURATION_MAX_US || s->bin_us < 1 ||
        (s->duration_us + s->bin_us - 1) / s->bin_us > SCENARIO_BINS_MAX) {
        broken("loaded", "duration or bin out of bounds");
    }
    if (s->api_count < 1 || s->api_count > SCENARIO_APIS_MAX || s->limiter_count < 0 ||
        s->limiter_count > SCENARIO_LIMITERS_MAX || s->pod_group_count < 1 ||
        s->pod_group_count > SCENARIO_POD_GROUPS_MAX) {
        broken("loaded", "API, limiter or group count out of bounds");
    }
    int64_t pods = 0;
    for (int g = 0; g < s->pod_group_count; g++) {
        const scenario_pod_group *group = &s->pod_groups[g];
        if (!name_ok(group->name) || group->count < 1 || group->traffic_count < 1 ||
            group->traffic_count > SCENARIO_TRAFFIC_MAX) {
            broken("loaded", "a pod group out of bounds");
        }
        pods += group->count;
        for (int t = 0; t < group->traffic_count; t++) {
            const scenario_traffic *traffic = &group->traffic[t];
            if (traffic->api_index < 0 || traffic->api_index >= s->api_count ||
                traffic->limiter_index < -1 || traffic->limiter_index >= s->limiter_count) {
                broken("loaded", "a traffic entry refers outside the scenario");
            }
        }
    }
    if (pods > SCENARIO_PODS_MAX || scenario_pod_count(s) != pods) {
        broken("loaded", "more pods than allowed");
    }
    if (s->fault_count < 0 || s->fault_count > SCENARIO_FAULTS_MAX || s->expectation_count < 0 ||
        s->expectation_count > SCENARIO_EXPECT_MAX || s->sweep_key_count < 0 ||
        s->sweep_key_count > SCENARIO_SWEEP_KEYS_MAX) {
        broken("loaded", "faults, expectations or sweep out of bounds");
    }
    for (int i = 0; i < s->expectation_count; i++) {
        int api = s->expectations[i].api_index;
        if (api < -1 || api >= s->api_count) {
            broken("loaded", "an expectation refers outside the scenario");
        }
    }
    for (int i = 0; i < s->sweep_key_count; i++) {
        if (s->sweep[i].value_count < 1 || s->sweep[i].value_count > SCENARIO_SWEEP_VALUES_MAX) {
            broken("loaded", "a sweep key with a value count out of bounds");
        }
    }
}

void fuzz_check_load(int rc, const scenario *s, const rl_error *err) {
    if (rc == RL_OK) {
        check_bounds(s);
        memory_estimate estimate;
        memory_estimate_scenario(s, &estimate); /* must not overflow (UBSan) on any scenario */
        for (int part = 0; part < MEMORY_PART_COUNT; part++) {
            if (estimate.total_bytes < estimate.part_bytes[part]) {
                broken("loaded", "the memory estimate is smaller than one of its parts");
            }
        }
        return;
    }
    if (rc != RL_ERR_INVALID && rc != RL_ERR_NOMEM) {
        broken("an unexpected error code", err->message);
    }
    check_message(err, rc);
}

void fuzz_check_override_error(int rc, const rl_error *err) {
    if (rc != RL_ERR_INVALID) {
        broken("an unexpected error code from scenario_override_parse", err->message);
    }
    check_message(err, rc);
}
