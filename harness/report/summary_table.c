/* summary_table.c - the console table of a run. */
#include "harness/report/summary_table.h"

#include <inttypes.h>
#include <string.h>


static void append(char *buf, size_t size, const char *text) {
    size_t used = strlen(buf);
    if (used < size) {
        snprintf(buf + used, size - used, "%s", text);
    }
}

void summary_api_limiters(const scenario *s, int api, char *buf, size_t size) {
    buf[0] = '\0';
    bool seen[SCENARIO_LIMITERS_MAX + 1] = {false};
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            const scenario_traffic *traffic = &s->pod_groups[g].traffic[t];
            if (traffic->api_index != api || seen[traffic->limiter_index + 1]) {
                continue;
            }
            seen[traffic->limiter_index + 1] = true;
            if (buf[0] != '\0') {
                append(buf, size, "+");
            }
            if (traffic->limiter_index < 0) {
                append(buf, size, "none");
                continue;
            }
            const scenario_limiter *l = &s->limiters[traffic->limiter_index];
            append(buf, size, l->config.algorithm->name);
            append(buf, size, "@");
            append(buf, size, limiter_scope_name(l->scope));
        }
    }
    if (buf[0] == '\0') {
        append(buf, size, "(no traffic)");
    }
}

/* A latency short enough for a table column: "850us", "12.3ms", "4.21s", "95.0s". */
static void format_latency(int64_t us, char *buf, size_t size) {
    if (us < 1000) {
        snprintf(buf, size, "%" PRId64 "us", us);
    } else if (us < 1000000) {
        snprintf(buf, size, "%.1fms", (double)us / 1e3);
    } else if (us < 10000000) {
        snprintf(buf, size, "%.2fs", (double)us / 1e6);
    } else {
        snprintf(buf, size, "%.1fs", (double)us / 1e6);
    }
}

void summary_table_print(FILE *out, const scenario *s, const metrics *m) {
    int api_width = 3, limiter_width = 7;
    char limiters[SCENARIO_APIS_MAX][96];
    for (int i = 0; i < s->api_count; i++) {
        summary_api_limiters(s, i, limiters[i], sizeof limiters[i]);
        int name_length = (int)strlen(s->apis[i].name);
        int limiter_length = (int)strlen(limiters[i]);
        api_width = name_length > api_width ? name_length : api_width;
        limiter_width = limiter_length > limiter_width ? limiter_length : limiter_width;
    }
    fprintf(out, "%-*s  %-*s %11s %9s %7s %8s %8s %7s %6s %6s\n", api_width, "api",
            limiter_width, "limiter", "done", "attempts", "429", "p50", "p99", "wasted", "burst",
            "fair");
    for (int i = 0; i < s->api_count; i++) {
        const api_summary *a = &m->apis[i].summary;
        char done[48], p50[32], p99[32];
        snprintf(done, sizeof done, "%" PRId64 "/%" PRId64, a->jobs_completed, a->jobs_created);
        format_latency(a->latency_p50_us, p50, sizeof p50);
        format_latency(a->latency_p99_us, p99, sizeof p99);
        fprintf(out, "%-*s  %-*s %11s %9" PRId64 " %6.2f%% %8s %8s %6.1f%% %6.2f %6.3f\n",
                api_width, s->apis[i].name, limiter_width, limiters[i], done, a->attempts,
                100.0 * a->rate_429, p50, p99, 100.0 * a->wasted_quota, a->burst_ratio,
                a->fairness_jain);
    }
    fprintf(out,
            "store: %" PRId64 " ops (%.0f/s), round trip p50 %" PRId64 " us, p99 %" PRId64
            " us, in flight max %" PRId64,
            m->store.ops, m->store.ops_per_s, m->store.rtt_p50_us, m->store.rtt_p99_us,
            m->store.in_flight_max);
    if (m->store.queue_max >= 0) { /* the live world cannot see Redis's queue */
        fprintf(out, ", queue max %" PRId64, m->store.queue_max);
    }
    fprintf(out, "\n");
}
