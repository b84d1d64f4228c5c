/* memory_estimate.c - the memory a run needs at least, and the memory available (see
 * memory_estimate.h). Sizes come from the structures the run allocates (sizeof), so the estimate
 * follows the code when a structure grows. */
#include "harness/sim/memory_estimate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/fleet.h"
#include "harness/metrics/metrics.h"
#include "harness/sim/event_queue.h"

/* The engine's queue starts with room for pods + pods/4 events (sim_run.c). */
#define EVENTS_PER_POD_NUM 5
#define EVENTS_PER_POD_DEN 4

static uint64_t add_sat(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b) {
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t ceil_div_u64(uint64_t a, uint64_t b) {
    return a / b + (a % b != 0);
}

/* Whether any traffic goes to api: only those APIs keep per-pod counters (metrics.c). */
static bool api_has_traffic(const scenario *s, int api) {
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            if (s->pod_groups[g].traffic[t].api_index == api) {
                return true;
            }
        }
    }
    return false;
}

/* Bytes of one pod, not counting its streams. */
static uint64_t pod_bytes(const scenario *s) {
    uint64_t bytes = sizeof(fleet_pod);
    bytes += sizeof(event_queue_item) * EVENTS_PER_POD_NUM / EVENTS_PER_POD_DEN;
    for (int a = 0; a < s->api_count; a++) {
        if (api_has_traffic(s, a)) {
            bytes += 2 * sizeof(int64_t); /* pod_demand, pod_accepted */
        }
    }
    return bytes;
}

static void estimate_pods_and_jobs(const scenario *s, memory_estimate *out) {
    uint64_t per_pod = pod_bytes(s);
    uint64_t per_job = sizeof(fleet_job) + sizeof(event_queue_item);
    uint64_t largest_group = 0, largest_gather = 0;
    for (int g = 0; g < s->pod_group_count; g++) {
        const scenario_pod_group *group = &s->pod_groups[g];
        uint64_t pods = group->count > 0 ? (uint64_t)group->count : 0;
        uint64_t streams = mul_sat(pods, (uint64_t)group->traffic_count);
        out->part_bytes[MEMORY_PART_PODS] = add_sat(out->part_bytes[MEMORY_PART_PODS],
            add_sat(mul_sat(pods, per_pod), mul_sat(streams, sizeof(fleet_stream))));
        if (pods > largest_group) {
            largest_group = pods;
            out->group_index = g;
        }
        for (int t = 0; t < group->traffic_count; t++) {
            const workload_config *w = &group->traffic[t].workload;
            if (w->kind != WORKLOAD_GATHER || w->requests <= 0) {
                continue;
            }
            uint64_t jobs = mul_sat(pods, (uint64_t)w->requests);
            out->part_bytes[MEMORY_PART_JOBS] =
                add_sat(out->part_bytes[MEMORY_PART_JOBS], mul_sat(jobs, per_job));
            if (jobs > largest_gather) {
                largest_gather = jobs;
                out->gather_group = g;
                out->gather_traffic = t;
            }
        }
    }
}

static void estimate_series(const scenario *s, memory_estimate *out) {
    uint64_t duration_us = s->duration_us > 0 ? (uint64_t)s->duration_us : 0;
    uint64_t bin_us = s->bin_us > 0 ? (uint64_t)s->bin_us : 1;
    uint64_t bins = ceil_div_u64(duration_us, bin_us);
    out->part_bytes[MEMORY_PART_BINS] =
        mul_sat(mul_sat(bins, sizeof(metrics_bin)), (uint64_t)s->api_count);
    uint64_t most_windows = 0;
    for (int a = 0; a < s->api_count; a++) {
        int64_t window_us = s->apis[a].config.window_us;
        uint64_t windows = ceil_div_u64(duration_us, window_us > 0 ? (uint64_t)window_us : 1);
        /* window_accepted and window_deferred_delta (one more) */
        uint64_t bytes = mul_sat(add_sat(mul_sat(windows, 2), 1), sizeof(int64_t));
        out->part_bytes[MEMORY_PART_WINDOWS] = add_sat(out->part_bytes[MEMORY_PART_WINDOWS], bytes);
        if (windows > most_windows) {
            most_windows = windows;
            out->api_index = a;
        }
    }
}

