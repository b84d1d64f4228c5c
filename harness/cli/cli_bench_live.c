/* cli_bench.c - `ratelab bench-live`: limiter decisions per second against a Redis. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/live/live_bench.h"

static void bench_usage(FILE *out) {
    fputs("usage: ratelab bench-live [--redis URL] [--algorithm NAME] [--connections N]\n"
          "                          [--pipeline N] [--requests N] [--no-compare]\n\n"
          "Measures limiter decisions per second (EVALSHA of the algorithm's Lua script, at the\n"
          "server's clock) and round-trip percentiles, with N connections each keeping\n"
          "--pipeline commands in flight. Without --redis, starts its own redis-server.\n"
          "Where redis-benchmark is installed, prints its EVALSHA rate for the same script,\n"
          "connections and pipeline beside ours.\n\n"
          "defaults: --algorithm gcra --connections 50 --pipeline 1 --requests 200000\n",
          out);
}

int cli_bench_live(int argc, char **argv) {
    live_bench_options o = {.algorithm = "gcra", .connections = 50, .pipeline = 1,
                            .requests = 200000, .compare = true};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        long long n = 0;
        if (cli_is_help(arg)) {
            bench_usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(arg, "--no-compare") == 0) {
            o.compare = false;
        } else if (value == NULL) {
            fprintf(stderr, "ratelab bench-live: unknown option or missing value '%s'\n", arg);
            bench_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        } else if (strcmp(arg, "--redis") == 0) {
            o.redis_url = value;
            i++;
        } else if (strcmp(arg, "--algorithm") == 0) {
            o.algorithm = value;
            i++;
        } else if (strcmp(arg, "--connections") == 0 && cli_parse_count(value, 1, 256, &n) == 0) {
            o.connections = (int)n;
            i++;
        } else if (strcmp(arg, "--pipeline") == 0 && cli_parse_count(value, 1, 10000, &n) == 0) {
            o.pipeline = (int)n;
            i++;
        } else if (strcmp(arg, "--requests") == 0 &&
                   cli_parse_count(value, 1, 1000000000, &n) == 0) {
            o.requests = n;
            i++;
        } else {
            fprintf(stderr, "ratelab bench-live: bad option '%s %s'\n", arg, value);
            bench_usage(stderr);
            return CLI_EXIT_BAD_INPUT;
        }
    }
    live_bench_result r;
    rl_error err;
    rl_error_clear(&err);
    int rc = live_bench_run(&o, &r, &err);
    if (rc != RL_OK) {
        fprintf(stderr, "ratelab bench-live: %s\n", err.message);
        return rc == RL_ERR_INVALID ? CLI_EXIT_BAD_INPUT : CLI_EXIT_RUN_FAILED;
    }
    printf("bench-live: %s, %s, %d connections x pipeline %d, %lld decisions\n", r.server,
           o.algorithm, o.connections, o.pipeline, (long long)o.requests);
    printf("  ratelab:         %10.0f decisions/s  (%.2f s; rtt p50 %lld us, p90 %lld us, "
           "p99 %lld us, max %lld us; %lld allowed, %lld refused, %lld errors)\n",
           r.decisions_per_s, r.elapsed_s, (long long)r.rtt_p50_us, (long long)r.rtt_p90_us,
           (long long)r.rtt_p99_us, (long long)r.rtt_max_us, (long long)r.allowed,
           (long long)r.refused_by_limiter, (long long)r.errors);
    if (r.compared) {
        printf("  redis-benchmark: %10.0f EVALSHA/s    (same script, connections, pipeline)\n",
               r.redis_benchmark_per_s);
        printf("  ratio:           %10.1f %%\n",
               100.0 * r.decisions_per_s / r.redis_benchmark_per_s);
    } else if (o.compare) {
        printf("  %s\n", r.compare_note);
    }
    return CLI_EXIT_OK;
}
