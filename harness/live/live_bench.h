/* live_bench.h - throughput of limiter decisions against a Redis: decisions per second and
 * round-trip percentiles at a given concurrency and pipeline depth, and redis-benchmark's
 * figure for the same EVALSHA when it is installed. */
#ifndef RATELAB_LIVE_BENCH_H
#define RATELAB_LIVE_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/core/rl_error.h"

typedef struct live_bench_options {
    const char *redis_url;     /* NULL: start an embedded redis-server */
    const char *algorithm;     /* a limiter with a Lua mirror */
    int connections;           /* concurrent connections, 1..256 */
    int pipeline;              /* commands in flight per connection, >= 1 */
    int64_t requests;          /* decisions to measure */
    bool compare;              /* also run redis-benchmark, if installed */
} live_bench_options;

typedef struct live_bench_result {
    char server[96]; /* redis://host:port/db */
    double decisions_per_s;
    double elapsed_s;
    int64_t allowed, refused_by_limiter, errors;
    int64_t rtt_p50_us, rtt_p90_us, rtt_p99_us, rtt_max_us;
    bool compared;                 /* redis-benchmark ran */
    double redis_benchmark_per_s;  /* its EVALSHA rate */
    char compare_note[160];        /* why it did not run, when it did not */
} live_bench_result;

/* Runs the benchmark (see the file comment). Returns 0, or RL_ERR_INVALID / RL_ERR_IO with a
 * message. */
int live_bench_run(const live_bench_options *options, live_bench_result *out, rl_error *err);

#endif
