/* test_memory_estimate.c - the memory a run needs at least, MemAvailable, sizes with units, and
 * the one-line refusal of a run too big for the memory available. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/fleet.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/event_queue.h"
#include "harness/sim/memory_estimate.h"

#define PROPERTY_SEED UINT64_C(20250301)
#define PROPERTY_CASES 300

/* One API, one group of 4 pods with two traffic entries: a gather of 3 and Poisson. */
static const char BASE[] =
    "name: t\n"                                             /* 1 */
    "duration: 10s\n"                                       /* 2 */
    "apis:\n"                                               /* 3 */
    "  a:\n"                                                /* 4 */
    "    model: burst_intolerant\n"                         /* 5 */
    "    limit: 10/s\n"                                     /* 6 */
    "pods:\n"                                               /* 7 */
    "  g:\n"                                                /* 8 */
    "    count: 4\n"                                        /* 9 */
    "    traffic:\n"                                        /* 10 */
    "      - api: a\n"                                      /* 11 */
    "        workload: {kind: gather, requests: 3}\n"       /* 12 */
    "      - api: a\n"                                      /* 13 */
    "        workload: {kind: poisson, rate: 5/s}\n";       /* 14 */

static scenario *load(const char *text, const scenario_override *overrides, size_t count) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_text(text, strlen(text), "t.yaml", overrides, count, s, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    return s;
}

/* Loads BASE with one override "path=value". */
static scenario *load_set(const char *setting) {
    scenario_override o;
    rl_error err;
    assert_int_equal(scenario_override_parse(setting, &o, &err), RL_OK);
    return load(BASE, &o, 1);
}

static const uint64_t EVENT_BYTES = sizeof(event_queue_item);

/* ---- exact cases ---- */

static void test_parts_of_base(void **state) {
    (void)state;
    scenario *s = load(BASE, NULL, 0);
    memory_estimate e;
    memory_estimate_scenario(s, &e);
    /* 4 pods: record, 1.25 events, 2 per-pod counters of the one API; 8 streams. */
    uint64_t per_pod = sizeof(fleet_pod) + EVENT_BYTES * 5 / 4 + 2 * sizeof(int64_t);
    assert_int_equal(e.part_bytes[MEMORY_PART_PODS], 4 * per_pod + 8 * sizeof(fleet_stream));
    /* One gather of 3 per pod: 12 jobs, each with one event. Poisson jobs are not counted. */
    assert_int_equal(e.part_bytes[MEMORY_PART_JOBS], 12 * (sizeof(fleet_job) + EVENT_BYTES));
    /* 10 s in 100 ms bins; 10 windows of 1 s, two arrays (one of them one longer). */
    assert_int_equal(e.part_bytes[MEMORY_PART_BINS], 100 * sizeof(metrics_bin));
    assert_int_equal(e.part_bytes[MEMORY_PART_WINDOWS], 21 * sizeof(int64_t));
    assert_int_equal(e.part_bytes[MEMORY_PART_FIXED], sizeof(metrics) + sizeof(scenario));
    uint64_t sum = 0;
    for (int p = 0; p < MEMORY_PART_COUNT; p++) {
        sum += e.part_bytes[p];
    }
    assert_int_equal(e.total_bytes, sum);
    assert_int_equal(e.largest, MEMORY_PART_FIXED); /* a small run: the histograms weigh most */
    free(s);
}

static void test_largest_part_and_its_key(void **state) {
    (void)state;
    scenario *s = load_set("pods.g.count=1_000_000");
    s->pod_groups[0].traffic[0].workload.requests = 1; /* a gather of 3 would weigh more */
    memory_estimate e;
    memory_estimate_scenario(s, &e);
    assert_int_equal(e.largest, MEMORY_PART_PODS);
    assert_int_equal(e.group_index, 0);
    free(s);
    s = load_set("pods.g.traffic.0.workload.requests=1000000");
    memory_estimate_scenario(s, &e);
    assert_int_equal(e.largest, MEMORY_PART_JOBS);
    assert_int_equal(e.gather_group, 0);
    assert_int_equal(e.gather_traffic, 0);
    assert_int_equal(e.part_bytes[MEMORY_PART_JOBS], 4000000 * (sizeof(fleet_job) + EVENT_BYTES));
    free(s);
    s = load_set("apis.a.limit=1/1us");
    memory_estimate_scenario(s, &e);
    assert_int_equal(e.largest, MEMORY_PART_WINDOWS);
    assert_int_equal(e.part_bytes[MEMORY_PART_WINDOWS], (2 * 10000000 + 1) * sizeof(int64_t));
    free(s);
}