void memory_estimate_scenario(const scenario *s, memory_estimate *out) {
    memset(out, 0, sizeof *out);
    out->part_bytes[MEMORY_PART_FIXED] = sizeof(metrics) + sizeof(scenario);
    estimate_pods_and_jobs(s, out);
    estimate_series(s, out);
    out->largest = MEMORY_PART_FIXED;
    for (int p = 0; p < MEMORY_PART_COUNT; p++) {
        out->total_bytes = add_sat(out->total_bytes, out->part_bytes[p]);
        if (out->part_bytes[p] > out->part_bytes[out->largest]) {
            out->largest = (memory_part)p;
        }
    }
}

const char *memory_part_name(memory_part part) {
    switch (part) {
    case MEMORY_PART_FIXED: return "fixed";
    case MEMORY_PART_PODS: return "pods";
    case MEMORY_PART_JOBS: return "jobs";
    case MEMORY_PART_BINS: return "time series";
    case MEMORY_PART_WINDOWS: return "quota windows";
    case MEMORY_PART_COUNT: break;
    }
    return "?";
}

int memory_available_parse(const char *meminfo_text, uint64_t *out_bytes) {
    static const char KEY[] = "MemAvailable:";
    for (const char *line = meminfo_text; line != NULL && *line != '\0';) {
        if (strncmp(line, KEY, sizeof KEY - 1) == 0) {
            const char *p = line + sizeof KEY - 1;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            if (*p < '0' || *p > '9') {
                return RL_ERR_INVALID;
            }
            errno = 0;
            char *end = NULL;
            unsigned long long kib = strtoull(p, &end, 10);
            if (errno != 0 || strncmp(end, " kB", 3) != 0) {
                return RL_ERR_INVALID;
            }
            *out_bytes = mul_sat((uint64_t)kib, 1024);
            return RL_OK;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return RL_ERR_INVALID;
}

int memory_available_read(const char *meminfo_path, uint64_t *out_bytes, rl_error *err) {
    FILE *file = fopen(meminfo_path, "r");
    if (file == NULL) {
        return rl_error_set(err, RL_ERR_IO, "cannot read %s: %s", meminfo_path, strerror(errno));
    }
    char text[8192];
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    if (memory_available_parse(text, out_bytes) != RL_OK) {
        return rl_error_set(err, RL_ERR_INVALID, "%s has no MemAvailable line", meminfo_path);
    }
    return RL_OK;
}

int memory_size_parse(const char *text, uint64_t *out_bytes, rl_error *err) {
    static const struct {
        const char *unit;
        unsigned shift;
    } UNITS[] = {{"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
    size_t digits = strspn(text, "0123456789");
    if (digits > 0 && digits <= 12) {
        uint64_t count = 0;
        for (size_t i = 0; i < digits; i++) {
            count = count * 10 + (uint64_t)(text[i] - '0');
        }
        for (size_t u = 0; u < sizeof UNITS / sizeof UNITS[0]; u++) {
            if (strcmp(text + digits, UNITS[u].unit) == 0 && count > 0) {
                *out_bytes = mul_sat(count, UINT64_C(1) << UNITS[u].shift);
                return RL_OK;
            }
        }
    }
    return rl_error_set(err, RL_ERR_INVALID,
                        "\"%.40s\" is not a size; write a whole number above 0 and B, KiB, MiB, "
                        "GiB or TiB, such as 512MiB or 8GiB",
                        text);
}

void memory_size_format(uint64_t bytes, char *buf, size_t size) {
    static const char *const UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, size, "%" PRIu64 " B", bytes);
        return;
    }
    double value = (double)bytes;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < sizeof UNITS / sizeof UNITS[0]) {
        value /= 1024.0;
        unit++;
    }
    snprintf(buf, size, "%.1f %s", value, UNITS[unit]);
}

/* The key a part of the estimate is due to: its path and the line it was written on. */
static void blamed_key(const scenario *s, const memory_estimate *e, char *path, size_t size,
                       int *line) {
    const scenario_pod_group *group = &s->pod_groups[e->group_index];
    const scenario_pod_group *gather = &s->pod_groups[e->gather_group];
    switch (e->largest) {
    case MEMORY_PART_PODS:
        snprintf(path, size, "pods.%s.count", group->name);
        *line = group->count_line;
        return;
    case MEMORY_PART_JOBS:
        snprintf(path, size, "pods.%s.traffic.%d.workload.requests", gather->name,
                 e->gather_traffic);
        *line = gather->traffic[e->gather_traffic].requests_line;
        return;
    case MEMORY_PART_WINDOWS:
        snprintf(path, size, "apis.%s.limit", s->apis[e->api_index].name);
        *line = s->apis[e->api_index].limit_line;
        return;
    case MEMORY_PART_BINS:
    case MEMORY_PART_FIXED:
    case MEMORY_PART_COUNT:
        break;
    }
    snprintf(path, size, "duration");
    *line = s->duration_line;
}

/* What would fit: how many units of the largest part the room left by the others holds. */
static void what_fits(const scenario *s, const memory_estimate *e, uint64_t available_bytes,
                      char *buf, size_t size) {
    uint64_t others = e->total_bytes - e->part_bytes[e->largest];
    uint64_t room = available_bytes > others ? available_bytes - others : 0;
    uint64_t units = 0;
    const char *what = "";
    switch (e->largest) {
    case MEMORY_PART_PODS:
        units = (uint64_t)scenario_pod_count(s);
        what = "pods in all";
        break;
    case MEMORY_PART_JOBS:
        units = e->part_bytes[MEMORY_PART_JOBS] / (sizeof(fleet_job) + sizeof(event_queue_item));
        what = "jobs per gather over all pods (count x requests)";
        break;
    case MEMORY_PART_BINS:
        units = ceil_div_u64((uint64_t)s->duration_us, (uint64_t)s->bin_us);
        what = "bins (duration / bin)";
        break;
    case MEMORY_PART_WINDOWS: {
        int64_t window_us = s->apis[e->api_index].config.window_us;
        units = ceil_div_u64((uint64_t)s->duration_us, (uint64_t)window_us);
        what = "windows per API (duration / the period of limit)";
        break;
    }
    case MEMORY_PART_FIXED:
    case MEMORY_PART_COUNT:
        snprintf(buf, size, "no scenario fits in that");
        return;
    }
    uint64_t per_unit = units > 0 ? e->part_bytes[e->largest] / units : 1;
    snprintf(buf, size, "about %" PRIu64 " %s would fit", room / (per_unit > 0 ? per_unit : 1),
             what);
}

int memory_estimate_check(const scenario *s, uint64_t available_bytes,
                          const char *available_source, rl_error *err) {
    memory_estimate e;
    memory_estimate_scenario(s, &e);
    if (e.total_bytes <= available_bytes) {
        return RL_OK;
    }
    char path[160];
    int line = 0;
    blamed_key(s, &e, path, sizeof path, &line);
    char parts[256] = "";
    size_t used = 0;
    for (int p = MEMORY_PART_PODS; p <= MEMORY_PART_COUNT; p++) {
        memory_part part = p == MEMORY_PART_COUNT ? MEMORY_PART_FIXED : (memory_part)p;
        char size_text[32];
        memory_size_format(e.part_bytes[part], size_text, sizeof size_text);
        int n = snprintf(parts + used, sizeof parts - used, "%s%s %s", used > 0 ? ", " : "",
                         memory_part_name(part), size_text);
        if (n < 0 || (size_t)n >= sizeof parts - used) {
            break;
        }
        used += (size_t)n;
    }
    char total[32], available[32], fits[160];
    memory_size_format(e.total_bytes, total, sizeof total);
    memory_size_format(available_bytes, available, sizeof available);
    what_fits(s, &e, available_bytes, fits, sizeof fits);
    char where[SCENARIO_PATH_BYTES + 200];
    if (line > 0) {
        snprintf(where, sizeof where, "%s:%d: %s", s->source_path, line, path);
    } else {
        snprintf(where, sizeof where, "--set:%s", path);
    }
    return rl_error_set(err, RL_ERR_LIMIT,
                        "%s: the run needs about %s of memory (%s), more than the %s available "
                        "(%s); %s (or set --memory-limit)",
                        where, total, parts, available, available_source, fits);
}
