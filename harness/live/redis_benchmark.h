/* redis_benchmark.h - redis-benchmark run as a child process from an argument vector (no shell
 * between us and it), and the requests-per-second figure read from what it prints. */
#ifndef RATELAB_REDIS_BENCHMARK_H
#define RATELAB_REDIS_BENCHMARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REDIS_BENCHMARK_ARGS_MAX 40
#define REDIS_BENCHMARK_ARG_BYTES 320
#define REDIS_BENCHMARK_NOTE_BYTES 160

/* One command line: argv[0..count-1] point into text, argv[count] is NULL. Nothing to free. */
typedef struct redis_benchmark_command {
    int count;
    char text[REDIS_BENCHMARK_ARGS_MAX][REDIS_BENCHMARK_ARG_BYTES];
    char *argv[REDIS_BENCHMARK_ARGS_MAX + 1];
} redis_benchmark_command;

/* Empties c, then appends program as argv[0]. */
void redis_benchmark_command_init(redis_benchmark_command *c, const char *program);

/* Appends one argument, taken as it is: spaces, quotes and `;` reach the program unchanged.
 * Returns false (and appends nothing) when c is full or arg does not fit. */
bool redis_benchmark_command_add(redis_benchmark_command *c, const char *arg);

/* Appends value in decimal. Returns false as redis_benchmark_command_add. */
bool redis_benchmark_command_add_i64(redis_benchmark_command *c, int64_t value);

/* The rate in one line of `redis-benchmark -q` output ("EVALSHA ...: 41867.92 requests per
 * second, p50=..."; progress updates separated by \r): the number after the last colon before
 * the last "requests per second", or 0 when the line has none. */
double redis_benchmark_parse_rate(const char *line);

/* Runs c->argv[0] (looked up in PATH) with c's arguments, stdin and stderr on /dev/null, and
 * reads its output. Returns the rate it printed (> 0), or 0 with the reason in note
 * (note_size bytes): not installed, failed, or printed no rate. */
double redis_benchmark_run(const redis_benchmark_command *c, char *note, size_t note_size);

#endif