static void test_meminfo_parse(void **state) {
    (void)state;
    uint64_t bytes = 0;
    assert_int_equal(memory_available_parse("MemTotal:       24684396 kB\n"
                                            "MemFree:        24375428 kB\n"
                                            "MemAvailable:   24359864 kB\n"
                                            "Buffers:           2108 kB\n",
                                            &bytes),
                     RL_OK);
    assert_int_equal(bytes, UINT64_C(24359864) * 1024);
    assert_int_equal(memory_available_parse("MemAvailable: 1 kB", &bytes), RL_OK);
    assert_int_equal(bytes, 1024);
    assert_int_equal(memory_available_parse("MemTotal: 5 kB\nMemFree: 4 kB\n", &bytes),
                     RL_ERR_INVALID);
    assert_int_equal(memory_available_parse("MemAvailable: lots\n", &bytes), RL_ERR_INVALID);
    assert_int_equal(memory_available_parse("MemAvailable: 12 MB\n", &bytes), RL_ERR_INVALID);
    assert_int_equal(memory_available_parse("", &bytes), RL_ERR_INVALID);
    rl_error err;
    assert_int_equal(memory_available_read("/nonexistent/meminfo", &bytes, &err), RL_ERR_IO);
    assert_non_null(strstr(err.message, "cannot read /nonexistent/meminfo"));
    /* The machine running the test has a /proc/meminfo with some memory available. */
    assert_int_equal(memory_available_read("/proc/meminfo", &bytes, &err), RL_OK);
    assert_true(bytes > 0);
}

static void test_size_parse_and_format(void **state) {
    (void)state;
    uint64_t bytes = 0;
    rl_error err;
    assert_int_equal(memory_size_parse("512MiB", &bytes, &err), RL_OK);
    assert_int_equal(bytes, UINT64_C(512) << 20);
    assert_int_equal(memory_size_parse("8GiB", &bytes, &err), RL_OK);
    assert_int_equal(bytes, UINT64_C(8) << 30);
    assert_int_equal(memory_size_parse("1B", &bytes, &err), RL_OK);
    assert_int_equal(bytes, 1);
    assert_int_equal(memory_size_parse("2TiB", &bytes, &err), RL_OK);
    assert_int_equal(bytes, UINT64_C(2) << 40);
    const char *bad[] = {"", "12", "0MiB", "1.5GiB", "1GB", "5 GiB", "-1GiB", "GiB", "1gib",
                         "9999999999999GiB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (memory_size_parse(bad[i], &bytes, &err) != RL_ERR_INVALID) {
            fail_msg("\"%s\" was accepted", bad[i]);
        }
        assert_non_null(strstr(err.message, "is not a size; write a whole number above 0"));
    }
    char text[32];
    memory_size_format(512, text, sizeof text);
    assert_string_equal(text, "512 B");
    memory_size_format(1536, text, sizeof text);
    assert_string_equal(text, "1.5 KiB");
    memory_size_format(UINT64_C(3) << 30, text, sizeof text);
    assert_string_equal(text, "3.0 GiB");
    memory_size_format(UINT64_MAX, text, sizeof text);
    assert_string_equal(text, "16.0 EiB");
}

static void test_check_messages(void **state) {
    (void)state;
    rl_error err;
    scenario *s = load(BASE, NULL, 0);
    memory_estimate e;
    memory_estimate_scenario(s, &e);
    assert_int_equal(memory_estimate_check(s, e.total_bytes, "MemAvailable", &err), RL_OK);
    assert_int_equal(memory_estimate_check(s, e.total_bytes - 1, "MemAvailable", &err),
                     RL_ERR_LIMIT);
    assert_non_null(strstr(err.message, "t.yaml:2: duration: the run needs about "));
    assert_non_null(strstr(err.message, "(MemAvailable); no scenario fits in that"));
    free(s);

    /* Written in the file: FILE:LINE: KEY. The estimate and what would fit are in the line. */
    char *text = malloc(sizeof BASE + 16);
    assert_non_null(text);
    snprintf(text, sizeof BASE + 16, "%s", BASE);
    memcpy(strstr(text, "count: 4"), "count: 9", 8);
    s = load(text, NULL, 0);
    s->pod_groups[0].count = 10000000; /* as if the file said so; the line stays 9 */
    s->pod_groups[0].traffic[0].workload.requests = 1;
    assert_int_equal(memory_estimate_check(s, UINT64_C(64) << 20, "--memory-limit", &err),
                     RL_ERR_LIMIT);
    assert_non_null(strstr(err.message, "t.yaml:9: pods.g.count: the run needs about "));
    assert_non_null(strstr(err.message, "more than the 64.0 MiB available (--memory-limit); "
                                        "about "));
    assert_non_null(strstr(err.message, " pods in all would fit (or set --memory-limit)"));
    assert_null(strchr(err.message, '\n'));
    free(s);
    free(text);

    /* Given by --set: --set:KEY. */
    s = load_set("pods.g.traffic.0.workload.requests=1000000");
    assert_int_equal(memory_estimate_check(s, UINT64_C(1) << 20, "MemAvailable", &err),
                     RL_ERR_LIMIT);
    assert_non_null(strstr(err.message, "--set:pods.g.traffic.0.workload.requests: the run "));
    assert_non_null(strstr(err.message, "jobs per gather over all pods (count x requests)"));
    free(s);

    /* Quota windows: a limit per microsecond over a week. */
    s = load(BASE, NULL, 0);
    s->apis[0].config.window_us = 1;
    s->duration_us = SCENARIO_DURATION_MAX_US;
    s->bin_us = 1000000;
    assert_int_equal(memory_estimate_check(s, UINT64_C(16) << 30, "MemAvailable", &err),
                     RL_ERR_LIMIT);
    assert_non_null(strstr(err.message, "t.yaml:6: apis.a.limit: the run needs about 8.8 TiB"));
    assert_non_null(strstr(err.message, "windows per API (duration / the period of limit)"));
    printf("  %s\n", err.message);
    free(s);
}

/* ---- properties ---- */

static uint64_t splitmix(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Over random sizes: the total is the sum of the parts; more pods or a bigger gather never
 * need less; and the check refuses exactly when the total exceeds what is available. */
static void test_property_sums_and_monotone(void **state) {
    (void)state;
    printf("[ seed     ] %llu, %d cases\n", (unsigned long long)PROPERTY_SEED, PROPERTY_CASES);
    uint64_t random = PROPERTY_SEED;
    scenario *s = load(BASE, NULL, 0);
    scenario *bigger = malloc(sizeof *bigger);
    assert_non_null(bigger);
    for (int i = 0; i < PROPERTY_CASES; i++) {
        s->pod_groups[0].count = 1 + (int64_t)(splitmix(&random) % SCENARIO_PODS_MAX);
        s->pod_groups[0].traffic[0].workload.requests =
            1 + (int64_t)(splitmix(&random) % SCENARIO_GATHER_REQUESTS_MAX);
        s->duration_us = 1 + (int64_t)(splitmix(&random) % SCENARIO_DURATION_MAX_US);
        s->bin_us = s->duration_us / 1000 + 1;
        s->apis[0].config.window_us = 1 + (int64_t)(splitmix(&random) % 60000000);
        memory_estimate e, f;
        memory_estimate_scenario(s, &e);
        uint64_t sum = 0;
        for (int p = 0; p < MEMORY_PART_COUNT; p++) {
            sum += e.part_bytes[p];
            assert_true(e.part_bytes[p] <= e.part_bytes[e.largest]);
        }
        assert_int_equal(e.total_bytes, sum);
        memcpy(bigger, s, sizeof *s);
        bigger->pod_groups[0].count += bigger->pod_groups[0].count < SCENARIO_PODS_MAX;
        bigger->pod_groups[0].traffic[0].workload.requests++;
        memory_estimate_scenario(bigger, &f);
        assert_true(f.total_bytes > e.total_bytes);
        rl_error err;
        assert_int_equal(memory_estimate_check(s, e.total_bytes, "x", &err), RL_OK);
        assert_int_equal(memory_estimate_check(s, e.total_bytes - 1, "x", &err), RL_ERR_LIMIT);
    }
    free(bigger);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_of_base),
        cmocka_unit_test(test_largest_part_and_its_key),
        cmocka_unit_test(test_meminfo_parse),
        cmocka_unit_test(test_size_parse_and_format),
        cmocka_unit_test(test_check_messages),
        cmocka_unit_test(test_property_sums_and_monotone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
